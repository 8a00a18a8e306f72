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

    public static let disclaimer = """
        The data are provided as published by the agency, without warranty of any kind. \
        They are not a legal boundary or title document; check with the agency before relying on them.
        """

    /// Identifies what the notice says, so a cached file is rebuilt when the title, agency or
    /// licence change even though the version's features did not.
    var fingerprint: String {
        [slug, title, agency, String(version), date, licence, attribution, featureChecksum].joined(separator: "\u{1F}")
    }

    /// README.txt of a zip.
    public func readme(files: [String], notes: [String]) -> String {
        var s = """
            \(title)
            Dataset: \(slug), version \(version), published \(date)
            Agency: \(agency.isEmpty ? "(not given)" : agency)
            Features: \(featureCount)
            Feature checksum (SHA-256 over the store's features): \(featureChecksum)
            Licence: \(licence)\(licenceURL.map { " (\($0))" } ?? "")
            Citation: \(citation)

            Files:

            """
        for f in files { s += "  \(f)\n" }
        if !notes.isEmpty {
            s += "\nNotes:\n"
            for n in notes { s += "  - \(n)\n" }
        }
        s += "\nCoordinates: WGS 84 (EPSG:4326), longitude/latitude. Text: UTF-8.\n\nDisclaimer: \(Self.disclaimer)\n"
        return s
    }

    /// LICENSE.txt of a zip.
    public var licenceText: String {
        """
        \(title) (\(slug), version \(version)) is published by \(agency.isEmpty ? "its agency" : agency) under the licence \(licence).
        \(licenceURL.map { "Full text: \($0)\n" } ?? "")
        When you use or share these data, cite them as:
          \(citation)

        """
    }
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
