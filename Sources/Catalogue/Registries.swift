// The fixed vocabularies of the catalogue, each in one table: download formats, licences,
// update frequencies. Adding a format or licence is one line here.
import Foundation

/// A file format a dataset is offered in at `/downloads/{dataset}/latest.{ext}` and
/// `/downloads/{dataset}/v{n}.{ext}` (served by the downloads routes).
public struct DistributionFormat: Sendable, Hashable {
    /// The URL extension.
    public var ext: String
    /// CKAN's `format` and the human name.
    public var name: String
    /// IANA media type.
    public var mediaType: String
    /// The EU file-type authority code (DCAT-AP's `dct:format`).
    public var fileType: String

    public static let all: [DistributionFormat] = [
        .init(ext: "geojson", name: "GeoJSON", mediaType: "application/geo+json", fileType: "GEOJSON"),
        .init(ext: "csv", name: "CSV", mediaType: "text/csv", fileType: "CSV"),
        .init(ext: "shp.zip", name: "SHP", mediaType: "application/zip", fileType: "SHP"),
        .init(ext: "gpkg", name: "GPKG", mediaType: "application/geopackage+sqlite3", fileType: "GPKG"),
        .init(ext: "kml", name: "KML", mediaType: "application/vnd.google-earth.kml+xml", fileType: "KML"),
    ]

    public var fileTypeURI: String { "http://publications.europa.eu/resource/authority/file-type/\(fileType)" }
    public var mediaTypeURI: String { "http://www.iana.org/assignments/media-types/\(mediaType)" }
}

/// A licence the store may name (`datasets.licence`, an SPDX id): its title, URL and CKAN id.
public struct Licence: Sendable, Hashable {
    public var spdx: String
    public var ckanID: String
    public var title: String
    public var url: String?
    public var isOpen: Bool

    public static let all: [Licence] = [
        .init(spdx: "CC-BY-4.0", ckanID: "cc-by", title: "Creative Commons Attribution 4.0",
              url: "https://creativecommons.org/licenses/by/4.0/", isOpen: true),
        .init(spdx: "CC0-1.0", ckanID: "cc-zero", title: "Creative Commons CCZero",
              url: "https://creativecommons.org/publicdomain/zero/1.0/", isOpen: true),
        .init(spdx: "ODbL-1.0", ckanID: "odc-odbl", title: "Open Data Commons Open Database License (ODbL)",
              url: "https://opendatacommons.org/licenses/odbl/1-0/", isOpen: true),
        .init(spdx: "CC-BY-SA-4.0", ckanID: "cc-by-sa", title: "Creative Commons Attribution Share-Alike 4.0",
              url: "https://creativecommons.org/licenses/by-sa/4.0/", isOpen: true),
    ]

    /// The licence named `id` (SPDX, case-insensitive); an unknown name is kept as its own title.
    public static func named(_ id: String) -> Licence {
        all.first { $0.spdx.caseInsensitiveCompare(id) == .orderedSame }
            ?? Licence(spdx: id, ckanID: id.lowercased(), title: id, url: nil, isOpen: false)
    }
}

/// Update frequencies as the portal stores them (`catalogue_entries.update_frequency`), mapped to
/// the EU frequency authority that DCAT-AP uses.
enum Frequency {
    static func uri(_ value: String) -> String? {
        let code: String? = switch value {
        case "quarterly": "QUARTERLY"
        case "half-yearly": "ANNUAL_2"
        case "annual": "ANNUAL"
        case "on-change": "IRREG"
        default: nil
        }
        return code.map { "http://publications.europa.eu/resource/authority/frequency/\($0)" }
    }
}
