// Coordinates an ingest refuses. A position that is not a finite number, or that lands outside
// longitude/latitude after reprojection to WGS 84, is not a small defect to skip: it means the
// file is broken or its CRS is wrong, and stored it would poison every bounding box, tile and
// catalogue document computed from the dataset. The whole ingest fails, naming the feature.
import GDALKit
import GeoModel

enum CoordinateCheck {
    /// How far past ±180°/±90° a reprojected position may land (rounding at the edges of the world).
    static let tolerance = 1e-6

    /// The first position holding NaN or an infinity, nil when every one is a number.
    static func firstNonFinite(_ g: Geometry) -> Position? {
        var found: Position?
        g.forEachPosition { p in if found == nil, !(p.x.isFinite && p.y.isFinite) { found = p } }
        return found
    }

    /// The first position outside longitude −180…180 or latitude −90…90 (or not finite), with
    /// its index in the geometry's order of positions.
    static func firstOutsideLonLat(_ g: Geometry) -> (index: Int, position: Position)? {
        let lon = 180 + tolerance, lat = 90 + tolerance
        var found: (Int, Position)?
        var k = 0
        g.forEachPosition { p in
            if found == nil, !(p.x >= -lon && p.x <= lon && p.y >= -lat && p.y <= lat) { found = (k, p) }
            k += 1
        }
        return found
    }

    /// The position at `index` in the geometry's order of positions (reprojection keeps it).
    static func position(at index: Int, in g: Geometry) -> Position? {
        var found: Position?
        var k = 0
        g.forEachPosition { p in if k == index { found = p }; k += 1 }
        return found
    }

    /// "feature 12 (id 3057)": its number in the file, counting from 1, and its id when it has one.
    static func name(ordinal: Int, id: String?) -> String {
        guard let id, !id.isEmpty else { return "feature \(ordinal)" }
        return "feature \(ordinal) (id \(id.count > 60 ? String(id.prefix(60)) + "…" : id))"
    }

    /// The feature as the public message names it: "12" or "12 (id 3057)".
    static func shown(ordinal: Int, id: String?) -> String {
        guard let id, !id.isEmpty else { return String(ordinal) }
        return "\(ordinal) (id \(id.count > 60 ? String(id.prefix(60)) + "…" : id))"
    }

    static func show(_ p: Position) -> String { "(\(number(p.x)), \(number(p.y)))" }

    private static func number(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "infinity" : "-infinity" }
        return "\(d)"
    }

    static func nonFinite(_ feature: String, _ p: Position) -> String {
        "\(feature) has a coordinate that is not a number \(show(p)): every coordinate must be a finite number. "
            + "Correct or remove this feature's geometry and upload the file again; nothing was published."
    }

    static func outsideLonLat(_ feature: String, _ source: Position, _ lonLat: Position, crs: String) -> String {
        "\(feature) lies outside the world after reprojection from \(crs) to WGS 84: \(show(source)) becomes "
            + "longitude/latitude \(show(lonLat)) (longitude must be within -180…180, latitude within -90…90). "
            + "Check that the coordinate system declared for the file (.prj, crs member, or the one chosen) "
            + "is the one its coordinates are in, or correct this feature, and upload again; nothing was published."
    }

    static func notReprojectable(_ feature: String, _ source: Position?, crs: String) -> String {
        "\(feature) cannot be reprojected from \(crs) to WGS 84" + (source.map { " at \(show($0))" } ?? "")
            + ": the position lies outside the area that coordinate system covers. Check that the coordinate "
            + "system declared for the file (.prj, crs member, or the one chosen) is the one its coordinates "
            + "are in, or correct this feature, and upload again; nothing was published."
    }
}
