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

    public var fileTypeURI: String { Self.fileTypeURI(fileType) }
    public var mediaTypeURI: String { Self.ianaMediaTypeURI(mediaType) }

    static func fileTypeURI(_ code: String) -> String { "http://publications.europa.eu/resource/authority/file-type/\(code)" }
    static func ianaMediaTypeURI(_ type: String) -> String { "http://www.iana.org/assignments/media-types/\(type)" }
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

/// The EU data themes (http://publications.europa.eu/resource/authority/data-theme), which
/// DCAT-AP asks every dataset's `dcat:theme` to come from. The portal's themes are free text in
/// Vietnamese; each is mapped by the words it holds (marks and case ignored) to the first theme
/// whose words it contains, else to Regions and cities: what a provincial map portal mostly holds.
public struct DataTheme: Sendable, Hashable {
    public var code: String
    public var labelVI: String
    public var labelEN: String
    /// Words (without marks, lower case) that put a portal theme under this one.
    var words: [String]

    public var uri: String { "\(Self.scheme)/\(code)" }
    /// The vocabulary itself (the catalogue's `dcat:themeTaxonomy`).
    public static let scheme = "http://publications.europa.eu/resource/authority/data-theme"

    public static let all: [DataTheme] = [
        .init(code: "TRAN", labelVI: "Giao thông vận tải", labelEN: "Transport", words: ["giao thong", "duong bo", "ben xe", "cang bien"]),
        .init(code: "AGRI", labelVI: "Nông nghiệp, thủy sản, lâm nghiệp và thực phẩm", labelEN: "Agriculture, fisheries, forestry and food",
              words: ["nong nghiep", "thuy san", "lam nghiep", "rung", "cay trong", "thuy loi"]),
        .init(code: "ENVI", labelVI: "Môi trường", labelEN: "Environment", words: ["moi truong", "tai nguyen", "khi hau", "thien tai", "ngap lut", "nuoc"]),
        .init(code: "ENER", labelVI: "Năng lượng", labelEN: "Energy", words: ["nang luong", "dien luc", "luoi dien"]),
        .init(code: "HEAL", labelVI: "Y tế", labelEN: "Health", words: ["y te", "benh vien", "tram y te"]),
        .init(code: "EDUC", labelVI: "Giáo dục, văn hóa và thể thao", labelEN: "Education, culture and sport",
              words: ["giao duc", "truong hoc", "van hoa", "the thao", "du lich", "di tich"]),
        .init(code: "SOCI", labelVI: "Dân số và xã hội", labelEN: "Population and society", words: ["dan so", "dan cu", "xa hoi"]),
        .init(code: "ECON", labelVI: "Kinh tế và tài chính", labelEN: "Economy and finance", words: ["kinh te", "tai chinh", "doanh nghiep", "khu cong nghiep"]),
        .init(code: "JUST", labelVI: "Tư pháp, hệ thống pháp luật và an toàn công cộng", labelEN: "Justice, legal system and public safety",
              words: ["tu phap", "an ninh", "phong chay", "cuu hoa"]),
        .init(code: "GOVE", labelVI: "Chính phủ và khu vực công", labelEN: "Government and public sector", words: ["co quan", "cong so", "hanh chinh cong"]),
        .init(code: "TECH", labelVI: "Khoa học và công nghệ", labelEN: "Science and technology", words: ["khoa hoc", "cong nghe", "vien thong"]),
        .init(code: "REGI", labelVI: "Vùng và đô thị", labelEN: "Regions and cities",
              words: ["ranh gioi", "hanh chinh", "dia gioi", "quy hoach", "do thi", "dat dai", "dia chinh", "ban do"]),
    ]

    static let regions = all.first { $0.code == "REGI" }!

    /// The EU theme of a portal theme (or of none: Regions and cities).
    public static func matching(_ portalTheme: String) -> DataTheme {
        let folded = portalTheme.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        let padded = " " + folded.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ") + " "
        return all.first { t in t.words.contains { padded.contains(" \($0) ") } } ?? regions
    }
}
