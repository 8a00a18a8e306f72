// Searching the audit log (Huế 2021 art. 11: who did what and when): by dataset, by user, by
// action, by a range of days in Vietnam, newest first and a page at a time, for the
// administration pages; the same filter without pages for the CSV export.
public import Foundation
import GRDB
import PublicErrors

/// What to look for in the audit log. Empty or nil members do not filter.
public struct AuditQuery: Sendable, Equatable {
    /// The dataset's slug, exactly.
    public var dataset: String?
    /// The username, exactly (letters in any case).
    public var user: String?
    /// The action (`approve`, `catalogue.add`…), or its family: `catalogue` finds `catalogue.*`.
    public var action: String?
    /// The first and last civil days in Vietnam, both included (`yyyy-MM-dd`).
    public var from: String?
    public var to: String?
    /// 1-based.
    public var page: Int
    public var pageSize: Int

    public static let defaultPageSize = 50

    public init(dataset: String? = nil, user: String? = nil, action: String? = nil, from: String? = nil, to: String? = nil,
                page: Int = 1, pageSize: Int = AuditQuery.defaultPageSize) {
        func clean(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespaces), !t.isEmpty else { return nil }
            return t
        }
        self.dataset = clean(dataset); self.user = clean(user); self.action = clean(action)
        self.from = clean(from); self.to = clean(to)
        self.page = max(1, page); self.pageSize = min(max(1, pageSize), 500)
    }
}

/// One page of matching entries, newest first, and how many match in all.
public struct AuditPage: Sendable, Equatable {
    public var entries: [PortalService.AuditEntry]
    public var total: Int
    public var page: Int
    public var pageSize: Int
    public var pageCount: Int { max(1, (total + pageSize - 1) / pageSize) }
}

extension PortalService {
    /// The entries matching `query`, a page of them, newest first (administrators only).
    public func searchAuditLog(_ query: AuditQuery, by actor: Actor) throws -> AuditPage {
        try Permissions.authorize(actor, .readAuditLog)
        let (whereSQL, arguments) = try Self.auditFilter(query)
        return try db.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log l WHERE \(whereSQL)", arguments: arguments) ?? 0
            var args = arguments
            args += [query.pageSize, (query.page - 1) * query.pageSize]
            let entries = try Row.fetchAll(db, sql: """
                SELECT l.*, a.slug AS agency_slug FROM audit_log l LEFT JOIN agencies a ON a.id = l.agency_id
                WHERE \(whereSQL) ORDER BY l.id DESC LIMIT ? OFFSET ?
                """, arguments: args).map(Self.auditEntry)
            return AuditPage(entries: entries, total: total, page: query.page, pageSize: query.pageSize)
        }
    }

    /// Every entry matching `query` (its page ignored), oldest first, for the CSV export.
    public func exportAuditLog(_ query: AuditQuery, by actor: Actor, limit: Int = 100_000) throws -> [AuditEntry] {
        try Permissions.authorize(actor, .readAuditLog)
        let (whereSQL, arguments) = try Self.auditFilter(query)
        return try db.read { db in
            var args = arguments
            args += [limit]
            return try Row.fetchAll(db, sql: """
                SELECT l.*, a.slug AS agency_slug FROM audit_log l LEFT JOIN agencies a ON a.id = l.agency_id
                WHERE \(whereSQL) ORDER BY l.id LIMIT ?
                """, arguments: args).map(Self.auditEntry)
        }
    }

    /// The distinct actions logged so far, for the search form's choices.
    public func auditActions(by actor: Actor) throws -> [String] {
        try Permissions.authorize(actor, .readAuditLog)
        return try db.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT action FROM audit_log ORDER BY action") }
    }

    static func auditEntry(_ r: Row) -> AuditEntry {
        AuditEntry(id: r["id"], at: PortalCalendar.timestamp(r["at"] as Date), username: r["username"], role: r["role"],
                   action: r["action"], agency: r["agency_slug"], dataset: r["dataset_slug"],
                   versionNumber: r["version_number"], checksum: r["checksum"], comment: r["comment"], detail: r["detail"])
    }

    /// The WHERE clause of `query` over `audit_log l`, with its arguments; days are checked.
    static func auditFilter(_ query: AuditQuery) throws -> (String, StatementArguments) {
        var clauses = ["1"]
        var arguments: StatementArguments = []
        if let d = query.dataset { clauses.append("l.dataset_slug = ?"); arguments += [d] }
        if let u = query.user { clauses.append("l.username = ? COLLATE NOCASE"); arguments += [u] }
        if let a = query.action {
            clauses.append("(l.action = ? OR l.action LIKE ? ESCAPE '\\')")
            let escaped = a.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            arguments += [a, escaped + ".%"]
        }
        if let f = query.from {
            guard let start = day(f) else { throw PortalError.invalid("portal.audit.day", ["value": f]) }
            clauses.append("l.at >= ?"); arguments += [stamp(start)]
        }
        if let t = query.to {
            guard let end = day(t) else { throw PortalError.invalid("portal.audit.day", ["value": t]) }
            clauses.append("l.at < ?"); arguments += [stamp(PortalCalendar.startOfDay(end, plusDays: 1))]
        }
        return (clauses.joined(separator: " AND "), arguments)
    }

    /// The start, in Vietnam, of the civil day `yyyy-MM-dd`; nil when it is not such a day.
    public static func day(_ text: String?) -> Date? {
        guard let text else { return nil }
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1970...9999).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let date = PortalCalendar.startOfDay(year: y, month: m, day: d)
        // 31 February rolls over into March: not a day.
        return PortalCalendar.dayString(date) == text ? date : nil
    }
}
