// The open-data list's records on SQLite: `catalogue_entries` and `dataset_proposals`
// (issue 21; the statements were in Portal's PortalService+OpenDataList).
import GRDB
public import Foundation

extension SQLitePortalTransaction {
    public func listedDatasets(agencySlug: String?) throws -> [ListedDatasetRecord] {
        try Row.fetchAll(db, sql: """
            SELECT d.slug, d.title, a.slug AS agency_slug, c.theme, c.update_frequency, c.added_at, v.number
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            LEFT JOIN dataset_versions v ON v.id = d.current_version_id
            WHERE (? IS NULL OR a.slug = ?) ORDER BY d.slug
            """, arguments: [agencySlug, agencySlug]).map {
            ListedDatasetRecord(slug: $0["slug"], title: $0["title"], agencySlug: $0["agency_slug"], theme: $0["theme"],
                                 updateFrequency: $0["update_frequency"], addedAt: $0["added_at"], currentVersion: $0["number"])
        }
    }

    public func isListed(datasetID: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM catalogue_entries WHERE dataset_id = ?", arguments: [datasetID]) != nil
    }

    static let proposalSelect = "SELECT p.*, a.slug AS agency_slug FROM dataset_proposals p JOIN agencies a ON a.id = p.agency_id"

    public func proposal(id: Int64) throws -> ProposalRecord? {
        try Row.fetchOne(db, sql: Self.proposalSelect + " WHERE p.id = ?", arguments: [id]).map(Self.proposal)
    }

    public func proposals(agencyID: Int64?) throws -> [ProposalRecord] {
        try Row.fetchAll(db, sql: Self.proposalSelect + " WHERE (? IS NULL OR p.agency_id = ?) ORDER BY p.id",
                         arguments: [agencyID, agencyID]).map(Self.proposal)
    }

    static func proposal(_ r: Row) -> ProposalRecord {
        ProposalRecord(id: r["id"], agencyID: r["agency_id"], agencySlug: r["agency_slug"], slug: r["slug"], title: r["title"],
                       theme: r["theme"], updateFrequency: r["update_frequency"], description: r["description"],
                       status: r["status"], decisionComment: r["decision_comment"])
    }

    public func insertDataset(slug: String, title: String, agencyID: Int64, description: String, at: Date) throws -> Int64 {
        let t = Timestamp.format(at)
        try db.execute(sql: """
            INSERT INTO datasets (slug, title, agency_id, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [slug, title, agencyID, description, t, t])
        return db.lastInsertedRowID
    }

    public func setDatasetAgency(datasetID: Int64, agencyID: Int64, at: Date) throws {
        try db.execute(sql: "UPDATE datasets SET agency_id = ?, updated_at = ? WHERE id = ?",
                       arguments: [agencyID, Timestamp.format(at), datasetID])
    }

    public func insertListedDataset(datasetID: Int64, theme: String, updateFrequency: String, at: Date, addedBy: Int64?) throws {
        try db.execute(sql: "INSERT INTO catalogue_entries (dataset_id, theme, update_frequency, added_at, added_by) VALUES (?, ?, ?, ?, ?)",
                       arguments: [datasetID, theme, updateFrequency, Timestamp.format(at), addedBy])
    }

    public func insertProposal(_ p: NewProposal) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO dataset_proposals (agency_id, slug, title, theme, update_frequency, description, proposed_by, proposed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [p.agencyID, p.slug, p.title, p.theme, p.updateFrequency, p.description, p.proposedBy,
                             Timestamp.format(p.at)])
        return db.lastInsertedRowID
    }

    public func decideProposal(id: Int64, status: String, comment: String?, at: Date, decidedBy: Int64?) throws {
        try db.execute(sql: "UPDATE dataset_proposals SET status = ?, decided_by = ?, decided_at = ?, decision_comment = ? WHERE id = ?",
                       arguments: [status, decidedBy, Timestamp.format(at), comment, id])
    }

    // MARK: The yearly review and declared changes

    public func yearlyReview() throws -> [ListedDatasetReviewRecord] {
        try Row.fetchAll(db, sql: """
            SELECT d.slug, d.title, a.slug AS agency_slug, a.name AS agency_name, c.theme, c.update_frequency,
                   c.added_at, c.reviewed_at, u.username AS reviewer, v.number
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            LEFT JOIN users u ON u.id = c.reviewed_by
            LEFT JOIN dataset_versions v ON v.id = d.current_version_id
            ORDER BY d.slug
            """).map { r in
            ListedDatasetReviewRecord(slug: r["slug"], title: r["title"], agencySlug: r["agency_slug"], agencyName: r["agency_name"],
                                  theme: r["theme"], updateFrequency: r["update_frequency"], addedAt: r["added_at"],
                                  currentVersion: r["number"], reviewedAt: r["reviewed_at"], reviewer: r["reviewer"])
        }
    }

    public func updateFrequency(datasetID: Int64) throws -> String? {
        try String.fetchOne(db, sql: "SELECT update_frequency FROM catalogue_entries WHERE dataset_id = ?", arguments: [datasetID])
    }

    public func dataChanges(datasetID: Int64) throws -> [(day: String, note: String)] {
        try Row.fetchAll(db, sql: "SELECT changed_on, note FROM dataset_changes WHERE dataset_id = ? ORDER BY changed_on DESC, id DESC",
                         arguments: [datasetID]).map { ($0["changed_on"], $0["note"]) }
    }

    public func markReviewed(datasetID: Int64, at: Date, by accountID: Int64?) throws -> Bool {
        try db.execute(sql: "UPDATE catalogue_entries SET reviewed_at = ?, reviewed_by = ? WHERE dataset_id = ?",
                       arguments: [Timestamp.format(at), accountID, datasetID])
        return db.changesCount == 1
    }

    public func insertDataChange(datasetID: Int64, day: String, note: String, at: Date, by accountID: Int64?) throws {
        try db.execute(sql: "INSERT INTO dataset_changes (dataset_id, changed_on, note, noted_at, noted_by) VALUES (?, ?, ?, ?, ?)",
                       arguments: [datasetID, day, note, Timestamp.format(at), accountID])
    }

    // MARK: Dashboards

    public func listedDatasetDetails() throws -> [ListedDatasetDetailRecord] {
        try Row.fetchAll(db, sql: """
            SELECT d.id, d.slug, d.current_version_id, c.theme, m.spatial_label FROM catalogue_entries c
            JOIN datasets d ON d.id = c.dataset_id LEFT JOIN dataset_metadata m ON m.dataset_id = d.id
            """).map {
            ListedDatasetDetailRecord(datasetID: $0["id"], slug: $0["slug"], theme: $0["theme"] ?? "", spatialLabel: $0["spatial_label"],
                                  published: ($0["current_version_id"] as Int64?) != nil)
        }
    }

    public func datasetFeedbackTimes() throws -> [FeedbackTimesRecord] {
        try Row.fetchAll(db, sql: "SELECT dataset_id, received_at, answered_at FROM feedback WHERE dataset_id IS NOT NULL").map {
            FeedbackTimesRecord(datasetID: $0["dataset_id"], receivedAt: $0["received_at"], answeredAt: $0["answered_at"])
        }
    }
}
