// Reads the catalogue's datasets through the store's interface (the published datasets, their
// catalogue entries and metadata, each one's versions) and writes its metadata.
public import GeoStore
import GeoModel
public import Foundation
import PublicErrors

public struct CatalogueReader: Sendable {
    /// SQLite's `Store` or PostGIS's: the reader goes through the store's interface only.
    public let store: any CatalogueSource
    public init(store: any CatalogueSource) { self.store = store }

    /// Every dataset with a published version, ordered by slug.
    public func datasets() throws -> [DatasetDescription] {
        try describe(slug: nil)
    }

    /// The published dataset `slug`, or a not-found error naming it.
    public func dataset(_ slug: String) throws -> DatasetDescription {
        guard let d = try describe(slug: slug).first else {
            throw CatalogueError.notFound("catalogue.dataset.unpublished", ["dataset": slug])
        }
        return d
    }

    public func agencies() throws -> [AgencyRecord] { try store.agencies() }

    private func describe(slug: String?) throws -> [DatasetDescription] {
        let published: [PublishedDataset]
        if let slug { published = try store.published(slug: slug).map { [$0] } ?? [] } else { published = try store.publishedDatasets() }
        let descriptions = try store.catalogueDescriptions(of: published.map(\.dataset.id))
        return try published.sorted { $0.dataset.slug < $1.dataset.slug }.map { p -> DatasetDescription in
            let d = p.dataset, current = p.version, agency = p.agency
            let entry = descriptions[d.id], m = entry?.metadata
            let all = try store.versions(datasetID: d.id)
            let identity = m?.identityField
            let changes = try store.changeSummaries(of: all, identityField: identity)
            let versions = all.filter { $0.publishedAt != nil }.map {
                VersionDescription(number: $0.number, published: $0.publishedAt, featureCount: $0.featureCount,
                                   checksum: $0.checksum, changes: changes[$0.id])
            }
            let fieldNotes = m?.fieldDescriptions ?? [:]
            return DatasetDescription(
                slug: d.slug, title: d.title, titleEN: Self.nonEmpty(m?.titleEN),
                description: d.description, descriptionEN: Self.nonEmpty(m?.descriptionEN),
                agency: agency, theme: entry?.theme ?? "", keywords: m?.keywords ?? [],
                licence: Licence.named(d.licence),
                attribution: d.attribution.isEmpty ? (agency?.name ?? "Bando") : d.attribution,
                frequency: entry?.updateFrequency ?? "quarterly",
                temporalStart: Self.nonEmpty(m?.temporalStart), temporalEnd: Self.nonEmpty(m?.temporalEnd),
                spatialLabel: Self.nonEmpty(m?.spatialLabel), bbox: current.bbox,
                contact: ContactPoint(name: Self.nonEmpty(m?.contactName) ?? agency?.name ?? "Bando",
                                      email: Self.nonEmpty(m?.contactEmail)),
                schema: current.fields.map { SchemaField(name: $0.name, type: $0.type.rawValue, description: fieldNotes[$0.name] ?? "") },
                geometryTypes: current.geometryTypes, identityField: identity,
                created: d.createdAt.timeIntervalSince1970 > 0 ? d.createdAt : current.createdAt,
                modified: current.publishedAt ?? current.createdAt,
                current: versions.first { $0.number == current.number }
                    ?? VersionDescription(number: current.number, published: current.publishedAt, featureCount: current.featureCount,
                                          checksum: current.checksum, changes: changes[current.id]),
                versions: versions)
        }
    }

    /// Sets catalogue metadata of the dataset `slug` (published or not).
    /// The metadata set for `slug`, every field present (empty when unset), as `updateMetadata` takes it.
    public func metadataOf(_ slug: String) throws -> MetadataPatch {
        guard let dataset = try store.dataset(slug: slug) else {
            throw CatalogueError.notFound("store.datasetNotFound", ["dataset": slug])
        }
        let m = try store.catalogueDescriptions(of: [dataset.id])[dataset.id]?.metadata
        func text(_ value: String?) -> String { value ?? "" }
        return MetadataPatch(titleEN: text(m?.titleEN), descriptionEN: text(m?.descriptionEN),
                             keywords: m?.keywords ?? [],
                             contactName: text(m?.contactName), contactEmail: text(m?.contactEmail),
                             temporalStart: text(m?.temporalStart), temporalEnd: text(m?.temporalEnd),
                             spatialLabel: text(m?.spatialLabel), identityField: text(m?.identityField),
                             fieldDescriptions: m?.fieldDescriptions ?? [:])
    }

    public func updateMetadata(_ slug: String, _ patch: MetadataPatch) throws {
        guard let dataset = try store.dataset(slug: slug) else {
            throw CatalogueError.notFound("store.datasetNotFound", ["dataset": slug])
        }
        if let e = patch.contactEmail, !e.isEmpty, !(e.contains("@") && !e.contains(" ")) {
            throw CatalogueError.invalid("contactEmail", "catalogue.metadata.email", ["value": e])
        }
        for (name, value) in [("temporalStart", patch.temporalStart), ("temporalEnd", patch.temporalEnd)] {
            if let v = value, !v.isEmpty, Self.day(v) == nil {
                throw CatalogueError.invalid(name, "catalogue.metadata.date", ["value": v])
            }
        }
        let fields = try dataset.currentVersionID.flatMap { try store.version(id: $0) }?.fields.map(\.name)
        if let fields {
            for name in [patch.identityField].compactMap({ $0 }).filter({ !$0.isEmpty }) + (patch.fieldDescriptions?.keys.sorted() ?? [])
            where !fields.contains(name) {
                throw CatalogueError.invalid("field", "catalogue.metadata.field", ["field": name, "fields": fields.joined(separator: ", ")])
            }
        }
        try store.updateCatalogueMetadata(datasetID: dataset.id, at: Date()) { old in
            // A field left out (nil) keeps its value; an empty one clears it.
            func text(_ value: String?, _ kept: String?) -> String? {
                guard let value else { return kept }
                return value.isEmpty ? nil : value
            }
            var notes = old?.fieldDescriptions ?? [:]
            for (k, v) in patch.fieldDescriptions ?? [:] { notes[k] = v.isEmpty ? nil : v }
            let keywords = patch.keywords.map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                ?? old?.keywords ?? []
            return CatalogueMetadataRecord(
                titleEN: text(patch.titleEN, old?.titleEN), descriptionEN: text(patch.descriptionEN, old?.descriptionEN),
                keywords: keywords, contactName: text(patch.contactName, old?.contactName),
                contactEmail: text(patch.contactEmail, old?.contactEmail),
                temporalStart: text(patch.temporalStart, old?.temporalStart), temporalEnd: text(patch.temporalEnd, old?.temporalEnd),
                spatialLabel: text(patch.spatialLabel, old?.spatialLabel),
                identityField: text(patch.identityField, old?.identityField), fieldDescriptions: notes)
        }
    }

    static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
    static func decode<T: Decodable>(_ t: T.Type, _ s: String?) -> T? {
        s.flatMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }
    static func encode<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder(); e.outputFormatting = .sortedKeys
        return String(decoding: (try? e.encode(v)) ?? Data("null".utf8), as: UTF8.self)
    }
    static func day(_ s: String) -> Date? {
        let f = DateFormatter(); f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: s)
    }
    static func date(_ s: String?) -> Date? { Timestamp.parse(s) }
}
