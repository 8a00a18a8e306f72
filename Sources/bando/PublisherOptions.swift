import ArgumentParser
import Catalogue
import GeoStore

/// Who the catalogue names as its publisher (DCAT-AP's `dct:publisher` of the catalogue, and of
/// datasets without an agency): the province's Department that runs the portal.
struct PublisherOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The agency (its slug in `bando agencies`) that publishes the catalogue, e.g. the Department that runs the portal.",
                               discussion: "Its registered name is used, and the catalogue and its datasets then name the same organisation."))
    var publisherAgency: String?
    @Option(help: "The publisher's name in Vietnamese, when it is not a registered agency (default: \(CataloguePublisher.default.name)).")
    var publisherName: String?
    @Option(help: "The publisher's name in English.") var publisherNameEn: String?
    @Option(help: "The publisher's web site.") var publisherUrl: String?
    @Option(help: "The publisher's contact e-mail address.") var publisherEmail: String?

    func validate() throws {
        if let e = publisherEmail, !(e.contains("@") && !e.contains(" ")) {
            throw ValidationError("--publisher-email '\(e)' is not an e-mail address")
        }
        if let u = publisherUrl, !(u.hasPrefix("https://") || u.hasPrefix("http://")) {
            throw ValidationError("--publisher-url must start with https:// or http://")
        }
    }

    /// A `--publisher-agency` that names no registered agency is a typo: refused before serving.
    func checkAgency(store: any DatasetStore) throws {
        guard let slug = publisherAgency else { return }
        let agencies = try store.agencies().map(\.slug).sorted()
        guard agencies.contains(slug) else {
            throw ValidationError("--publisher-agency '\(slug)' is not a registered agency; registered: \(agencies.isEmpty ? "none (bando agencies add)" : agencies.joined(separator: ", "))")
        }
    }

    var publisher: CataloguePublisher {
        let named = publisherName != nil || publisherAgency != nil
        let fallback = CataloguePublisher.default
        return CataloguePublisher(name: publisherName ?? fallback.name,
                                  nameEN: publisherNameEn ?? (named ? nil : fallback.nameEN),
                                  agencySlug: publisherAgency, homepage: publisherUrl, email: publisherEmail)
    }
}
