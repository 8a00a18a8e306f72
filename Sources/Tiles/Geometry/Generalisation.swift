import GeoModel

/// What a layer looks like at one zoom: how much to simplify, what is too small to draw, which
/// attributes go into its tiles. Resolved from a tileset's zoom bands (`ZoomBand`).
public struct ZoomSettings: Sendable, Hashable {
    /// Douglas–Peucker tolerance in tile units (of 4096) at this zoom.
    public var tolerance: Double
    /// Polygons (and their holes) and lines whose box is narrower and lower than this, in tile
    /// units, are left out at this zoom.
    public var minSize: Double
    /// The attributes carried, as indices into the layer's `fieldNames`; nil means all.
    public var fieldIndices: [Int]?
    /// Whether polygons sharing the attributes kept here (those not unique to each feature)
    /// are merged into one (see `ArcTopology.coalesced`): only where the layer is prepared
    /// on disk (`LayerPack`).
    public var coalesce: Bool
    public init(tolerance: Double = 1, minSize: Double = 0, fieldIndices: [Int]? = nil, coalesce: Bool = false) {
        self.tolerance = tolerance; self.minSize = minSize; self.fieldIndices = fieldIndices; self.coalesce = coalesce
    }
}

/// A prepared layer generalised once per dataset version for each zoom it is drawn at, so a
/// tile request clips geometry already simplified for its zoom instead of the full detail.
///
/// - Polygons are simplified arc by arc: a stretch of boundary shared by two neighbours is
///   one arc, simplified once, so neighbours still meet exactly after simplification (the
///   junction detection of TopoJSON: a position is a junction where its neighbours differ
///   between the rings passing through it).
/// - Parts narrower than the zoom's minimum size are dropped, and so are features left with none.
/// - Points are thinned at low zooms: in Morton order, one point in 2ⁿ is kept, with n chosen
///   per zoom so the densest tile holds about `pointsPerTile` points (like tippecanoe's drop
///   rate, but driven by the data's density, so a sparse layer keeps every point).
/// - Each feature gets a label position, a pole of inaccessibility of its largest polygon.
public final class GeneralisedLayer: Sendable {
    public let minZoom: Int
    public let maxZoom: Int
    public let settings: [ZoomSettings]
    /// `geometries[z - minZoom][i]`: feature `i` at zoom `z`, nil when it is not drawn there.
    let geometries: [[PreparedGeometry?]]
    /// Lowest zoom at which each point feature is drawn (empty for other layers).
    let pointMinZoom: [UInt8]
    /// Label position of each feature in Web Mercator metres (nil: none, e.g. points).
    let labels: [(x: Double, y: Double)?]

    /// Zooms above this are drawn from the full detail (simplified per tile): a copy per
    /// zoom would cost memory for tiles few people ask for.
    public static let highestPreparedZoom = 14
    /// Densest tile's point count aimed at when thinning points.
    public static let pointsPerTile = 2048
    /// Circumference of the Web Mercator world in metres.
    static let worldSize = 2 * 20037508.342789244

    public init(layer: PreparedLayer, minZoom: Int, maxZoom: Int, settings: (Int) -> ZoomSettings, labels: Bool = true) {
        self.minZoom = minZoom; self.maxZoom = max(minZoom, maxZoom)
        let zooms = Array(minZoom...self.maxZoom)
        self.settings = zooms.map(settings)
        let features = layer.features
        guard let family = features.first?.geometry.family else {
            geometries = zooms.map { _ in [] }; pointMinZoom = []; self.labels = []; return
        }
        switch family {
        case .polygon:
            let topology = ArcTopology(features.map(\.geometry))
            geometries = zip(zooms, self.settings).map { z, s in
                let unit = Self.worldSize / Double(1 << z) / 4096
                return topology.simplified(tolerance: s.tolerance * unit, minSize: s.minSize * unit)
            }
            pointMinZoom = []
            self.labels = labels ? features.map { LabelPoint.poleOfInaccessibility($0.geometry) } : features.map { _ in nil }
        case .line:
            geometries = zip(zooms, self.settings).map { z, s in
                let unit = Self.worldSize / Double(1 << z) / 4096
                return features.map { Self.simplifiedLine($0.geometry, tolerance: s.tolerance * unit, minSize: s.minSize * unit) }
            }
            pointMinZoom = []
            self.labels = features.map { _ in nil }
        case .point:
            geometries = zooms.map { _ in features.map(\.geometry) }
            pointMinZoom = Self.thinning(features.map(\.geometry.bbox), minZoom: minZoom, maxZoom: self.maxZoom)
            self.labels = features.map { _ in nil }
        }
    }

    /// Feature `i` as drawn at zoom `z` (nil: not drawn there); zooms past the prepared range
    /// get the full detail.
    func geometry(_ i: Int, layer: PreparedLayer, zoom z: Int) -> PreparedGeometry? {
        guard z >= minZoom else { return nil }
        if !pointMinZoom.isEmpty && Int(pointMinZoom[i]) > z { return nil }
        guard z <= maxZoom else { return layer.features[i].geometry }
        return geometries[z - minZoom][i]
    }

    func settings(zoom z: Int) -> ZoomSettings? {
        z >= minZoom && z <= maxZoom ? settings[z - minZoom] : nil
    }

    static func simplifiedLine(_ g: PreparedGeometry, tolerance: Double, minSize: Double) -> PreparedGeometry? {
        var out = g
        out.xs = []; out.ys = []; out.partEnds = []; out.exterior = []; out.bbox = .empty
        var start = 0
        for end32 in g.partEnds {
            let end = Int(end32)
            defer { start = end }
            var b = BoundingBox.empty
            for i in start..<end { b.extend(Position(g.xs[i], g.ys[i])) }
            guard max(b.width, b.height) >= minSize else { continue }
            let keep = ArcTopology.douglasPeucker(count: end - start, tolerance: tolerance) { (g.xs[start + $0], g.ys[start + $0]) }
            for k in keep { out.xs.append(g.xs[start + k]); out.ys.append(g.ys[start + k]) }
            out.partEnds.append(Int32(out.xs.count)); out.exterior.append(false)
            out.bbox.extend(b)
        }
        return out.partEnds.isEmpty ? nil : out
    }

    /// Lowest zoom of each point: features ordered along a Morton curve, feature k kept at
    /// zoom z when k is a multiple of that zoom's interval (a power of two, so what a zoom
    /// keeps every higher zoom keeps too).
    static func thinning(_ boxes: [BoundingBox], minZoom: Int, maxZoom: Int) -> [UInt8] {
        let n = boxes.count
        var result = [UInt8](repeating: UInt8(minZoom), count: n)
        guard n > pointsPerTile else { return result }
        let half = worldSize / 2
        func cell(_ b: BoundingBox, _ z: Int) -> (Int, Int) {
            let size = worldSize / Double(1 << z)
            let x = (b.minX + half) / size, y = (half - b.maxY) / size
            return (min(max(Int(x), 0), (1 << z) - 1), min(max(Int(y), 0), (1 << z) - 1))
        }
        var order = Array(0..<n)
        let codes = boxes.map { g -> UInt64 in
            let (x, y) = cell(g, 16)
            return morton(UInt32(x), UInt32(y))
        }
        order.sort { codes[$0] != codes[$1] ? codes[$0] < codes[$1] : $0 < $1 }
        var interval = [Int](repeating: 1, count: maxZoom + 1)
        for z in minZoom...maxZoom {
            var counts: [Int: Int] = [:]
            var densest = 0
            for g in boxes {
                let (x, y) = cell(g, z)
                let c = (counts[x << 32 | y] ?? 0) + 1
                counts[x << 32 | y] = c
                densest = max(densest, c)
            }
            var step = 1
            while densest / step > pointsPerTile { step *= 2 }
            interval[z] = step
        }
        // The top zoom shows every point (tippecanoe's base zoom), and no zoom keeps fewer
        // than the one below it.
        interval[maxZoom] = 1
        for z in stride(from: maxZoom - 1, through: minZoom, by: -1) { interval[z] = max(interval[z], interval[z + 1]) }
        for (k, i) in order.enumerated() {
            var z = minZoom
            while z < maxZoom && k % interval[z] != 0 { z += 1 }
            result[i] = UInt8(z)
        }
        return result
    }

    static func morton(_ x: UInt32, _ y: UInt32) -> UInt64 {
        func spread(_ v: UInt32) -> UInt64 {
            var v = UInt64(v) & 0xFFFF_FFFF
            v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF
            v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF
            v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F
            v = (v | (v << 2)) & 0x3333_3333_3333_3333
            v = (v | (v << 1)) & 0x5555_5555_5555_5555
            return v
        }
        return spread(x) | spread(y) << 1
    }

    /// The tile of zoom `z` that holds a label position: one tile exactly, whatever the
    /// rounding of tile bounds (the position is never counted in two neighbours).
    static func tileOf(_ p: (x: Double, y: Double), zoom z: Int) -> (x: Int, y: Int) {
        let half = worldSize / 2, n = 1 << z
        let x = Int(((p.x + half) / worldSize * Double(n)).rounded(.down))
        let y = Int(((half - p.y) / worldSize * Double(n)).rounded(.down))
        return (min(max(x, 0), n - 1), min(max(y, 0), n - 1))
    }
}

/// The rings of a polygon layer cut into arcs at junctions, each arc stored once in one
/// direction: simplifying arcs rather than rings keeps shared boundaries shared.
struct ArcTopology {
    /// Positions by vertex id.
    var vx: [Double] = [], vy: [Double] = []
    /// Every arc's vertex ids, both ends included, in `arcVertices[arcStarts[a]..<arcStarts[a + 1]]`.
    var arcVertices: [Int32] = []
    var arcStarts: [Int] = [0]
    /// Per feature, per ring: its arcs (index, reversed) and whether it is an exterior.
    struct Ring { var arcs: [(arc: Int32, reversed: Bool)]; var exterior: Bool }
    var features: [[Ring]] = []
    private var families: [GeometryFamily] = []

    private struct VertexKey: Hashable { var x: UInt64, y: UInt64 }
    private struct ArcKey: Hashable { var a: Int32, b: Int32 }

    init(_ geometries: [PreparedGeometry]) {
        // Vertex ids, and the ids of every ring.
        var ids: [VertexKey: Int32] = [:]
        var ringIds: [[[Int32]]] = []
        ringIds.reserveCapacity(geometries.count)
        for g in geometries {
            var rings: [[Int32]] = []
            var start = 0
            for end32 in g.partEnds {
                let end = Int(end32)
                var r: [Int32] = []
                r.reserveCapacity(end - start)
                for i in start..<end {
                    let key = VertexKey(x: g.xs[i].bitPattern, y: g.ys[i].bitPattern)
                    if let id = ids[key] { r.append(id) } else {
                        let id = Int32(vx.count)
                        ids[key] = id; vx.append(g.xs[i]); vy.append(g.ys[i]); r.append(id)
                    }
                }
                rings.append(r)
                start = end
            }
            ringIds.append(rings)
        }
        ids = [:]
        // Junctions: a vertex whose neighbours differ between two of its passages.
        let count = vx.count
        var nbA = [Int32](repeating: -1, count: count), nbB = [Int32](repeating: -1, count: count)
        var junction = [Bool](repeating: false, count: count)
        for rings in ringIds {
            for r in rings {
                let n = r.count
                for k in 0..<n {
                    let v = Int(r[k]), p = r[(k + n - 1) % n], q = r[(k + 1) % n]
                    let lo = min(p, q), hi = max(p, q)
                    if nbA[v] < 0 { nbA[v] = lo; nbB[v] = hi } else if nbA[v] != lo || nbB[v] != hi { junction[v] = true }
                }
            }
        }
        nbA = []; nbB = []
        // Arcs.
        var arcIndex: [ArcKey: Int32] = [:]
        func less(_ u: Int32, _ v: Int32) -> Bool {
            let (ux, uy, wx, wy) = (vx[Int(u)], vy[Int(u)], vx[Int(v)], vy[Int(v)])
            return ux != wx ? ux < wx : uy < wy
        }
        func before(_ p: ArcKey, _ q: ArcKey) -> Bool {
            if p.a != q.a { return less(p.a, q.a) }
            return p.b != q.b && less(p.b, q.b)
        }
        func arc(_ seq: ArraySlice<Int32>) -> (Int32, Bool) {
            let f = ArcKey(a: seq[seq.startIndex], b: seq[seq.startIndex + 1])
            let b = ArcKey(a: seq[seq.endIndex - 1], b: seq[seq.endIndex - 2])
            // The direction is chosen by position, not by vertex id, so that an arc gets the
            // same direction (and the same simplification) in every topology built over part
            // of a layer (`LayerPackBuilder` builds one per region, with its neighbours).
            let reversed = before(b, f)
            let key = reversed ? b : f
            if let a = arcIndex[key] { return (a, reversed) }
            let a = Int32(arcStarts.count - 1)
            arcIndex[key] = a
            if reversed { arcVertices.append(contentsOf: seq.reversed()) } else { arcVertices.append(contentsOf: seq) }
            arcStarts.append(arcVertices.count)
            return (a, reversed)
        }
        for (f, rings) in ringIds.enumerated() {
            let g = geometries[f]
            families.append(g.family)
            var out: [Ring] = []
            for (k, r) in rings.enumerated() {
                let exterior = g.exterior[k]
                let n = r.count
                guard n >= 3 else { out.append(Ring(arcs: [], exterior: exterior)); continue }
                var cut = (0..<n).filter { junction[Int(r[$0])] }
                if cut.isEmpty {
                    // A ring no other ring touches, or one shared whole (an enclave and the
                    // hole around it): start both at the same vertex so they make one arc.
                    cut = [r.indices.min { less(r[$0], r[$1]) }!]
                }
                var arcs: [(arc: Int32, reversed: Bool)] = []
                for (j, s) in cut.enumerated() {
                    let e = j + 1 < cut.count ? cut[j + 1] : cut[0] + n
                    var seq: [Int32] = []
                    seq.reserveCapacity(e - s + 1)
                    for i in s...e { seq.append(r[i % n]) }
                    arcs.append(arc(seq[...]))
                }
                out.append(Ring(arcs: arcs, exterior: exterior))
            }
            features.append(out)
        }
    }

    /// Every feature simplified with `tolerance` (metres), parts under `minSize` (metres) left
    /// out; nil for a feature with nothing left. `first`: only that many features; `kept`:
    /// `keptVertices(tolerance:)` when the caller has it already.
    func simplified(tolerance: Double, minSize: Double, first limit: Int? = nil, kept known: [[Int32]]? = nil) -> [PreparedGeometry?] {
        let kept = known ?? keptVertices(tolerance: tolerance)
        // Rings are drawn into these, kept from feature to feature; each feature's positions
        // are then copied into arrays of their exact size (a zoom's results are kept until
        // they are written: growing arrays left a third of them unused).
        var xs: [Double] = [], ys: [Double] = [], partEnds: [Int32] = [], exterior: [Bool] = []
        return features.prefix(limit ?? features.count).enumerated().map { f, rings in
            xs.removeAll(keepingCapacity: true); ys.removeAll(keepingCapacity: true)
            partEnds.removeAll(keepingCapacity: true); exterior.removeAll(keepingCapacity: true)
            var g = PreparedGeometry(family: families[f])
            var exteriorKept = false
            for ring in rings {
                if !ring.exterior && !exteriorKept { continue }
                let start = xs.count
                var b = BoundingBox.empty
                for (arc, reversed) in ring.arcs {
                    let ids = kept[Int(arc)]
                    // Each arc ends where the next begins: skip its last position.
                    for j in 0..<(ids.count - 1) {
                        let v = Int(reversed ? ids[ids.count - 1 - j] : ids[j])
                        xs.append(vx[v]); ys.append(vy[v]); b.extend(Position(vx[v], vy[v]))
                    }
                }
                let drawn = xs.count - start >= 3 && max(b.width, b.height) >= minSize
                if ring.exterior { exteriorKept = drawn }
                guard drawn else {
                    xs.removeSubrange(start...); ys.removeSubrange(start...)
                    continue
                }
                partEnds.append(Int32(xs.count)); exterior.append(ring.exterior)
                g.bbox.extend(b)
            }
            guard !partEnds.isEmpty else { return nil }
            g.xs = Self.exactCopy(xs); g.ys = Self.exactCopy(ys)
            g.partEnds = Self.exactCopy(partEnds); g.exterior = Self.exactCopy(exterior)
            return g
        }
    }

    /// A copy of `values` in storage of its own size.
    static func exactCopy<T>(_ values: [T]) -> [T] {
        values.withUnsafeBufferPointer { source in
            [T](unsafeUninitializedCapacity: source.count) { target, count in
                _ = target.initialize(fromContentsOf: source)
                count = source.count
            }
        }
    }

    /// Each arc simplified once: the vertex ids it keeps, in its direction.
    func keptVertices(tolerance: Double) -> [[Int32]] {
        var kept: [[Int32]] = []
        kept.reserveCapacity(arcStarts.count - 1)
        for a in 0..<(arcStarts.count - 1) {
            let s = arcStarts[a], n = arcStarts[a + 1] - s
            let keep = Self.douglasPeucker(count: n, tolerance: tolerance) { i in
                let v = Int(arcVertices[s + i]); return (vx[v], vy[v])
            }
            kept.append(keep.map { arcVertices[s + $0] })
        }
        return kept
    }

    /// Douglas–Peucker over `count` positions given by `at`, both ends kept; the indices kept,
    /// in order. An arc whose ends coincide (a closed ring) is measured from that end until
    /// its farthest position is found, then from the chords as usual.
    static func douglasPeucker(count n: Int, tolerance: Double, _ at: (Int) -> (Double, Double)) -> [Int] {
        guard n > 2, tolerance > 0 else { return Array(0..<n) }
        var keep = [Bool](repeating: false, count: n)
        keep[0] = true; keep[n - 1] = true
        let t2 = tolerance * tolerance
        var stack: [(Int, Int)] = [(0, n - 1)]
        while let (a, b) = stack.popLast() {
            guard b - a > 1 else { continue }
            let (ax, ay) = at(a), (bx, by) = at(b)
            let dx = bx - ax, dy = by - ay
            let len2 = dx * dx + dy * dy
            var far = -1, best = t2
            for i in (a + 1)..<b {
                let (x, y) = at(i)
                let d: Double
                if len2 == 0 {
                    d = (x - ax) * (x - ax) + (y - ay) * (y - ay)
                } else {
                    let c = (x - ax) * dy - (y - ay) * dx
                    d = c * c / len2
                }
                if d > best { best = d; far = i }
            }
            if far >= 0 { keep[far] = true; stack.append((a, far)); stack.append((far, b)) }
        }
        return (0..<n).filter { keep[$0] }
    }
}

extension PreparedGeometry {
    /// An empty geometry of a family, to be filled part by part.
    init(family: GeometryFamily) {
        self.family = family; xs = []; ys = []; partEnds = []; exterior = []; bbox = .empty
    }
}
