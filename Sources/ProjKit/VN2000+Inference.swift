import Foundation

/// A reading of coordinates that have no `.prj`.
public struct VN2000Candidate: Sendable, CustomStringConvertible {
    /// nil for WGS 84 geographic (a candidate only for coordinates in degrees).
    public var crs: VN2000CRS?
    /// Provinces the points fall in when read this way, most points first.
    public var provinces: [String]
    /// Share of the points that fall where this reading needs them (0…1).
    public var fit: Double

    /// The flag that chooses this reading.
    public var flag: String {
        guard let crs else { return "--crs EPSG:4326" }
        if let code = crs.epsg { return "--crs EPSG:\(code)" }
        return "--crs '\(crs.projDefinition)'"
    }

    public var description: String {
        let name = crs?.description ?? "WGS 84 geographic (EPSG:4326)"
        let places = provinces.isEmpty ? "" : ", lands in \(provinces.prefix(3).joined(separator: ", "))"
        // Name the province the data lands in when it uses this zone, else any that does.
        let provinceFlag = crs?.tm3CentralMeridian.map { cm in
            let users = VN2000.provinces.filter { $0.centralMeridian == cm }
            let name = provinces.first { n in users.contains { $0.name == n } } ?? users.first?.name
            return name.map { " or --province \"\($0)\"" } ?? ""
        } ?? ""
        return "\(name)\(places): pass \(flag)\(provinceFlag)"
    }
}

extension VN2000 {
    /// The share of points a reading must put in the right place to count.
    static let requiredFit = 0.85
    /// How far outside an outline (degrees, ~3 km) a point still counts as in the province:
    /// the outlines are simplified, and lagoon and coastal communes have centres on the water.
    static let coastTolerance = 0.03

    /// Infers the CRS of coordinates that came without one, from where they land under each
    /// possible reading: degrees or metres; for metres, UTM 48N/49N (anywhere in Vietnam, on
    /// their side of 108°E) and each TM-3 meridian (only inside provinces that use it).
    ///
    /// Give it one representative point per feature (its centre), in the file's units.
    /// - Returns: the only reading that fits.
    /// - Throws: ``VN2000Error/ambiguousCoordinates(_:)`` with every reading that fits, or
    ///   ``VN2000Error/coordinatesFitNoZone(_:)`` when none does.
    public static func inferCRS(points: [(x: Double, y: Double)]) throws(VN2000Error) -> VN2000Candidate {
        let points = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else { throw .coordinatesFitNoZone("there are no coordinates to look at") }
        let xs = points.map(\.x), ys = points.map(\.y)
        let extent = "x \(Int(xs.min()!))…\(Int(xs.max()!)), y \(Int(ys.min()!))…\(Int(ys.max()!))"

        if xs.allSatisfy({ abs($0) <= 180 }) && ys.allSatisfy({ abs($0) <= 90 }) {
            let lands = provinceNames(of: points)
            guard lands.fit >= requiredFit else {
                throw .coordinatesFitNoZone("the coordinates look like degrees (\(extent)) but do not fall in Vietnam")
            }
            // VN-2000 and WGS 84 degrees differ by ~200 m: the numbers alone cannot tell them apart.
            throw .ambiguousCoordinates([
                VN2000Candidate(crs: nil, provinces: lands.names, fit: lands.fit),
                VN2000Candidate(crs: .geographic, provinces: lands.names, fit: lands.fit),
            ])
        }
        guard xs.allSatisfy({ (100_000...900_000).contains($0) }), ys.allSatisfy({ (800_000...2_800_000).contains($0) }) else {
            throw .coordinatesFitNoZone("the coordinates (\(extent)) are neither degrees nor VN-2000 / UTM metres in Vietnam "
                                        + "(easting 100 000–900 000 m, northing 800 000–2 800 000 m)")
        }
        var fitting: [VN2000Candidate] = []
        let readings = [VN2000CRS.utm(zone: 48), .utm(zone: 49)]
            + Set(provinces.compactMap(\.centralMeridian)).sorted().map(VN2000CRS.tm3(centralMeridian:))
        for crs in readings {
            guard let transform = try? crs.transformToWGS84() else { continue }
            let lonLats = points.compactMap { transform.forward(x: $0.x, y: $0.y) }
            let lands: (names: [String], fit: Double)
            if let zone = crs.utmZone {
                let side = zone == 48 ? 100.5...109.0 : 107.0...117.0
                let inVietnam = provinceNames(of: lonLats)
                let onSide = Double(lonLats.filter { side.contains($0.x) }.count) / Double(points.count)
                lands = (inVietnam.names, min(inVietnam.fit, onSide))
            } else {
                lands = provinceNames(of: lonLats, meridian: crs.tm3CentralMeridian)
            }
            if lands.fit >= requiredFit { fitting.append(VN2000Candidate(crs: crs, provinces: lands.names, fit: lands.fit)) }
        }
        if fitting.count == 1 { return fitting[0] }
        if fitting.isEmpty {
            throw .coordinatesFitNoZone("the coordinates (\(extent)) fall in no province under UTM 48N/49N or any provincial TM-3 zone")
        }
        throw .ambiguousCoordinates(fitting.sorted { $0.fit > $1.fit })
    }

    /// Provinces containing the points (most first) and the share of points inside one,
    /// counting only provinces with the given TM-3 meridian when one is given.
    static func provinceNames(of points: [(x: Double, y: Double)], meridian: Double? = nil) -> (names: [String], fit: Double) {
        var counts: [String: Int] = [:]
        var inside = 0
        for p in points {
            guard let outline = outlines.first(where: { $0.contains(p.x, p.y) }) ?? nearestOutline(p) else { continue }
            if let meridian, province(named: outline.name)?.centralMeridian != meridian { continue }
            counts[outline.name, default: 0] += 1
            inside += 1
        }
        let names = counts.sorted { $0.value > $1.value }.map(\.key)
        return (names, points.isEmpty ? 0 : Double(inside) / Double(points.count))
    }

    /// The province whose outline passes within ``coastTolerance`` of the point, if any.
    static func nearestOutline(_ p: (x: Double, y: Double)) -> Outline? {
        var best: (Outline, Double)? = nil
        for outline in outlines where p.x >= outline.minX - coastTolerance && p.x <= outline.maxX + coastTolerance
            && p.y >= outline.minY - coastTolerance && p.y <= outline.maxY + coastTolerance {
            let d = outline.distance(p.x, p.y)
            if d <= coastTolerance && d < (best?.1 ?? .infinity) { best = (outline, d) }
        }
        return best?.0
    }

    struct Outline: Sendable {
        var name: String
        var rings: [[(x: Double, y: Double)]]
        var minX: Double, minY: Double, maxX: Double, maxY: Double

        /// Distance in degrees from the point to the nearest edge.
        func distance(_ x: Double, _ y: Double) -> Double {
            var best = Double.infinity
            for ring in rings {
                var j = ring.count - 1
                for i in 0..<ring.count {
                    let a = ring[j], b = ring[i]
                    let dx = b.x - a.x, dy = b.y - a.y
                    let t = dx == 0 && dy == 0 ? 0 : max(0, min(1, ((x - a.x) * dx + (y - a.y) * dy) / (dx * dx + dy * dy)))
                    let px = a.x + t * dx - x, py = a.y + t * dy - y
                    best = min(best, (px * px + py * py).squareRoot())
                    j = i
                }
            }
            return best
        }

        func contains(_ x: Double, _ y: Double) -> Bool {
            guard x >= minX, x <= maxX, y >= minY, y <= maxY else { return false }
            return rings.contains { ring in
                var inside = false
                var j = ring.count - 1
                for i in 0..<ring.count {
                    let a = ring[i], b = ring[j]
                    if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
                    j = i
                }
                return inside
            }
        }
    }

    static let outlines: [Outline] = provinceOutlinesText.split(separator: "\n").map { line in
        let parts = line.split(separator: "|")
        let rings = parts.dropFirst().map { ring in
            ring.split(separator: " ").map { pair -> (x: Double, y: Double) in
                let xy = pair.split(separator: ",")
                return (Double(xy[0])! / 1000, Double(xy[1])! / 1000)
            }
        }
        let all = rings.flatMap { $0 }
        return Outline(name: String(parts[0]), rings: rings,
                       minX: all.map(\.x).min()!, minY: all.map(\.y).min()!,
                       maxX: all.map(\.x).max()!, maxY: all.map(\.y).max()!)
    }
}
