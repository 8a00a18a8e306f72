public import GeoModel

/// A geometry projected once to Web Mercator metres and flattened, so that a tile request
/// only scales, clips and simplifies it (no WKB decoding, no trigonometry per request).
///
/// Parts are points (one position each), lines or rings; rings are stored without their
/// closing position. For polygons `exterior[i]` says whether part `i` starts a polygon.
public struct PreparedGeometry: Sendable {
    public var family: GeometryFamily
    public var xs: [Double]
    public var ys: [Double]
    /// Exclusive end of each part in `xs`/`ys`.
    public var partEnds: [Int32]
    public var exterior: [Bool]
    public var bbox: BoundingBox

    /// The widest longitude drawn: past ±180° (data crossing the antimeridian) but not beyond
    /// a turn and a half of the world.
    static let longitudeLimit = 540.0

    /// Projects a WGS 84 geometry; `nil` when nothing drawable is left (empty geometry,
    /// non-finite coordinates or longitudes past ±540°, rings of fewer than three positions).
    public init?(lonLat g: Geometry) {
        family = g.family
        xs = []; ys = []; partEnds = []; exterior = []; bbox = .empty
        var ok = true
        func add(_ ps: [Position], ring: Bool, isExterior: Bool) {
            var n = ps.count
            if ring, n > 1, ps[0] == ps[n - 1] { n -= 1 }
            if ring && n < 3 { return }
            if !ring && family == .line && n < 2 { return }
            for i in 0..<n {
                let p = ps[i]
                // Finite but absurd longitudes (a bad row in an older store) would overflow to
                // infinity once scaled to a deep zoom's tile units, and trap when rounded to Int32.
                guard p.x.isFinite, p.y.isFinite, abs(p.x) <= Self.longitudeLimit else { ok = false; return }
                let m = WebMercator.fromLonLat(p)
                xs.append(m.x); ys.append(m.y)
                bbox.extend(m)
            }
            partEnds.append(Int32(xs.count)); exterior.append(isExterior)
        }
        func polygon(_ rings: [[Position]]) {
            guard let outer = rings.first else { return }
            let before = partEnds.count
            add(outer, ring: true, isExterior: true)
            guard partEnds.count > before else { return }   // no exterior: its holes mean nothing
            for hole in rings.dropFirst() { add(hole, ring: true, isExterior: false) }
        }
        func visit(_ g: Geometry) {
            switch g {
            case .point(let p): add([p], ring: false, isExterior: false)
            case .multiPoint(let ps): for p in ps { add([p], ring: false, isExterior: false) }
            case .lineString(let l): add(l, ring: false, isExterior: false)
            case .multiLineString(let ls): for l in ls { add(l, ring: false, isExterior: false) }
            case .polygon(let rs): polygon(rs)
            case .multiPolygon(let ps): for p in ps { polygon(p) }
            case .geometryCollection(let gs):
                // A layer has one geometry family: keep the members of the collection's family.
                for m in gs where m.family == family { visit(m) }
            }
        }
        visit(g)
        guard ok, !partEnds.isEmpty else { return nil }
    }
}
