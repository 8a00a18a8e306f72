// The audit log, public feedback and the compliance readings on PostgreSQL (issue 21). The
// audit chain is the SQLite store's (`AuditChain`): each row carries the hash of the row before
// it and its own, computed from its values by `AuditChain.hash`. Appends from several processes
// are serialized by an advisory lock held until the commit.
import Foundation
import GeoStore
import PostgresNIO

extension PostGISPortalTransaction {
    static let auditSelect = """
        SELECT l.id, l.at, l.username, l.role, l.action, l.dataset_slug, l.version_number, l.checksum, l.comment, l.detail,
               a.slug AS agency_slug
        FROM audit_log l LEFT JOIN agencies a ON a.id = l.agency_id
        """

    func auditLog(dataset: String?, versionID: Int64?, limit: Int) throws -> [AuditRecord] {
        var clauses = ["TRUE"]
        var b = PostgresBindings()
        if let dataset { b.append(dataset); clauses.append("l.dataset_slug = $\(b.count)") }
        if let versionID { b.append(versionID); clauses.append("l.version_id = $\(b.count)") }
        b.append(limit)
        return try all(PostgresQuery(unsafeSQL: Self.auditSelect + " WHERE \(clauses.joined(separator: " AND ")) ORDER BY l.id LIMIT $\(b.count)",
                                     binds: b), "read the audit log", Self.audit)
    }

    func auditCount(_ filter: AuditFilter) throws -> Int {
        let (whereSQL, b) = Self.auditWhere(filter)
        return try execute(PostgresQuery(unsafeSQL: "SELECT count(*) FROM audit_log l WHERE \(whereSQL)", binds: b), "count the audit log")[0]
            .decode(Int.self)
    }

    func auditSearch(_ filter: AuditFilter, newestFirst: Bool, limit: Int, offset: Int) throws -> [AuditRecord] {
        var (whereSQL, b) = Self.auditWhere(filter)
        b.append(limit); b.append(offset)
        return try all(PostgresQuery(unsafeSQL: Self.auditSelect + """
             WHERE \(whereSQL) ORDER BY l.id \(newestFirst ? "DESC" : "") LIMIT $\(b.count - 1) OFFSET $\(b.count)
            """, binds: b), "search the audit log", Self.audit)
    }

    func auditActions() throws -> [String] {
        try all("SELECT DISTINCT action COLLATE \"C\" AS action FROM audit_log ORDER BY 1", "read the audit actions") {
            try $0["action"].decode(String.self)
        }
    }

    /// `filter` as a WHERE clause over `audit_log l`, with its bindings.
    static func auditWhere(_ filter: AuditFilter) -> (String, PostgresBindings) {
        var clauses = ["TRUE"]
        var b = PostgresBindings()
        if let d = filter.dataset { b.append(d); clauses.append("l.dataset_slug = $\(b.count)") }
        if let u = filter.username { b.append(u); clauses.append("lower(l.username) = lower($\(b.count))") }
        if let a = filter.action {
            // The family `a` is `a.` and anything: LIKE's wildcards in `a` itself match only themselves.
            let escaped = a.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            b.append(a); b.append(escaped + ".%")
            clauses.append("(l.action = $\(b.count - 1) OR l.action LIKE $\(b.count) ESCAPE '\\')")
        }
        if let f = filter.from { b.append(stored(f)); clauses.append("l.at >= $\(b.count)") }
        if let e = filter.before { b.append(stored(e)); clauses.append("l.at < $\(b.count)") }
        return (clauses.joined(separator: " AND "), b)
    }

    static func audit(_ r: PostgresRandomAccessRow) throws -> AuditRecord {
        AuditRecord(id: try r["id"].decode(Int64.self), at: try Self.date(r["at"]), username: try r["username"].decode(String.self),
                    role: try r["role"].decode(String.self), action: try r["action"].decode(String.self),
                    agencySlug: try r["agency_slug"].decode(String?.self), datasetSlug: try r["dataset_slug"].decode(String?.self),
                    versionNumber: try r["version_number"].decode(Int?.self), checksum: try r["checksum"].decode(String?.self),
                    comment: try r["comment"].decode(String?.self), detail: try r["detail"].decode(String?.self))
    }

    /// The columns `auditHash` reads; `at` as the text SQLite keeps (to the millisecond, UTC).
    static let auditHashColumns = """
        id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at_text, user_id, username, role, action,
        agency_id, dataset_slug, version_id, version_number, checksum, comment, detail, prev_hash, row_hash
        """

    /// A row's hash from its values (see `AuditChain.hash`).
    static func auditHash(_ r: PostgresRandomAccessRow) throws -> String {
        var values: [String: AuditChain.Value] = [:]
        for name in ["id", "user_id", "agency_id", "version_id"] {
            values[name] = try r[name].decode(Int64?.self).map { .integer($0) } ?? .null
        }
        values["version_number"] = try r["version_number"].decode(Int64?.self).map { .integer($0) } ?? .null
        values["at"] = .text(try r["at_text"].decode(String.self))
        for name in ["username", "role", "action", "dataset_slug", "checksum", "comment", "detail", "prev_hash"] {
            values[name] = try r[name].decode(String?.self).map { .text($0) } ?? .null
        }
        return AuditChain.hash { values[$0] ?? .null }
    }

    @discardableResult
    func appendAudit(_ e: AuditAction) throws -> Int64 {
        // One appender at a time across every process on this schema, until this transaction
        // ends: the row read as the chain's head stays the head until this row follows it. Under
        // that lock the id is the next after the head, as SQLite gives it: a rolled-back append
        // leaves no gap in the log (a sequence would).
        let lock = "\(store.schema).audit_log"
        try execute("SELECT pg_advisory_xact_lock(hashtext(\(lock)))", "lock the audit log")
        let id = try insert("""
            INSERT INTO audit_log (id, at, user_id, username, role, action, agency_id, dataset_slug, version_id,
                                   version_number, checksum, comment, detail, prev_hash)
            VALUES ((SELECT COALESCE(max(id), 0) + 1 FROM audit_log), \(Self.stored(e.at)), \(e.userID), \(e.username), \(e.role),
                    \(e.action), \(e.agencyID), \(e.datasetSlug), \(e.versionID), \(e.versionNumber), \(e.checksum), \(e.comment), \(e.detail),
                    COALESCE((SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), \(AuditChain.genesis)))
            RETURNING id
            """, "write the audit log")
        let hash = try all(PostgresQuery(unsafeSQL: "SELECT \(Self.auditHashColumns) FROM audit_log WHERE id = $1", binds: binds(id)),
                           "seal the audit log", Self.auditHash)[0]
        try execute("UPDATE audit_log SET row_hash = \(hash) WHERE id = \(id) AND row_hash IS NULL", "seal the audit log")
        return id
    }

    func publish(versionID: Int64, at: Date) throws -> Publication {
        try store.publish(c, versionID: versionID, at: Self.stored(at))
    }

    // MARK: Feedback

    static let feedbackSelect = """
        SELECT f.id, f.agency_id, f.category, f.message, f.contact_email, f.received_at, f.due_day, f.answer, f.answered_at,
               d.slug, a.slug AS agency_slug, a.name AS agency_name
        FROM feedback f LEFT JOIN datasets d ON d.id = f.dataset_id LEFT JOIN agencies a ON a.id = f.agency_id
        """

    func feedback(id: Int64) throws -> FeedbackRecord? {
        try one(PostgresQuery(unsafeSQL: Self.feedbackSelect + " WHERE f.id = $1", binds: binds(id)), "read feedback", Self.feedback)
    }

    func feedback(_ filter: FeedbackFilter) throws -> [FeedbackRecord] {
        var clauses = ["TRUE"]
        var b = PostgresBindings()
        if let answered = filter.answered { clauses.append(answered ? "f.answered_at IS NOT NULL" : "f.answered_at IS NULL") }
        if let slug = filter.datasetSlug { b.append(slug); clauses.append("d.slug = $\(b.count)") }
        if let agency = filter.agencyID { b.append(agency); clauses.append("f.agency_id = $\(b.count)") }
        return try all(PostgresQuery(unsafeSQL: Self.feedbackSelect + " WHERE \(clauses.joined(separator: " AND ")) ORDER BY f.id", binds: b),
                       "read feedback", Self.feedback)
    }

    static func feedback(_ r: PostgresRandomAccessRow) throws -> FeedbackRecord {
        FeedbackRecord(id: try r["id"].decode(Int64.self), datasetSlug: try r["slug"].decode(String?.self),
                       agencyID: try r["agency_id"].decode(Int64?.self), agencySlug: try r["agency_slug"].decode(String?.self),
                       agencyName: try r["agency_name"].decode(String?.self), category: try r["category"].decode(String.self),
                       message: try r["message"].decode(String.self), contactEmail: try r["contact_email"].decode(String?.self),
                       receivedAt: try Self.date(r["received_at"]), dueDay: try r["due_day"].decode(String.self),
                       answer: try r["answer"].decode(String?.self), answeredAt: try Self.optionalDate(r["answered_at"]))
    }

    func insertFeedback(_ f: NewFeedback) throws -> Int64 {
        try insert("""
            INSERT INTO feedback (dataset_id, agency_id, category, message, contact_email, received_at, due_day)
            VALUES (\(f.datasetID), \(f.agencyID), \(f.category), \(f.message), \(f.contactEmail), \(Self.stored(f.receivedAt)), \(f.dueDay))
            RETURNING id
            """, "record feedback")
    }

    func answerFeedback(id: Int64, answer: String, at: Date, accountID: Int64?) throws {
        try execute("""
            UPDATE feedback SET answer = \(answer), answered_at = \(Self.stored(at)), answered_by = \(accountID) WHERE id = \(id)
            """, "answer feedback")
    }

    // MARK: Compliance

    func listedDatasetDuties() throws -> [ListedDatasetDutyRecord] {
        try all("""
            SELECT d.id, d.slug, d.title, d.agency_id, c.update_frequency, c.added_at
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id WHERE d.agency_id IS NOT NULL ORDER BY d.id
            """, "read the catalogue") {
            ListedDatasetDutyRecord(datasetID: try $0["id"].decode(Int64.self), slug: try $0["slug"].decode(String.self),
                                    title: try $0["title"].decode(String.self), agencyID: try $0["agency_id"].decode(Int64.self),
                                    updateFrequency: try $0["update_frequency"].decode(String.self), addedAt: try Self.date($0["added_at"]))
        }
    }

    func publishedVersions() throws -> [PublishedVersionRecord] {
        try all("""
            SELECT dataset_id, number, published_at, feature_count FROM dataset_versions
            WHERE published_at IS NOT NULL AND status IN ('published', 'superseded') ORDER BY id
            """, "read the publications") {
            PublishedVersionRecord(datasetID: try $0["dataset_id"].decode(Int64.self), number: try $0["number"].decode(Int.self),
                                   publishedAt: try Self.date($0["published_at"]), featureCount: try $0["feature_count"].decode(Int?.self) ?? 0)
        }
    }

    func declaredChanges() throws -> [(datasetID: Int64, day: String)] {
        try all("SELECT dataset_id, changed_on FROM dataset_changes ORDER BY id", "read the declared changes") { r -> (datasetID: Int64, day: String) in
            (try r["dataset_id"].decode(Int64.self), try r["changed_on"].decode(String.self))
        }
    }
}
