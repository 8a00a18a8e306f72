// Downloads: every public version of a dataset as a file in the formats people ask for
// (GeoJSON, CSV, shapefile, GeoPackage, KML), produced without holding it in memory, cached
// on disk per version with its SHA-256, and the licence and citation that go with it.
// It must not know about HTTP: App maps its files and errors to responses.
import Foundation

/// The formats a version can be downloaded in: one table, so a newcomer sees them all here.
public enum DownloadFormat: String, Sendable, CaseIterable, Codable {
    case geojson, csv, shapefile, geopackage, kml

    /// The file extension used in URLs and file names (`v3.shp.zip`).
    public var fileExtension: String {
        switch self {
        case .geojson: "geojson"
        case .csv: "csv"
        case .shapefile: "shp.zip"
        case .geopackage: "gpkg"
        case .kml: "kml"
        }
    }

    public var mediaType: String {
        switch self {
        case .geojson: "application/geo+json"
        case .csv: "text/csv; charset=utf-8"
        case .shapefile: "application/zip"
        case .geopackage: "application/geopackage+sqlite3"
        case .kml: "application/vnd.google-earth.kml+xml"
        }
    }

    /// Text formats are worth compressing on the wire; zips and GeoPackages are not.
    public var isText: Bool {
        switch self {
        case .geojson, .csv, .kml: true
        case .shapefile, .geopackage: false
        }
    }

    /// The format whose extension ends `file` (`v3.shp.zip` → shapefile), longest first.
    public static func matching(suffixOf file: String) -> DownloadFormat? {
        allCases.sorted { $0.fileExtension.count > $1.fileExtension.count }
            .first { file.hasSuffix("." + $0.fileExtension) }
    }

    /// Every extension, for error messages: ".geojson, .csv, .shp.zip, .gpkg, .kml".
    public static var extensionList: String { allCases.map { "." + $0.fileExtension }.joined(separator: ", ") }

    /// The format named `s` on the command line: its name or its extension.
    public init?(name s: String) {
        let l = s.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if let f = DownloadFormat(rawValue: l) { self = f; return }
        switch l {
        case "json": self = .geojson
        case "shp", "shp.zip", "zip": self = .shapefile
        case "gpkg": self = .geopackage
        default: return nil
        }
    }
}
