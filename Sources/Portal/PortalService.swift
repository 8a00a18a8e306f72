// The Portal operations over the store. Every write checks `Permissions`, runs in one
// transaction with its audit-log entry (an action without its record cannot happen), and
// throws `PortalError` for anything the user can fix. Callers: App's routes and the CLI.
public import Foundation
public import GRDB
public import GeoStore
import PublicErrors

public final class PortalService: Sendable {
    public let db: any DatabaseWriter
    public let hasher: PasswordHasher
    /// Failed sign-ins, per (account, client) pair, per client and per account.
    public let loginThrottle: SignInThrottle
    /// Public feedback per client address.
    public let feedbackLimiter: RateLimiter
    public let sessionLifetime: TimeInterval
    /// The clock, injectable so deadline rules can be exercised at chosen instants.
    public let now: @Sendable () -> Date
    /// When API tokens were last used, written in batches.
    let tokenUses: TokenUses
    /// Where the portal's publications are announced: the store's, so whatever follows a
    /// publication (tile caches, the OGC collections, prepared downloads, backups) hears an
    /// approval, the Department's publication and the command line's alike.
    let publications: PublicationEvents

    /// The portal over `store`: its approvals publish through the store's one switch
    /// (`Store.publish`) and are announced on `store.publications`.
    public convenience init(store: Store, hasher: PasswordHasher = PasswordHasher(),
                            loginThrottle: SignInThrottle = SignInThrottle(),
                            feedbackLimiter: RateLimiter = RateLimiter(limit: 5, window: 3600),
                            sessionLifetime: TimeInterval = 12 * 3600,
                            now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(db: store.pool, publications: store.publications, hasher: hasher, loginThrottle: loginThrottle,
                  feedbackLimiter: feedbackLimiter, sessionLifetime: sessionLifetime, now: now)
    }

    /// Over a bare database holding the store's tables (the module's own tests). Not public: a
    /// portal built beside a store but not announcing on its `publications` would publish
    /// versions no cache hears of.
    init(db: any DatabaseWriter, publications: PublicationEvents = PublicationEvents(), hasher: PasswordHasher = PasswordHasher(),
         loginThrottle: SignInThrottle = SignInThrottle(),
         feedbackLimiter: RateLimiter = RateLimiter(limit: 5, window: 3600),
         sessionLifetime: TimeInterval = 12 * 3600,
         now: @escaping @Sendable () -> Date = { Date() }) {
        self.db = db; self.publications = publications; self.hasher = hasher; self.loginThrottle = loginThrottle
        self.feedbackLimiter = feedbackLimiter; self.sessionLifetime = sessionLifetime; self.now = now
        tokenUses = TokenUses(db: db)
    }

    /// The command line acts as the Department's system administrator (it already holds the
    /// store file); its audit entries say so.
    public static let commandLine = Actor(userID: 0, username: "command-line", role: .administrator, agencyID: nil)

    // MARK: - Audit

    public struct AuditEntry: Sendable, Codable, Equatable {
        public var id: Int64
        public var at: String
        public var username: String
        public var role: String
        public var action: String
        public var agency: String?
        public var dataset: String?
        public var versionNumber: Int?
        public var checksum: String?
        public var comment: String?
        public var detail: String?
    }

    func audit(_ db: Database, _ actor: Actor, _ action: String, agencyID: Int64? = nil, dataset: String? = nil,
               versionID: Int64? = nil, versionNumber: Int? = nil, checksum: String? = nil,
               comment: String? = nil, detail: String? = nil) throws {
        // Chained to the row before it and sealed in the same transaction (see `AuditChain`).
        try db.execute(sql: """
            INSERT INTO audit_log (at, user_id, username, role, action, agency_id, dataset_slug, version_id,
                                   version_number, checksum, comment, detail, prev_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(AuditChain.previousHashSQL))
            """, arguments: [stamp(now()), actor.userID == 0 ? nil : actor.userID, actor.username, actor.role.rawValue, action,
                             agencyID, dataset, versionID, versionNumber, checksum, comment, detail])
        try AuditChain.seal(db, rowID: db.lastInsertedRowID)
    }

    /// The whole log, oldest first (administrators only).
    public func auditLog(by actor: Actor, dataset: String? = nil, limit: Int = 10_000) throws -> [AuditEntry] {
        try Permissions.authorize(actor, .readAuditLog)
        return try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.*, a.slug AS agency_slug FROM audit_log l LEFT JOIN agencies a ON a.id = l.agency_id
                WHERE (? IS NULL OR l.dataset_slug = ?) ORDER BY l.id LIMIT ?
                """, arguments: [dataset, dataset, limit]).map { r in
                AuditEntry(id: r["id"], at: PortalCalendar.timestamp(r["at"] as Date), username: r["username"], role: r["role"],
                           action: r["action"], agency: r["agency_slug"], dataset: r["dataset_slug"],
                           versionNumber: r["version_number"], checksum: r["checksum"], comment: r["comment"], detail: r["detail"])
            }
        }
    }

    public static func auditCSV(_ entries: [AuditEntry]) -> String {
        var out = "id,at,username,role,action,agency,dataset,version,checksum,comment,detail\n"
        for e in entries {
            out += CSV.row([String(e.id), e.at, e.username, e.role, e.action, e.agency ?? "", e.dataset ?? "",
                            e.versionNumber.map(String.init) ?? "", e.checksum ?? "", e.comment ?? "", e.detail ?? ""])
        }
        return out
    }

    // MARK: - Lookups shared by the operations

    func agencyID(_ db: Database, slug: String) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM agencies WHERE slug = ?", arguments: [slug]) else {
            throw PortalError.notFound("portal.agency.notFound", ["agency": slug])
        }
        return id
    }

    struct DatasetRef { var id: Int64; var slug: String; var agencyID: Int64?; var currentVersionID: Int64? }

    func dataset(_ db: Database, slug: String) throws -> DatasetRef {
        guard let r = try Row.fetchOne(db, sql: "SELECT id, slug, agency_id, current_version_id FROM datasets WHERE slug = ?", arguments: [slug]) else {
            throw PortalError.notFound("portal.dataset.notInCatalogue", ["dataset": slug])
        }
        return DatasetRef(id: r["id"], slug: r["slug"], agencyID: r["agency_id"], currentVersionID: r["current_version_id"])
    }
}

extension PortalService {
    /// Timestamps as the store keeps them: ISO 8601 UTC with milliseconds, the same text GeoStore
    /// writes, so that SQL comparisons and every module's parser agree.
    public static func stamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }
    func stamp(_ d: Date) -> String { Self.stamp(d) }
}
