// `bando metadata DATASET [--title-en …] [--keyword …] [--field-description name=text …]`: sets
// the catalogue metadata that harvesters read (DCAT, CKAN), beyond what ingest and the
// portal's open-data list already record; `--show` prints the dataset as /api/catalog/{dataset} does.
import PublicErrors
import ArgumentParser
import Foundation
import GeoStore
import Catalogue

struct MetadataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metadata", abstract: "Set a dataset's catalogue metadata (English title, keywords, contact, coverage, field descriptions).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "The dataset (its slug).") var dataset: String
    @Option(help: "English title.") var titleEn: String?
    @Option(help: "English description.") var descriptionEn: String?
    @Option(name: .customLong("keyword"), help: "A keyword (repeat the option; replaces the keywords).") var keywords: [String] = []
    @Option(help: "Contact point: a unit or person.") var contactName: String?
    @Option(help: "Contact point's e-mail address.") var contactEmail: String?
    @Option(help: "Start of the period the data covers (YYYY-MM-DD).") var temporalStart: String?
    @Option(help: "End of the period the data covers (YYYY-MM-DD).") var temporalEnd: String?
    @Option(help: "The place the data covers, e.g. 'Thừa Thiên Huế'.") var spatial: String?
    @Option(help: "The field that identifies a feature across versions (for change summaries).") var identityField: String?
    @Option(name: .customLong("field-description"), help: "NAME=TEXT: describe a field of the schema (repeatable).")
    var fieldDescriptions: [String] = []
    @Option(help: "Base URL for the printed document.") var baseUrl = "http://127.0.0.1:8080"
    @Flag(help: "Print the dataset's catalogue entry (JSON) afterwards.") var show = false

    func run() throws {
        var notes = [String: String]()
        for item in fieldDescriptions {
            guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--field-description takes NAME=TEXT, not '\(item)'") }
            notes[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        let reader = CatalogueReader(store: try options.servingStore())
        let patch = MetadataPatch(titleEN: titleEn, descriptionEN: descriptionEn, keywords: keywords.isEmpty ? nil : keywords,
                                  contactName: contactName, contactEmail: contactEmail, temporalStart: temporalStart,
                                  temporalEnd: temporalEnd, spatialLabel: spatial, identityField: identityField,
                                  fieldDescriptions: notes.isEmpty ? nil : notes)
        do { try reader.updateMetadata(dataset, patch) } catch let e as CatalogueError { throw ValidationError("\(e.message)") }
        if show {
            let doc = try CatalogJSON.dataset(reader.dataset(dataset), baseURL: baseUrl)
            let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
