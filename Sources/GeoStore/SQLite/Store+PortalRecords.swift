// The portal's records on SQLite: `PortalStore` over the store's GRDB pool. The SQL that was
// spread over Portal's files lives here, one statement per record operation (issue 21).
// Timestamps are written as `Timestamp.format` text, as the portal always wrote them.
public import GRDB
public import Foundation

extension Store: PortalStore {
    public func read<T>(_ body: (any PortalReading) throws -> T) throws -> T {
        try pool.read { db in try body(SQLitePortalTransaction(db)) }
    }

    public func write<T>(_ body: (any PortalTransaction) throws -> T) throws -> T {
        try pool.write { db in try body(SQLitePortalTransaction(db)) }
    }
}

/// A portal transaction on one SQLite connection, inside GRDB's `read` or `write`. The
/// open-data list's, the workflow's and the harvest's operations are in `Store+PortalOpenDataList`,
/// `Store+PortalWorkflow` and `Store+PortalHarvest`.
public struct SQLitePortalTransaction: PortalTransaction {
    public let db: Database

    public init(_ db: Database) { self.db = db }

    // MARK: Agencies and datasets

    public func agency(slug: String) throws -> AgencyRecord? {
        try Row.fetchOne(db, sql: "SELECT id, slug, name FROM agencies WHERE slug = ?", arguments: [slug]).map(Self.agency)
    }

    public func agency(id: Int64) throws -> AgencyRecord? {
        try Row.fetchOne(db, sql: "SELECT id, slug, name FROM agencies WHERE id = ?", arguments: [id]).map(Self.agency)
    }

    public func agencies() throws -> [AgencyRecord] {
        try Row.fetchAll(db, sql: "SELECT id, slug, name FROM agencies ORDER BY slug").map(Self.agency)
    }

    static func agency(_ r: Row) -> AgencyRecord { AgencyRecord(id: r["id"], slug: r["slug"], name: r["name"]) }

    public func dataset(slug: String) throws -> DatasetRef? {
        try Row.fetchOne(db, sql: "SELECT id, slug, agency_id, current_version_id FROM datasets WHERE slug = ?", arguments: [slug]).map {
            DatasetRef(id: $0["id"], slug: $0["slug"], agencyID: $0["agency_id"], currentVersionID: $0["current_version_id"])
        }
    }

    public func version(dataset: String, number: Int) throws -> VersionRef? {
        try Row.fetchOne(db, sql: """
            SELECT v.id, v.dataset_id, v.number, v.status, v.checksum, d.slug, d.agency_id, d.current_version_id
            FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE d.slug = ? AND v.number = ?
            """, arguments: [dataset, number]).map {
            VersionRef(id: $0["id"], datasetID: $0["dataset_id"], datasetSlug: $0["slug"], agencyID: $0["agency_id"],
                       number: $0["number"], status: $0["status"], checksum: $0["checksum"], currentVersionID: $0["current_version_id"])
        }
    }

    public func insertAgency(slug: String, name: String) throws -> Int64 {
        try unique(.agency, slug) {
            try db.execute(sql: "INSERT INTO agencies (slug, name) VALUES (?, ?)", arguments: [slug, name])
        }
        return db.lastInsertedRowID
    }

    // MARK: Accounts

    static let accountSelect = "SELECT u.*, a.slug AS agency_slug FROM users u LEFT JOIN agencies a ON a.id = u.agency_id"

    public func account(username: String) throws -> AccountRecord? {
        try Row.fetchOne(db, sql: Self.accountSelect + " WHERE u.username = ?", arguments: [username]).map(Self.account)
    }

    public func account(id: Int64) throws -> AccountRecord? {
        try Row.fetchOne(db, sql: Self.accountSelect + " WHERE u.id = ?", arguments: [id]).map(Self.account)
    }

    public func accounts(agencySlug: String?) throws -> [AccountRecord] {
        try Row.fetchAll(db, sql: Self.accountSelect + " WHERE (? IS NULL OR a.slug = ?) ORDER BY u.username",
                         arguments: [agencySlug, agencySlug]).map(Self.account)
    }

    static func account(_ r: Row) -> AccountRecord {
        AccountRecord(id: r["id"], username: r["username"], displayName: r["display_name"], role: r["role"],
                      agencyID: r["agency_id"], agencySlug: r["agency_slug"], passwordHash: r["password_hash"],
                      disabled: r["disabled"])
    }

    public func insertAccount(_ a: NewAccount) throws -> Int64 {
        try unique(.account, a.username) {
            try db.execute(sql: """
                INSERT INTO users (username, display_name, role, agency_id, password_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [a.username, a.displayName, a.role, a.agencyID, a.passwordHash,
                                 Timestamp.format(a.at), Timestamp.format(a.at)])
        }
        return db.lastInsertedRowID
    }

    public func setDisabled(accountID: Int64, _ disabled: Bool, at: Date) throws {
        try db.execute(sql: "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
                       arguments: [disabled, Timestamp.format(at), accountID])
    }

    public func setPasswordHash(accountID: Int64, _ hash: String?, at: Date) throws {
        try db.execute(sql: "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
                       arguments: [hash, Timestamp.format(at), accountID])
    }

    // MARK: Tokens

    public func liveToken(digest: String) throws -> (token: AuthTokenRecord, account: AccountRecord)? {
        guard let r = try Row.fetchOne(db, sql: """
            SELECT t.id AS token_id, t.kind AS token_kind, t.name AS token_name, t.created_at AS token_created_at,
                   t.expires_at AS token_expires_at, t.last_used_at AS token_last_used_at, u.*, a.slug AS agency_slug
            FROM auth_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN agencies a ON a.id = u.agency_id
            WHERE t.digest = ? AND t.revoked_at IS NULL
            """, arguments: [digest]) else { return nil }
        let token = AuthTokenRecord(id: r["token_id"], accountID: r["id"], kind: TokenKind(rawValue: r["token_kind"]) ?? .session,
                                    name: r["token_name"], createdAt: r["token_created_at"], expiresAt: r["token_expires_at"],
                                    lastUsedAt: r["token_last_used_at"], revoked: false)
        return (token, Self.account(r))
    }

    public func apiToken(id: Int64) throws -> AuthTokenRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM auth_tokens WHERE id = ? AND kind = 'api'", arguments: [id]).map(Self.token)
    }

    public func apiTokens(accountID: Int64) throws -> [AuthTokenRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM auth_tokens WHERE user_id = ? AND kind = 'api' ORDER BY id",
                         arguments: [accountID]).map(Self.token)
    }

    static func token(_ r: Row) -> AuthTokenRecord {
        AuthTokenRecord(id: r["id"], accountID: r["user_id"], kind: TokenKind(rawValue: r["kind"]) ?? .session, name: r["name"],
                        createdAt: r["created_at"], expiresAt: r["expires_at"], lastUsedAt: r["last_used_at"],
                        revoked: r["revoked_at"] != nil)
    }

    public func insertToken(_ t: NewToken) throws -> Int64 {
        try db.execute(sql: "INSERT INTO auth_tokens (user_id, kind, digest, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [t.accountID, t.kind.rawValue, t.digest, t.name, Timestamp.format(t.createdAt),
                                   t.expiresAt.map(Timestamp.format)])
        return db.lastInsertedRowID
    }

    public func revokeTokens(accountID: Int64, _ which: TokenSelection, at: Date) throws {
        let live = "UPDATE auth_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
        let t = Timestamp.format(at)
        switch which {
        case .all:
            try db.execute(sql: live, arguments: [t, accountID])
        case .sessions:
            try db.execute(sql: live + " AND kind = 'session'", arguments: [t, accountID])
        case .passwordSessions:
            try db.execute(sql: live + " AND kind = 'session' AND id NOT IN (SELECT token_id FROM signon_sessions)",
                           arguments: [t, accountID])
        case .signOnSessions(let issuer):
            try db.execute(sql: live + " AND id IN (SELECT token_id FROM signon_sessions WHERE issuer = ?)",
                           arguments: [t, accountID, issuer])
        }
    }

    public func revokeToken(digest: String, at: Date) throws {
        try db.execute(sql: "UPDATE auth_tokens SET revoked_at = ? WHERE digest = ? AND revoked_at IS NULL",
                       arguments: [Timestamp.format(at), digest])
    }

    public func revokeToken(id: Int64, at: Date) throws {
        try db.execute(sql: "UPDATE auth_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                       arguments: [Timestamp.format(at), id])
    }

    public func noteTokenUses(_ uses: [Int64: Date]) throws {
        for (id, date) in uses {
            let t = Timestamp.format(date)
            try db.execute(sql: "UPDATE auth_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
                           arguments: [t, id, t])
        }
    }

    // MARK: Identities

    static let identitySelect = """
        SELECT i.*, u.username, u.password_hash IS NOT NULL AS has_password
        FROM user_identities i JOIN users u ON u.id = i.user_id
        """

    public func identity(id: Int64) throws -> IdentityRecord? {
        try Row.fetchOne(db, sql: Self.identitySelect + " WHERE i.id = ?", arguments: [id]).map(Self.identity)
    }

    public func identity(issuer: String, subject: String) throws -> IdentityRecord? {
        try Row.fetchOne(db, sql: Self.identitySelect + " WHERE i.issuer = ? AND i.subject = ?",
                         arguments: [issuer, subject]).map(Self.identity)
    }

    public func waitingIdentity(issuer: String, email: String) throws -> IdentityRecord? {
        try Row.fetchOne(db, sql: Self.identitySelect + " WHERE i.issuer = ? AND i.subject IS NULL AND i.email = ?",
                         arguments: [issuer, email]).map(Self.identity)
    }

    public func identities() throws -> [IdentityRecord] {
        try Row.fetchAll(db, sql: Self.identitySelect + " ORDER BY u.username, i.id").map(Self.identity)
    }

    static func identity(_ r: Row) -> IdentityRecord {
        IdentityRecord(id: r["id"], accountID: r["user_id"], username: r["username"], issuer: r["issuer"], subject: r["subject"],
                       email: r["email"], lastSignedInAt: r["last_signed_in_at"], accountHasPassword: r["has_password"])
    }

    public func insertIdentity(accountID: Int64, issuer: String, subject: String?, email: String?, at: Date) throws -> Int64 {
        let t = Timestamp.format(at)
        try unique(.identity, "\(issuer) \(subject ?? email ?? "")") {
            try db.execute(sql: """
                INSERT INTO user_identities (user_id, issuer, subject, email, created_at, linked_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [accountID, issuer, subject, email, t, subject == nil ? nil : t])
        }
        return db.lastInsertedRowID
    }

    public func setIdentitySubject(id: Int64, subject: String, at: Date) throws {
        try db.execute(sql: "UPDATE user_identities SET subject = ?, linked_at = ? WHERE id = ?",
                       arguments: [subject, Timestamp.format(at), id])
    }

    public func noteSignIn(identityID: Int64, at: Date) throws {
        try db.execute(sql: "UPDATE user_identities SET last_signed_in_at = ? WHERE id = ?", arguments: [Timestamp.format(at), identityID])
    }

    public func deleteIdentity(id: Int64) throws {
        try db.execute(sql: "DELETE FROM user_identities WHERE id = ?", arguments: [id])
    }

    public func signOnSession(digest: String) throws -> (issuer: String, idToken: String)? {
        try Row.fetchOne(db, sql: """
            SELECT s.issuer, s.id_token FROM signon_sessions s JOIN auth_tokens t ON t.id = s.token_id WHERE t.digest = ?
            """, arguments: [digest]).map { r -> (issuer: String, idToken: String) in (r["issuer"], r["id_token"]) }
    }

    public func insertSignOnSession(tokenID: Int64, issuer: String, idToken: String) throws {
        try db.execute(sql: "INSERT INTO signon_sessions (token_id, issuer, id_token) VALUES (?, ?, ?)",
                       arguments: [tokenID, issuer, idToken])
    }

    // MARK: Audit log

    static let auditSelect = "SELECT l.*, a.slug AS agency_slug FROM audit_log l LEFT JOIN agencies a ON a.id = l.agency_id"

    public func auditLog(dataset: String?, versionID: Int64?, limit: Int) throws -> [AuditRecord] {
        try Row.fetchAll(db, sql: Self.auditSelect + """
             WHERE (? IS NULL OR l.dataset_slug = ?) AND (? IS NULL OR l.version_id = ?) ORDER BY l.id LIMIT ?
            """, arguments: [dataset, dataset, versionID, versionID, limit]).map(Self.audit)
    }

    public func auditCount(_ filter: AuditFilter) throws -> Int {
        let (whereSQL, arguments) = Self.auditWhere(filter)
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log l WHERE \(whereSQL)", arguments: arguments) ?? 0
    }

    public func auditSearch(_ filter: AuditFilter, newestFirst: Bool, limit: Int, offset: Int) throws -> [AuditRecord] {
        let (whereSQL, arguments) = Self.auditWhere(filter)
        return try Row.fetchAll(db, sql: Self.auditSelect + """
             WHERE \(whereSQL) ORDER BY l.id \(newestFirst ? "DESC" : "") LIMIT ? OFFSET ?
            """, arguments: arguments + [limit, offset]).map(Self.audit)
    }

    public func auditActions() throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT action FROM audit_log ORDER BY action")
    }

    /// `filter` as a WHERE clause over `audit_log l`, with its arguments.
    static func auditWhere(_ filter: AuditFilter) -> (String, StatementArguments) {
        var clauses = ["1"]
        var arguments: StatementArguments = []
        if let d = filter.dataset { clauses.append("l.dataset_slug = ?"); arguments += [d] }
        if let u = filter.username { clauses.append("l.username = ? COLLATE NOCASE"); arguments += [u] }
        if let a = filter.action {
            // The family `a` is `a.` and anything: LIKE's wildcards in `a` itself match only themselves.
            clauses.append("(l.action = ? OR l.action LIKE ? ESCAPE '\\')")
            let escaped = a.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            arguments += [a, escaped + ".%"]
        }
        if let f = filter.from { clauses.append("l.at >= ?"); arguments += [Timestamp.format(f)] }
        if let b = filter.before { clauses.append("l.at < ?"); arguments += [Timestamp.format(b)] }
        return (clauses.joined(separator: " AND "), arguments)
    }

    static func audit(_ r: Row) -> AuditRecord {
        AuditRecord(id: r["id"], at: r["at"], username: r["username"], role: r["role"], action: r["action"],
                    agencySlug: r["agency_slug"], datasetSlug: r["dataset_slug"], versionNumber: r["version_number"],
                    checksum: r["checksum"], comment: r["comment"], detail: r["detail"])
    }

    @discardableResult
    public func appendAudit(_ e: AuditAction) throws -> Int64 {
        // Chained to the row before it and sealed in the same transaction (see `AuditChain`).
        try db.execute(sql: """
            INSERT INTO audit_log (at, user_id, username, role, action, agency_id, dataset_slug, version_id,
                                   version_number, checksum, comment, detail, prev_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(AuditChain.previousHashSQL))
            """, arguments: [Timestamp.format(e.at), e.userID, e.username, e.role, e.action, e.agencyID, e.datasetSlug,
                             e.versionID, e.versionNumber, e.checksum, e.comment, e.detail])
        let id = db.lastInsertedRowID
        try AuditChain.seal(db, rowID: id)
        return id
    }

    public func publish(versionID: Int64, at: Date) throws -> Publication {
        try Store.publish(db, versionID: versionID, at: at)
    }

    // MARK: Feedback

    static let feedbackSelect = """
        SELECT f.*, d.slug, a.slug AS agency_slug, a.name AS agency_name FROM feedback f
        LEFT JOIN datasets d ON d.id = f.dataset_id LEFT JOIN agencies a ON a.id = f.agency_id
        """

    public func feedback(id: Int64) throws -> FeedbackRecord? {
        try Row.fetchOne(db, sql: Self.feedbackSelect + " WHERE f.id = ?", arguments: [id]).map(Self.feedback)
    }

    public func feedback(_ filter: FeedbackFilter) throws -> [FeedbackRecord] {
        try Row.fetchAll(db, sql: Self.feedbackSelect + """
             WHERE (? IS NULL OR (f.answered_at IS NOT NULL) = ?) AND (? IS NULL OR d.slug = ?) AND (? IS NULL OR f.agency_id = ?)
            ORDER BY f.id
            """, arguments: [filter.answered, filter.answered, filter.datasetSlug, filter.datasetSlug,
                             filter.agencyID, filter.agencyID]).map(Self.feedback)
    }

    static func feedback(_ r: Row) -> FeedbackRecord {
        FeedbackRecord(id: r["id"], datasetSlug: r["slug"], agencyID: r["agency_id"], agencySlug: r["agency_slug"],
                       agencyName: r["agency_name"], category: r["category"], message: r["message"],
                       contactEmail: r["contact_email"], receivedAt: r["received_at"], dueDay: r["due_day"],
                       answer: r["answer"], answeredAt: r["answered_at"])
    }

    public func insertFeedback(_ f: NewFeedback) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO feedback (dataset_id, agency_id, category, message, contact_email, received_at, due_day)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [f.datasetID, f.agencyID, f.category, f.message, f.contactEmail, Timestamp.format(f.receivedAt), f.dueDay])
        return db.lastInsertedRowID
    }

    public func answerFeedback(id: Int64, answer: String, at: Date, accountID: Int64?) throws {
        try db.execute(sql: "UPDATE feedback SET answer = ?, answered_at = ?, answered_by = ? WHERE id = ?",
                       arguments: [answer, Timestamp.format(at), accountID, id])
    }

    // MARK: Compliance

    public func listedDatasetDuties() throws -> [ListedDatasetDutyRecord] {
        try Row.fetchAll(db, sql: """
            SELECT d.id, d.slug, d.title, d.agency_id, c.update_frequency, c.added_at
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id WHERE d.agency_id IS NOT NULL ORDER BY d.id
            """).map {
            ListedDatasetDutyRecord(datasetID: $0["id"], slug: $0["slug"], title: $0["title"], agencyID: $0["agency_id"],
                                    updateFrequency: $0["update_frequency"], addedAt: $0["added_at"])
        }
    }

    public func publishedVersions() throws -> [PublishedVersionRecord] {
        try Row.fetchAll(db, sql: """
            SELECT dataset_id, number, published_at, feature_count FROM dataset_versions
            WHERE published_at IS NOT NULL AND status IN ('published', 'superseded') ORDER BY id
            """).map {
            PublishedVersionRecord(datasetID: $0["dataset_id"], number: $0["number"], publishedAt: $0["published_at"],
                                   featureCount: $0["feature_count"] ?? 0)
        }
    }

    public func declaredChanges() throws -> [(datasetID: Int64, day: String)] {
        try Row.fetchAll(db, sql: "SELECT dataset_id, changed_on FROM dataset_changes ORDER BY id").map { ($0["dataset_id"], $0["changed_on"]) }
    }

    // MARK: -

    /// Runs an insert, turning SQLite's unique-constraint failure into `PortalNameTaken`.
    private func unique(_ kind: PortalNameTaken.Kind, _ name: String, _ insert: () throws -> Void) throws {
        do {
            try insert()
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw PortalNameTaken(kind: kind, name: name)
        }
    }
}
