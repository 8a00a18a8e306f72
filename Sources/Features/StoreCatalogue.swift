public import GRDB
import GeoModel
import Foundation

/// The collections of the store: each dataset whose current version is published, read from
/// the catalogue tables (`datasets`, `dataset_versions`) and kept for `ttl` seconds, so that
/// an items request costs no catalogue query. `invalidate()` makes a publication visible at once.
public final class StoreCatalogue: CollectionCatalogue, @unchecked Sendable {
    public let reader: any DatabaseReader
    public let ttl: Double
    private let lock = NSLock()
    private var cached: (at: Date, list: [FeatureCollectionInfo])?

    public init(reader: any DatabaseReader, ttl: Double = 2) { self.reader = reader; self.ttl = ttl }

    public func invalidate() { lock.withLock { cached = nil } }

    public func collections() async throws(FeaturesError) -> [FeatureCollectionInfo] {
        if let c = lock.withLock({ cached }), Date().timeIntervalSince(c.at) < ttl { return c.list }
        let list: [FeatureCollectionInfo]
        do {
            list = try await reader.read { db in try Self.load(db) }
        } catch let e as FeaturesError {
            throw e
        } catch {
            throw FeaturesError.store("the catalogue could not be read: \(error)")
        }
        lock.withLock { cached = (Date(), list) }
        return list
    }

    static func load(_ db: Database) throws -> [FeatureCollectionInfo] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT d.slug, d.title, d.description, d.licence, d.attribution,
                   v.id AS version_id, v.feature_table, v.feature_count, v.min_x, v.min_y, v.max_x, v.max_y,
                   v.fields_json, v.geometry_types
            FROM datasets d JOIN dataset_versions v ON v.id = d.current_version_id
            WHERE v.status = 'published'
            ORDER BY d.slug
            """)
        return rows.map { r in
            let fieldsJSON: String = r["fields_json"] ?? "[]"
            let fields = (try? JSONDecoder().decode([FieldDefinition].self, from: Data(fieldsJSON.utf8))) ?? []
            let extent = BoundingBox.lonLatExtent(minX: r["min_x"], minY: r["min_y"], maxX: r["max_x"], maxY: r["max_y"])
            let types: String = r["geometry_types"] ?? ""
            let typeList: [String]
            if let data = types.data(using: .utf8), let list = try? JSONDecoder().decode([String].self, from: data) {
                typeList = list
            } else {
                typeList = types.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            return FeatureCollectionInfo(
                id: r["slug"], title: r["title"] ?? r["slug"], description: r["description"],
                table: FeatureTable(name: r["feature_table"], fields: fields),
                extent: extent, featureCount: r["feature_count"] ?? 0, geometryTypes: typeList,
                licence: r["licence"], attribution: r["attribution"], versionID: r["version_id"])
        }
    }
}
