// Searching the audit log (Huế 2021 art. 11: who did what and when): by dataset, by user, by
// action, by a range of days in Vietnam, newest first and a page at a time, for the
// administration pages; the same filter without pages for the CSV export.
public import Foundation
import GeoStore
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
        let filter = try Self.auditFilter(query)
        return try records.read { tx in
            let total = try tx.auditCount(filter)
            let entries = try tx.auditSearch(filter, newestFirst: true, limit: query.pageSize,
                                             offset: (query.page - 1) * query.pageSize).map(AuditEntry.init)
            return AuditPage(entries: entries, total: total, page: query.page, pageSize: query.pageSize)
        }
    }

    /// Every entry matching `query` (its page ignored), oldest first, for the CSV export.
    public func exportAuditLog(_ query: AuditQuery, by actor: Actor, limit: Int = 100_000) throws -> [AuditEntry] {
        try Permissions.authorize(actor, .readAuditLog)
        let filter = try Self.auditFilter(query)
        return try records.read { tx in
            try tx.auditSearch(filter, newestFirst: false, limit: limit, offset: 0).map(AuditEntry.init)
        }
    }

    /// The distinct actions logged so far, for the search form's choices.
    public func auditActions(by actor: Actor) throws -> [String] {
        try Permissions.authorize(actor, .readAuditLog)
        return try records.read { tx in try tx.auditActions() }
    }

    /// `query` as the store's filter: its days, in Vietnam, checked and turned into instants.
    static func auditFilter(_ query: AuditQuery) throws -> AuditFilter {
        var filter = AuditFilter(dataset: query.dataset, username: query.user, action: query.action)
        if let f = query.from {
            guard let start = day(f) else { throw PortalError.invalid("portal.audit.day", ["value": f]) }
            filter.from = start
        }
        if let t = query.to {
            guard let end = day(t) else { throw PortalError.invalid("portal.audit.day", ["value": t]) }
            filter.before = PortalCalendar.startOfDay(end, plusDays: 1)
        }
        return filter
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
