// The open-data list's, the review workflow's and the harvest sources' records on
// PostgreSQL (issue 21): the statements of SQLite's Store+PortalOpenDataList, +PortalWorkflow and
// +PortalHarvest, with text ordered by code point (`COLLATE "C"`, as SQLite's BINARY) and NULLs
// first where SQLite sorts them first.
import Foundation
import GeoStore
import PostgresNIO

extension PostGISPortalTransaction {
    // MARK: Catalogue entries and proposals

    func listedDatasets(agencySlug: String?) throws -> [ListedDatasetRecord] {
        var b = PostgresBindings()
        var filter = ""
        if let agencySlug { b.append(agencySlug); filter = "WHERE a.slug = $1" }
        return try all(PostgresQuery(unsafeSQL: """
            SELECT d.slug, d.title, a.slug AS agency_slug, c.theme, c.update_frequency, c.added_at, v.number
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            LEFT JOIN dataset_versions v ON v.id = d.current_version_id
            \(filter) ORDER BY d.slug COLLATE "C"
            """, binds: b), "read the catalogue") {
            ListedDatasetRecord(slug: try $0["slug"].decode(String.self), title: try $0["title"].decode(String.self),
                                 agencySlug: try $0["agency_slug"].decode(String?.self), theme: try $0["theme"].decode(String.self),
                                 updateFrequency: try $0["update_frequency"].decode(String.self), addedAt: try Self.date($0["added_at"]),
                                 currentVersion: try $0["number"].decode(Int?.self))
        }
    }

    func isListed(datasetID: Int64) throws -> Bool {
        try !execute("SELECT 1 FROM catalogue_entries WHERE dataset_id = \(datasetID)", "read the catalogue").isEmpty
    }

    static let proposalSelect = """
        SELECT p.id, p.agency_id, p.slug, p.title, p.theme, p.update_frequency, p.description, p.status, p.decision_comment,
               a.slug AS agency_slug
        FROM dataset_proposals p JOIN agencies a ON a.id = p.agency_id
        """

    func proposal(id: Int64) throws -> ProposalRecord? {
        try one(PostgresQuery(unsafeSQL: Self.proposalSelect + " WHERE p.id = $1", binds: binds(id)), "read a proposal", Self.proposal)
    }

    func proposals(agencyID: Int64?) throws -> [ProposalRecord] {
        if let agencyID {
            return try all(PostgresQuery(unsafeSQL: Self.proposalSelect + " WHERE p.agency_id = $1 ORDER BY p.id", binds: binds(agencyID)),
                           "read the proposals", Self.proposal)
        }
        return try all(PostgresQuery(unsafeSQL: Self.proposalSelect + " ORDER BY p.id"), "read the proposals", Self.proposal)
    }

    static func proposal(_ r: PostgresRandomAccessRow) throws -> ProposalRecord {
        ProposalRecord(id: try r["id"].decode(Int64.self), agencyID: try r["agency_id"].decode(Int64.self),
                       agencySlug: try r["agency_slug"].decode(String.self), slug: try r["slug"].decode(String.self),
                       title: try r["title"].decode(String.self), theme: try r["theme"].decode(String.self),
                       updateFrequency: try r["update_frequency"].decode(String.self), description: try r["description"].decode(String.self),
                       status: try r["status"].decode(String.self), decisionComment: try r["decision_comment"].decode(String?.self))
    }

    func insertDataset(slug: String, title: String, agencyID: Int64, description: String, at: Date) throws -> Int64 {
        let t = Self.stored(at)
        return try insert("""
            INSERT INTO datasets (slug, title, agency_id, description, created_at, updated_at)
            VALUES (\(slug), \(title), \(agencyID), \(description), \(t), \(t)) RETURNING id
            """, "create a dataset")
    }

    func setDatasetAgency(datasetID: Int64, agencyID: Int64, at: Date) throws {
        try execute("UPDATE datasets SET agency_id = \(agencyID), updated_at = \(Self.stored(at)) WHERE id = \(datasetID)",
                    "give a dataset to an agency")
    }

    func insertListedDataset(datasetID: Int64, theme: String, updateFrequency: String, at: Date, addedBy: Int64?) throws {
        try execute("""
            INSERT INTO catalogue_entries (dataset_id, theme, update_frequency, added_at, added_by)
            VALUES (\(datasetID), \(theme), \(updateFrequency), \(Self.stored(at)), \(addedBy))
            """, "add to the catalogue")
    }

    func insertProposal(_ p: NewProposal) throws -> Int64 {
        try insert("""
            INSERT INTO dataset_proposals (agency_id, slug, title, theme, update_frequency, description, proposed_by, proposed_at)
            VALUES (\(p.agencyID), \(p.slug), \(p.title), \(p.theme), \(p.updateFrequency), \(p.description), \(p.proposedBy),
                    \(Self.stored(p.at)))
            RETURNING id
            """, "record a proposal")
    }

    func decideProposal(id: Int64, status: String, comment: String?, at: Date, decidedBy: Int64?) throws {
        try execute("""
            UPDATE dataset_proposals SET status = \(status), decided_by = \(decidedBy), decided_at = \(Self.stored(at)),
                decision_comment = \(comment) WHERE id = \(id)
            """, "decide a proposal")
    }

    // MARK: The yearly review and declared changes

    func yearlyReview() throws -> [ListedDatasetReviewRecord] {
        try all("""
            SELECT d.slug, d.title, a.slug AS agency_slug, a.name AS agency_name, c.theme, c.update_frequency,
                   c.added_at, c.reviewed_at, u.username AS reviewer, v.number
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id
            LEFT JOIN agencies a ON a.id = d.agency_id
            LEFT JOIN users u ON u.id = c.reviewed_by
            LEFT JOIN dataset_versions v ON v.id = d.current_version_id
            ORDER BY d.slug COLLATE "C"
            """, "read the catalogue review") { r in
            ListedDatasetReviewRecord(slug: try r["slug"].decode(String.self), title: try r["title"].decode(String.self),
                                  agencySlug: try r["agency_slug"].decode(String?.self), agencyName: try r["agency_name"].decode(String?.self),
                                  theme: try r["theme"].decode(String.self), updateFrequency: try r["update_frequency"].decode(String.self),
                                  addedAt: try Self.date(r["added_at"]), currentVersion: try r["number"].decode(Int?.self),
                                  reviewedAt: try Self.optionalDate(r["reviewed_at"]), reviewer: try r["reviewer"].decode(String?.self))
        }
    }

    func updateFrequency(datasetID: Int64) throws -> String? {
        try one("SELECT update_frequency FROM catalogue_entries WHERE dataset_id = \(datasetID)", "read the catalogue") {
            try $0["update_frequency"].decode(String.self)
        }
    }

    func dataChanges(datasetID: Int64) throws -> [(day: String, note: String)] {
        try all("""
            SELECT changed_on, note FROM dataset_changes WHERE dataset_id = \(datasetID) ORDER BY changed_on COLLATE "C" DESC, id DESC
            """, "read the declared changes") { r -> (day: String, note: String) in
            (try r["changed_on"].decode(String.self), try r["note"].decode(String.self))
        }
    }

    func markReviewed(datasetID: Int64, at: Date, by accountID: Int64?) throws -> Bool {
        try !execute("""
            UPDATE catalogue_entries SET reviewed_at = \(Self.stored(at)), reviewed_by = \(accountID) WHERE dataset_id = \(datasetID)
            RETURNING dataset_id
            """, "mark a review").isEmpty
    }

    func insertDataChange(datasetID: Int64, day: String, note: String, at: Date, by accountID: Int64?) throws {
        try execute("""
            INSERT INTO dataset_changes (dataset_id, changed_on, note, noted_at, noted_by)
            VALUES (\(datasetID), \(day), \(note), \(Self.stored(at)), \(accountID))
            """, "declare a change")
    }

    // MARK: Dashboards

    func listedDatasetDetails() throws -> [ListedDatasetDetailRecord] {
        // In the order SQLite's scan of the entries gives (by dataset). The place comes from the
        // catalogue's metadata table, which arrives with its own migration: until then no
        // dataset has a place.
        let hasMetadata = try execute("SELECT to_regclass('dataset_metadata') IS NOT NULL", "read the catalogue")[0].decode(Bool.self)
        let label = hasMetadata ? "(SELECT m.spatial_label FROM dataset_metadata m WHERE m.dataset_id = d.id)" : "NULL::text"
        return try all(PostgresQuery(unsafeSQL: """
            SELECT d.id, d.slug, d.current_version_id, c.theme, \(label) AS spatial_label
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id ORDER BY c.dataset_id
            """), "read the catalogue") {
            ListedDatasetDetailRecord(datasetID: try $0["id"].decode(Int64.self), slug: try $0["slug"].decode(String.self),
                                  theme: try $0["theme"].decode(String.self), spatialLabel: try $0["spatial_label"].decode(String?.self),
                                  published: try $0["current_version_id"].decode(Int64?.self) != nil)
        }
    }

    func datasetFeedbackTimes() throws -> [FeedbackTimesRecord] {
        try all("SELECT dataset_id, received_at, answered_at FROM feedback WHERE dataset_id IS NOT NULL ORDER BY id", "read feedback") {
            FeedbackTimesRecord(datasetID: try $0["dataset_id"].decode(Int64.self), receivedAt: try Self.date($0["received_at"]),
                                answeredAt: try Self.optionalDate($0["answered_at"]))
        }
    }

    // MARK: The review workflow

    func portalSetting(_ key: String) throws -> String? {
        try one("SELECT value FROM portal_settings WHERE key = \(key)", "read a setting") { try $0["value"].decode(String.self) }
    }

    func setPortalSetting(_ key: String, to value: String, at: Date, by accountID: Int64?) throws {
        try execute("""
            INSERT INTO portal_settings (key, value, updated_at, updated_by) VALUES (\(key), \(value), \(Self.stored(at)), \(accountID))
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
            """, "change a setting")
    }

    func lastAuditUserID(versionID: Int64, action: String) throws -> Int64? {
        try one("SELECT user_id FROM audit_log WHERE version_id = \(versionID) AND action = \(action) ORDER BY id DESC LIMIT 1",
                "read the audit log") { try $0["user_id"].decode(Int64?.self) } ?? nil
    }

    func setVersionStatus(versionID: Int64, _ status: String) throws {
        try execute("UPDATE dataset_versions SET status = \(status) WHERE id = \(versionID)", "change a version's status")
    }

    func versionHistory(datasetID: Int64) throws -> [VersionHistoryRecord] {
        try all("""
            SELECT v.id, v.number, v.status, v.feature_count, v.checksum, v.created_at, v.published_at,
              (SELECT comment FROM audit_log l WHERE l.version_id = v.id AND l.action = 'return' ORDER BY l.id DESC LIMIT 1) AS return_comment,
              (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'submit' ORDER BY l.id DESC LIMIT 1) AS submitted_by
            FROM dataset_versions v WHERE v.dataset_id = \(datasetID) ORDER BY v.number DESC
            """, "read a dataset's versions") { r in
            VersionHistoryRecord(id: try r["id"].decode(Int64.self), number: try r["number"].decode(Int.self),
                                 status: try r["status"].decode(String.self), featureCount: try r["feature_count"].decode(Int?.self),
                                 checksum: try r["checksum"].decode(String?.self), createdAt: try Self.optionalDate(r["created_at"]),
                                 publishedAt: try Self.optionalDate(r["published_at"]), returnComment: try r["return_comment"].decode(String?.self),
                                 submittedBy: try r["submitted_by"].decode(String?.self))
        }
    }

    func approvedVersions() throws -> [ApprovedVersionRecord] {
        try all("""
            SELECT v.id, v.number, v.feature_count, v.checksum, v.created_at, d.slug, d.title, a.slug AS agency, a.name AS agency_name,
              (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'submit' ORDER BY l.id DESC LIMIT 1) AS submitted_by,
              (SELECT username FROM audit_log l WHERE l.version_id = v.id AND l.action = 'approve' ORDER BY l.id DESC LIMIT 1) AS approved_by,
              (SELECT at FROM audit_log l WHERE l.version_id = v.id AND l.action = 'approve' ORDER BY l.id DESC LIMIT 1) AS approved_at
            FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id JOIN agencies a ON a.id = d.agency_id
            WHERE v.status = 'approved' ORDER BY approved_at NULLS FIRST, v.id
            """, "read the Department's queue") { r in
            ApprovedVersionRecord(id: try r["id"].decode(Int64.self), number: try r["number"].decode(Int.self),
                                  featureCount: try r["feature_count"].decode(Int?.self), checksum: try r["checksum"].decode(String?.self),
                                  createdAt: try Self.optionalDate(r["created_at"]), datasetSlug: try r["slug"].decode(String.self),
                                  title: try r["title"].decode(String.self), agencySlug: try r["agency"].decode(String.self),
                                  agencyName: try r["agency_name"].decode(String.self), submittedBy: try r["submitted_by"].decode(String?.self),
                                  approvedBy: try r["approved_by"].decode(String?.self), approvedAt: try Self.optionalDate(r["approved_at"]))
        }
    }

    // MARK: Harvest sources

    static let harvestSelect = """
        SELECT h.dataset_id, h.url, h.kind, h.interval_seconds, h.set_by, h.last_run_at, h.last_status, h.last_error, h.last_checksum,
               h.last_error_key, h.last_error_arguments, h.failures, d.slug, d.agency_id
        FROM harvest_sources h JOIN datasets d ON d.id = h.dataset_id
        """

    func harvestSources(agencyID: Int64?) throws -> [HarvestSourceRecord] {
        if let agencyID {
            return try all(PostgresQuery(unsafeSQL: Self.harvestSelect + " WHERE d.agency_id = $1 ORDER BY d.slug COLLATE \"C\"",
                                         binds: binds(agencyID)), "read the harvest sources", Self.harvestSource)
        }
        return try all(PostgresQuery(unsafeSQL: Self.harvestSelect + " ORDER BY d.slug COLLATE \"C\""), "read the harvest sources",
                       Self.harvestSource)
    }

    func harvestSource(dataset: String) throws -> HarvestSourceRecord? {
        try one(PostgresQuery(unsafeSQL: Self.harvestSelect + " WHERE d.slug = $1", binds: binds(dataset)), "read a harvest source",
                Self.harvestSource)
    }

    static func harvestSource(_ r: PostgresRandomAccessRow) throws -> HarvestSourceRecord {
        HarvestSourceRecord(datasetID: try r["dataset_id"].decode(Int64.self), datasetSlug: try r["slug"].decode(String.self),
                            agencyID: try r["agency_id"].decode(Int64?.self), url: try r["url"].decode(String.self),
                            kind: try r["kind"].decode(String.self), intervalSeconds: try r["interval_seconds"].decode(Int.self),
                            setBy: try r["set_by"].decode(Int64?.self), lastRunAt: try Self.optionalDate(r["last_run_at"]),
                            lastStatus: try r["last_status"].decode(String?.self), lastError: try r["last_error"].decode(String?.self),
                            lastChecksum: try r["last_checksum"].decode(String?.self), lastErrorKey: try r["last_error_key"].decode(String?.self),
                            lastErrorArguments: try r["last_error_arguments"].decode(String?.self), failures: try r["failures"].decode(Int.self))
    }

    func setHarvestSource(datasetID: Int64, url: String, kind: String, intervalSeconds: Int, setBy: Int64?) throws {
        try execute("""
            INSERT INTO harvest_sources (dataset_id, url, kind, interval_seconds, set_by)
            VALUES (\(datasetID), \(url), \(kind), \(intervalSeconds), \(setBy))
            ON CONFLICT (dataset_id) DO UPDATE SET url = EXCLUDED.url, kind = EXCLUDED.kind,
                interval_seconds = EXCLUDED.interval_seconds, set_by = EXCLUDED.set_by, last_checksum = NULL
            """, "set a harvest source")
    }

    func noteHarvestRun(dataset: String, _ run: HarvestRun) throws {
        // A success resets the failures in a row and keeps the checksum pulled (if any); a
        // failure counts one more and keeps the last good checksum.
        let succeeded = run.error == nil
        let checksum = succeeded ? run.checksum : nil
        try execute("""
            UPDATE harvest_sources SET last_run_at = \(Self.stored(run.at)), last_status = \(run.status), last_error = \(run.error),
                last_checksum = COALESCE(\(checksum), last_checksum),
                failures = CASE WHEN \(succeeded) THEN 0 ELSE failures + 1 END,
                last_error_key = \(run.errorKey), last_error_arguments = \(run.errorArguments)
            WHERE dataset_id = (SELECT id FROM datasets WHERE slug = \(dataset))
            """, "note a harvest")
    }
}
