// The Portal operations over the store. Every write checks `Permissions`, runs in one
// transaction with its audit-log entry (an action without its record cannot happen), and
// throws `PortalError` for anything the user can fix. Callers: App's routes and the CLI.
// The rules live here; the records and their SQL live in GeoStore (`PortalStore`).
public import Foundation
public import GeoStore
import PublicErrors

public final class PortalService: Sendable {
    /// The portal's records: each action is one `records.write { tx in … }`.
    let records: any PortalStore
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

    /// The portal over `store` (either engine): its records through `PortalStore`, its
    /// approvals publishing through the store's one switch, announced on `store.publications`.
    public init(store: any PortalStore & CurrentVersions, hasher: PasswordHasher = PasswordHasher(),
                loginThrottle: SignInThrottle = SignInThrottle(),
                feedbackLimiter: RateLimiter = RateLimiter(limit: 5, window: 3600),
                sessionLifetime: TimeInterval = 12 * 3600,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.records = store; self.publications = store.publications; self.hasher = hasher
        self.loginThrottle = loginThrottle; self.feedbackLimiter = feedbackLimiter; self.sessionLifetime = sessionLifetime
        self.now = now
        tokenUses = TokenUses(records: store)
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

    /// Appends `action` to the audit log in the transaction `tx` (chained and sealed by the store).
    func audit(_ tx: any PortalTransaction, _ actor: Actor, _ action: String, agencyID: Int64? = nil, dataset: String? = nil,
               versionID: Int64? = nil, versionNumber: Int? = nil, checksum: String? = nil,
               comment: String? = nil, detail: String? = nil) throws {
        try tx.appendAudit(AuditAction(at: now(), userID: actor.userID == 0 ? nil : actor.userID, username: actor.username,
                                       role: actor.role.rawValue, action: action, agencyID: agencyID, datasetSlug: dataset,
                                       versionID: versionID, versionNumber: versionNumber, checksum: checksum,
                                       comment: comment, detail: detail))
    }

    /// The whole log, oldest first (administrators only).
    public func auditLog(by actor: Actor, dataset: String? = nil, limit: Int = 10_000) throws -> [AuditEntry] {
        try Permissions.authorize(actor, .readAuditLog)
        return try records.read { tx in try tx.auditLog(dataset: dataset, versionID: nil, limit: limit).map(AuditEntry.init) }
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

    func agencyID(_ tx: any PortalReading, slug: String) throws -> Int64 {
        guard let agency = try tx.agency(slug: slug) else {
            throw PortalError.notFound("portal.agency.notFound", ["agency": slug])
        }
        return agency.id
    }

    func dataset(_ tx: any PortalReading, slug: String) throws -> DatasetRef {
        guard let ref = try tx.dataset(slug: slug) else {
            throw PortalError.notFound("portal.dataset.notInCatalogue", ["dataset": slug])
        }
        return ref
    }
}

extension PortalService.AuditEntry {
    init(_ r: AuditRecord) {
        self.init(id: r.id, at: PortalCalendar.timestamp(r.at), username: r.username, role: r.role, action: r.action,
                  agency: r.agencySlug, dataset: r.datasetSlug, versionNumber: r.versionNumber, checksum: r.checksum,
                  comment: r.comment, detail: r.detail)
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
