public import GeoStore
import Foundation

/// What a download says about itself: title, agency, version, date, licence, citation and
/// disclaimer. The same text goes into zips (README.txt, LICENSE.txt), GeoJSON foreign members
/// and the GeoPackage layer description, so a file passed on keeps its terms.
public struct Notice: Sendable, Hashable {
    public var slug: String
    public var title: String
    public var agency: String
    public var version: Int
    /// The version's publication day (or creation day for an unpublished one), `yyyy-MM-dd`.
    public var date: String
    public var licence: String
    public var licenceURL: String?
    public var attribution: String
    public var featureCount: Int
    public var featureChecksum: String

    public init(_ p: PublishedDataset) {
        slug = p.dataset.slug
        title = p.dataset.title
        agency = p.agency?.name ?? ""
        version = p.version.number
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        date = f.string(from: p.version.publishedAt ?? p.version.createdAt)
        licence = p.dataset.licence
        licenceURL = Licence.url(for: p.dataset.licence)
        attribution = p.dataset.attribution
        featureCount = p.version.featureCount
        featureChecksum = p.version.checksum
    }

    /// "Attribution. Title, version 2 (2026-11-23). Agency. Licence CC-BY-4.0."
    public var citation: String {
        var parts: [String] = []
        if !attribution.isEmpty { parts.append(attribution) }
        parts.append("\(title), version \(version) (\(date))")
        if !agency.isEmpty { parts.append(agency) }
        parts.append("Licence \(licence)")
        return parts.joined(separator: ". ") + "."
    }

    /// The "as is" disclaimer in English (the portal's own words), for the GeoPackage's description.
    public static var disclaimer: String { NoticeTexts.shared.text("disclaimer", .en) }

    /// Identifies what the notice says, so a cached file is rebuilt when the title, agency or
    /// licence change even though the version's features did not; `layout` when the files' own
    /// layout changed (a new release writes them afresh).
    var fingerprint: String {
        [Self.layout, slug, title, agency, String(version), date, licence, attribution, featureChecksum].joined(separator: "\u{1F}")
    }

    /// The files' layout revision: 2 = bilingual README/LICENSE, CSV `feature_id` and `.csvt`,
    /// GeoJSON named by slug, KML placemark names, reals with a decimal point.
    static let layout = "layout-2"

    /// README.txt of a zip: Vietnamese first, then English (`Resources/readme.mustache`).
    public func readme(files: [String], notes: [ZipNote]) -> String {
        NoticeTexts.shared.render("readme") { l, t in
            [
                "title": title, "versionOf": t.text("version_of", l, ["slug": slug, "version": String(version), "date": date]),
                "agency": agency.isEmpty ? t.text("agency_missing", l) : agency,
                "featureCount": String(featureCount), "checksum": featureChecksum,
                "licence": licence + (licenceURL.map { " (\($0))" } ?? ""),
                "citation": localizedCitation(l, t), "files": files,
                "hasNotes": !notes.isEmpty, "notes": notes.map { $0.text(l, t) },
            ]
        }
    }

    /// LICENSE.txt of a zip: Vietnamese first, then English (`Resources/licence.mustache`).
    public var licenceText: String {
        NoticeTexts.shared.render("licence") { l, t in
            [
                "published": t.text("licence_published", l, ["title": title, "slug": slug, "version": String(version),
                                                            "agency": agency.isEmpty ? t.text("licence_agency_unnamed", l) : agency,
                                                            "licence": licence]),
                "hasURL": licenceURL != nil, "fullText": t.text("licence_full_text", l, ["url": licenceURL ?? ""]),
                "citation": localizedCitation(l, t),
            ]
        }
    }

    /// The citation in `language`: "Attribution. Title, phiên bản 2 (2026-11-23). Agency. Giấy phép CC-BY-4.0."
    func localizedCitation(_ language: NoticeLanguage, _ t: NoticeTexts) -> String {
        var parts: [String] = []
        if !attribution.isEmpty { parts.append(attribution) }
        parts.append(t.text("citation_text", language, ["title": title, "version": String(version), "date": date]))
        if !agency.isEmpty { parts.append(agency) }
        parts.append(t.text("citation_licence", language, ["licence": licence]))
        return parts.joined(separator: ". ") + "."
    }
}

/// What README.txt must say about how the zip differs from the dataset.
public enum ZipNote: Sendable, Hashable {
    /// One shapefile per geometry family, these ones.
    case mixedGeometries([GeometryFamilyName])
    /// Field names cut to the DBF's 10 bytes: (name, shapefile name).
    case renamedFields([RenamedField])
    /// Features with a GeometryCollection left out.
    case skippedCollections(Int)

    func text(_ l: NoticeLanguage, _ t: NoticeTexts) -> String {
        switch self {
        case .mixedGeometries(let families):
            t.text("note_mixed", l, ["types": families.map { t.text("family_\($0.rawValue)", l) }.joined(separator: ", ")])
        case .renamedFields(let renamed):
            t.text("note_renamed", l, ["renames": renamed.map { "\($0.name) → \($0.shapefileName)" }.joined(separator: ", ")])
        case .skippedCollections(let n):
            t.text("note_skipped", l, ["count": String(n)])
        }
    }
}

public enum GeometryFamilyName: String, Sendable, Hashable { case point, line, polygon }

public struct RenamedField: Sendable, Hashable {
    public var name: String
    public var shapefileName: String
}

/// Licence identifiers (SPDX) the catalogue uses, and where their text is.
public enum Licence {
    public static func url(for licence: String) -> String? {
        switch licence.uppercased() {
        case "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/"
        case "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/"
        case "ODBL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/"
        case "ODC-BY-1.0": "https://opendatacommons.org/licenses/by/1-0/"
        default: nil
        }
    }
}
