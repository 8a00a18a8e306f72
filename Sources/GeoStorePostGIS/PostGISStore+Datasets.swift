import Foundation
public import GeoStore
import GeoModel
import PostgresNIO

extension PostGISStore {
    /// Runs one statement on a lent connection and returns its rows.
    func rows(_ query: PostgresQuery, _ operation: String) throws -> [PostgresRow] {
        let logger = connections.logger
        return try connections.withConnection { try $0.rows(query, logger: logger, operation) }
    }

    public func publishedDatasets() throws -> [PublishedDataset] {
        try rows("""
            SELECT d.*, a.id AS a_id, a.slug AS a_slug, a.name AS a_name, \(unescaped: Self.versionColumns("v"))
            FROM datasets d
            JOIN dataset_versions v ON v.id = d.current_version_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            ORDER BY d.slug COLLATE "C"
            """, "read the published datasets").map { row in
            let r = row.makeRandomAccess()
            let agencyID = try r["a_id"].decode(Int64?.self)
            return PublishedDataset(
                dataset: try Self.dataset(r), version: try Self.version(r, prefix: "v_"),
                agency: try agencyID.map { AgencyRecord(id: $0, slug: try r["a_slug"].decode(String.self), name: try r["a_name"].decode(String.self)) })
        }
    }

    public func datasetSlugs() throws -> [String] {
        try rows("SELECT slug FROM datasets ORDER BY slug COLLATE \"C\"", "read the dataset names").map { try $0.decode(String.self) }
    }

    public func dataset(slug: String) throws -> DatasetRecord? {
        try rows("SELECT * FROM datasets WHERE slug = \(slug)", "read a dataset").first.map { try Self.dataset($0.makeRandomAccess()) }
    }

    public func published(slug: String) throws -> PublishedDataset? {
        try publishedDatasets().first { $0.dataset.slug == slug }
    }

    /// Version `number` of `slug`, with its dataset and agency, whatever its status (downloads).
    public func version(dataset slug: String, number: Int) throws -> PublishedDataset? {
        try rows("""
            SELECT d.*, a.id AS a_id, a.slug AS a_slug, a.name AS a_name, \(unescaped: Self.versionColumns("v"))
            FROM datasets d
            JOIN dataset_versions v ON v.dataset_id = d.id AND v.number = \(number)
            LEFT JOIN agencies a ON a.id = d.agency_id
            WHERE d.slug = \(slug)
            """, "read a version").first.map { row in
            let r = row.makeRandomAccess()
            let agencyID = try r["a_id"].decode(Int64?.self)
            return PublishedDataset(
                dataset: try Self.dataset(r), version: try Self.version(r, prefix: "v_"),
                agency: try agencyID.map { AgencyRecord(id: $0, slug: try r["a_slug"].decode(String.self), name: try r["a_name"].decode(String.self)) })
        }
    }

    public func version(id: Int64) throws -> DatasetVersionRecord? {
        try rows("SELECT \(unescaped: Self.versionColumns("v")) FROM dataset_versions v WHERE v.id = \(id)", "read a version")
            .first.map { try Self.version($0.makeRandomAccess(), prefix: "v_") }
    }

    /// Every version of a dataset, oldest first (as the SpatiaLite store gives them).
    public func versions(datasetID: Int64) throws -> [DatasetVersionRecord] {
        try rows("SELECT \(unescaped: Self.versionColumns("v")) FROM dataset_versions v WHERE v.dataset_id = \(datasetID) ORDER BY v.number",
                 "read the versions").map { try Self.version($0.makeRandomAccess(), prefix: "v_") }
    }

    public func agencies() throws -> [AgencyRecord] {
        try rows("SELECT id, slug, name FROM agencies ORDER BY name COLLATE \"C\", id", "read the agencies").map { row in
            let (id, slug, name) = try row.decode((Int64, String, String).self)
            return AgencyRecord(id: id, slug: slug, name: name)
        }
    }

    public func currentVersionIDs() throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for row in try rows("SELECT slug, current_version_id FROM datasets WHERE current_version_id IS NOT NULL", "read the current versions") {
            let (slug, id) = try row.decode((String, Int64).self)
            ids[slug] = id
        }
        return ids
    }

    /// Makes `versionID` current in one transaction (readers see the old version or the new,
    /// never a mix) that also notifies every process listening on this database; announced
    /// here at once, and not again when the notification comes back.
    @discardableResult
    public func publish(versionID: Int64) throws -> Publication {
        let logger = connections.logger
        let publication = try connections.withConnection { c in
            try c.transaction(logger: logger, "publish a version") { try publish(c, versionID: versionID, at: Date()) }
        }
        publications.post(publication)
        return publication
    }

    /// The publish switch inside the caller's transaction, and its notification (sent by
    /// PostgreSQL at commit, not before).
    func publish(_ c: PostgresConnection, versionID: Int64, at now: Date) throws -> Publication {
        let logger = connections.logger
        guard let row = try c.rows("""
            SELECT v.dataset_id, v.number, d.slug FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
            WHERE v.id = \(versionID) FOR UPDATE OF d
            """, logger: logger, "publish a version").first else { throw PostGISError.versionNotFound(versionID) }
        let (datasetID, number, slug) = try row.decode((Int64, Int, String).self)
        try c.rows("UPDATE dataset_versions SET status = 'superseded' WHERE dataset_id = \(datasetID) AND status = 'published'",
                   logger: logger, "publish a version")
        try c.rows("UPDATE dataset_versions SET status = 'published', published_at = \(now) WHERE id = \(versionID)",
                   logger: logger, "publish a version")
        try c.rows("UPDATE datasets SET current_version_id = \(versionID), updated_at = \(now) WHERE id = \(datasetID)",
                   logger: logger, "publish a version")
        let publication = Publication(dataset: slug, versionID: versionID, number: number)
        let payload = PublicationNotice(schema: schema, origin: origin, dataset: slug, versionID: versionID, number: number).encoded()
        try c.rows("SELECT pg_notify(\(PublicationListener.channel), \(payload))", logger: logger, "announce a publication")
        return publication
    }

    /// Finds or creates the agency called `name` (its slug derived from the name, as SQLite's).
    func agencyID(_ c: PostgresConnection, name: String) throws -> Int64 {
        let slug = slugify(name)
        let row = try c.rows("""
            INSERT INTO agencies (slug, name) VALUES (\(slug), \(name))
            ON CONFLICT (slug) DO UPDATE SET slug = EXCLUDED.slug RETURNING id
            """, logger: connections.logger, "record an agency")
        return try row[0].decode(Int64.self)
    }

    /// The version's columns, each renamed `v_…` so they can sit beside a dataset's.
    static func versionColumns(_ alias: String) -> String {
        ["id", "dataset_id", "number", "status", "feature_table", "feature_count", "min_x", "min_y", "max_x", "max_y",
         "fields_json", "geometry_types", "crs", "encoding", "source_name", "checksum", "report_json", "created_at", "published_at"]
            .map { "\(alias).\($0) AS v_\($0)" }.joined(separator: ", ")
    }

    static func dataset(_ r: PostgresRandomAccessRow) throws -> DatasetRecord {
        DatasetRecord(id: try r["id"].decode(Int64.self), slug: try r["slug"].decode(String.self), title: try r["title"].decode(String.self),
                      description: try r["description"].decode(String.self), agencyID: try r["agency_id"].decode(Int64?.self),
                      licence: try r["licence"].decode(String.self), attribution: try r["attribution"].decode(String.self),
                      currentVersionID: try r["current_version_id"].decode(Int64?.self),
                      createdAt: try r["created_at"].decode(Date.self), updatedAt: try r["updated_at"].decode(Date.self))
    }

    static func version(_ r: PostgresRandomAccessRow, prefix p: String) throws -> DatasetVersionRecord {
        let bbox = BoundingBox.lonLatExtent(minX: try r[p + "min_x"].decode(Double?.self), minY: try r[p + "min_y"].decode(Double?.self),
                                            maxX: try r[p + "max_x"].decode(Double?.self), maxY: try r[p + "max_y"].decode(Double?.self))
        let fieldsJSON = try r[p + "fields_json"].decode(String.self)
        let fields = (try? JSONDecoder().decode([FieldDefinition].self, from: Data(fieldsJSON.utf8))) ?? []
        let types = try r[p + "geometry_types"].decode(String.self)
        return DatasetVersionRecord(
            id: try r[p + "id"].decode(Int64.self), datasetID: try r[p + "dataset_id"].decode(Int64.self),
            number: try r[p + "number"].decode(Int.self),
            status: VersionStatus(rawValue: try r[p + "status"].decode(String.self)) ?? .draft,
            featureTable: try r[p + "feature_table"].decode(String.self), featureCount: try r[p + "feature_count"].decode(Int.self),
            bbox: bbox, fields: fields, geometryTypes: types.split(separator: ",").map(String.init),
            crs: try r[p + "crs"].decode(String.self), encoding: try r[p + "encoding"].decode(String.self),
            sourceName: try r[p + "source_name"].decode(String.self), checksum: try r[p + "checksum"].decode(String.self),
            reportJSON: try r[p + "report_json"].decode(String.self), createdAt: try r[p + "created_at"].decode(Date.self),
            publishedAt: try r[p + "published_at"].decode(Date?.self))
    }
}
