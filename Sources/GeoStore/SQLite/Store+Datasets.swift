public import GRDB
public import GeoModel
public import Foundation

extension Store {
    /// Every dataset with a published current version, ordered by slug.
    public func publishedDatasets() throws -> [PublishedDataset] { try published(only: nil) }

    /// The published datasets, or only `slug`'s: one query for the datasets, one per version.
    private func published(only slug: String?) throws -> [PublishedDataset] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.*, v.id AS v_id, a.id AS a_id, a.slug AS a_slug, a.name AS a_name
                FROM datasets d
                JOIN dataset_versions v ON v.id = d.current_version_id
                LEFT JOIN agencies a ON a.id = d.agency_id
                WHERE ? IS NULL OR d.slug = ?
                ORDER BY d.slug
                """, arguments: [slug, slug]).map { row in
                PublishedDataset(
                    dataset: Self.dataset(row),
                    version: try Self.version(db, id: row["v_id"])!,
                    agency: (row["a_id"] as Int64?).map { AgencyRecord(id: $0, slug: row["a_slug"], name: row["a_name"]) })
            }
        }
    }

    /// The names of every dataset, published or not, in order.
    public func datasetSlugs() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT slug FROM datasets ORDER BY slug") }
    }

    /// The dataset named `slug`, published or not.
    public func dataset(slug: String) throws -> DatasetRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM datasets WHERE slug = ?", arguments: [slug]).map(Self.dataset)
        }
    }

    /// The published current version of `slug`, with its dataset and agency.
    public func published(slug: String) throws -> PublishedDataset? {
        try published(only: slug).first
    }

    public func version(id: Int64) throws -> DatasetVersionRecord? {
        try pool.read { db in try Self.version(db, id: id) }
    }

    /// Every version of a dataset, oldest first.
    public func versions(datasetID: Int64) throws -> [DatasetVersionRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataset_versions WHERE dataset_id = ? ORDER BY number", arguments: [datasetID])
                .map(Self.version)
        }
    }

    public func agencies() throws -> [AgencyRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, slug, name FROM agencies ORDER BY name, id")
                .map { AgencyRecord(id: $0["id"], slug: $0["slug"], name: $0["name"]) }
        }
    }

    /// Finds or creates the agency called `name` (its slug derived from the name).
    public static func agencyID(_ db: Database, name: String) throws -> Int64 {
        let slug = slugify(name)
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM agencies WHERE slug = ?", arguments: [slug]) { return id }
        try db.execute(sql: "INSERT INTO agencies (slug, name) VALUES (?, ?)", arguments: [slug, name])
        return db.lastInsertedRowID
    }

    /// Makes a publication the current version of its dataset, superseding the previous one,
    /// in one transaction: readers see the old version or the new, never a mix.
    @discardableResult
    public func publish(versionID: Int64) throws -> Publication {
        let publication = try pool.write { db in try Self.publish(db, versionID: versionID, at: Date()) }
        publications.post(publication)
        return publication
    }

    /// Posts the publication of `version` (just committed) to the subscribers of `publications`.
    /// For code that publishes inside a transaction of its own: call it after the commit.
    @discardableResult
    public func announce(_ version: DatasetVersionRecord) -> Publication {
        let slug = (try? pool.read { db in
            try String.fetchOne(db, sql: "SELECT slug FROM datasets WHERE id = ?", arguments: [version.datasetID])
        }) ?? nil
        let publication = Publication(dataset: slug ?? "", versionID: version.id, number: version.number)
        publications.post(publication)
        return publication
    }

    public func currentVersionIDs() throws -> [String: Int64] {
        try pool.read { db in
            var ids: [String: Int64] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT slug, current_version_id FROM datasets WHERE current_version_id IS NOT NULL")
            while let r = try rows.next() { ids[r["slug"]] = r["current_version_id"] }
            return ids
        }
    }

    /// The one publication switch: makes `versionID` its dataset's current version (the one
    /// before superseded) inside the caller's transaction, so a caller that must record the
    /// publication beside it (the portal's audit entry) commits both or neither. Returns what to
    /// announce: post it on `publications` (or call `announce`) after the commit, never before,
    /// so no subscriber reads the store before the new version is there.
    @discardableResult
    public static func publish(_ db: Database, versionID: Int64, at now: Date) throws -> Publication {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT v.dataset_id, v.number, d.slug FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = ?
            """, arguments: [versionID]) else {
            throw StoreError.conflict("version \(versionID) does not exist")
        }
        let datasetID: Int64 = row["dataset_id"]
        let stamp = Timestamp.format(now)
        try db.execute(sql: "UPDATE dataset_versions SET status = 'superseded' WHERE dataset_id = ? AND status = 'published' AND id <> ?",
                       arguments: [datasetID, versionID])
        try db.execute(sql: "UPDATE dataset_versions SET status = 'published', published_at = ? WHERE id = ?", arguments: [stamp, versionID])
        try db.execute(sql: "UPDATE datasets SET current_version_id = ?, updated_at = ? WHERE id = ?", arguments: [versionID, stamp, datasetID])
        return Publication(dataset: row["slug"], versionID: versionID, number: row["number"])
    }

    static func dataset(_ row: Row) -> DatasetRecord {
        DatasetRecord(id: row["id"], slug: row["slug"], title: row["title"], description: row["description"],
                      agencyID: row["agency_id"], licence: row["licence"], attribution: row["attribution"],
                      currentVersionID: row["current_version_id"],
                      createdAt: Timestamp.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
                      updatedAt: Timestamp.parse(row["updated_at"]) ?? Date(timeIntervalSince1970: 0))
    }

    static func version(_ db: Database, id: Int64) throws -> DatasetVersionRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM dataset_versions WHERE id = ?", arguments: [id]).map(version)
    }

    static func version(_ row: Row) -> DatasetVersionRecord {
        let bbox = BoundingBox.lonLatExtent(minX: row["min_x"], minY: row["min_y"], maxX: row["max_x"], maxY: row["max_y"])
        let fieldsJSON: String = row["fields_json"]
        let fields = (try? JSONDecoder().decode([FieldDefinition].self, from: Data(fieldsJSON.utf8))) ?? []
        let types: String = row["geometry_types"]
        return DatasetVersionRecord(
            id: row["id"], datasetID: row["dataset_id"], number: row["number"],
            status: VersionStatus(rawValue: row["status"]) ?? .draft,
            featureTable: row["feature_table"], featureCount: row["feature_count"], bbox: bbox, fields: fields,
            geometryTypes: types.split(separator: ",").map(String.init), crs: row["crs"], encoding: row["encoding"],
            sourceName: row["source_name"], checksum: row["checksum"], reportJSON: row["report_json"],
            createdAt: Timestamp.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            publishedAt: Timestamp.parse(row["published_at"]))
    }
}

/// A URL- and file-safe slug from a free-text name: Vietnamese letters lose their marks, đ → d.
public func slugify(_ name: String) -> String {
    let folded = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
        .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        .lowercased()
    var out = ""
    var lastDash = true
    for ch in folded.unicodeScalars {
        if (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") { out.unicodeScalars.append(ch); lastDash = false }
        else if !lastDash { out.append("-"); lastDash = true }
    }
    while out.hasSuffix("-") { out.removeLast() }
    return String(out.prefix(64))
}
