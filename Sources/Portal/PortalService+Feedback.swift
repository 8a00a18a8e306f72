// Public feedback: received without an account, routed to the owning agency (requests for new
// data to the Department), answered within 10 days; answers are public, contact addresses never.
import Foundation
import GRDB
import PublicErrors

public struct FeedbackReceipt: Sendable, Codable, Equatable {
    public var id: Int64
    public var routedTo: String
    /// The agency that answers, by name; nil when the Department does (requests for new data).
    public var agency: String?
    public var dueDay: String
}

/// What everyone sees: no contact address.
public struct PublicFeedback: Sendable, Codable, Equatable {
    public var id: Int64
    public var dataset: String?
    public var category: FeedbackCategory
    public var message: String
    public var receivedAt: String
    /// The last day an answer is on time (`yyyy-MM-dd`, Vietnam).
    public var dueDay: String
    public var answer: String?
    public var answeredAt: String?
    /// Answered after the due day.
    public var late: Bool
}

/// How the public's feedback is being handled, for everyone to see: how many items came in,
/// were answered (on time or late), and wait for an answer (still in time or overdue).
public struct FeedbackSummary: Sendable, Codable, Equatable {
    public var received: Int
    public var answered: Int
    public var answeredLate: Int
    public var waiting: Int
    public var overdue: Int
}

/// What the handling agency sees.
public struct FeedbackItem: Sendable, Codable, Equatable {
    public var id: Int64
    public var dataset: String?
    public var agency: String?
    public var category: FeedbackCategory
    public var message: String
    public var contactEmail: String?
    public var receivedAt: String
    public var dueDay: String
    public var answer: String?
    public var answeredAt: String?
    public var overdue: Bool
}

extension PortalService {
    /// `client` is the sender's address, used only for rate limiting (never stored).
    public func submitFeedback(_ submission: FeedbackSubmission, client: String) throws -> FeedbackReceipt {
        let s = try submission.validated()
        try feedbackLimiter.acquire(client, now: now())
        let received = now()
        return try db.write { db in
            var datasetID: Int64? = nil, agencyID: Int64? = nil, routedTo = "the Department of Information and Communications"
            var agencyName: String? = nil
            if let slug = s.datasetSlug {
                let ref = try self.dataset(db, slug: slug)
                datasetID = ref.id
                if s.category != .requestData || ref.agencyID != nil {
                    agencyID = ref.agencyID
                    if let a = ref.agencyID, let name = try String.fetchOne(db, sql: "SELECT name FROM agencies WHERE id = ?", arguments: [a]) {
                        routedTo = name
                        agencyName = name
                    }
                }
            }
            let due = FeedbackDeadline.dueDay(receivedAt: received)
            try db.execute(sql: """
                INSERT INTO feedback (dataset_id, agency_id, category, message, contact_email, received_at, due_day)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [datasetID, agencyID, s.category.rawValue, s.message, s.contactEmail, stamp(received), due])
            return FeedbackReceipt(id: db.lastInsertedRowID, routedTo: routedTo, agency: agencyName, dueDay: due)
        }
    }

    public func answerFeedback(id: Int64, answer: String, by actor: Actor) throws -> FeedbackItem {
        let answer = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !answer.isEmpty else { throw PortalError.invalid("portal.feedback.answerEmpty") }
        try db.write { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT agency_id, answered_at FROM feedback WHERE id = ?", arguments: [id]) else {
                throw PortalError.notFound("portal.feedback.notFound", ["id": String(id)])
            }
            try Permissions.authorize(actor, .answerFeedback(agencyID: r["agency_id"]))
            if r["answered_at"] != nil { throw PortalError.conflict("portal.feedback.answered", ["id": String(id)]) }
            try db.execute(sql: "UPDATE feedback SET answer = ?, answered_at = ?, answered_by = ? WHERE id = ?",
                           arguments: [answer, stamp(now()), actor.userID == 0 ? nil : actor.userID, id])
            try audit(db, actor, "feedback.answer", agencyID: r["agency_id"], detail: "feedback \(id)")
        }
        guard let item = try feedbackQueue(by: actor, includeAnswered: true).first(where: { $0.id == id }) else {
            throw PortalError.notFound("portal.feedback.notFound", ["id": String(id)])
        }
        return item
    }

    /// Answered feedback, public, on one dataset or (nil) all.
    public func publicFeedback(dataset: String?) throws -> [PublicFeedback] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT f.*, d.slug FROM feedback f LEFT JOIN datasets d ON d.id = f.dataset_id
                WHERE f.answered_at IS NOT NULL AND (? IS NULL OR d.slug = ?) ORDER BY f.id
                """, arguments: [dataset, dataset]).map { r in
                let received: Date = r["received_at"]
                let answered: Date? = r["answered_at"]
                return PublicFeedback(id: r["id"], dataset: r["slug"], category: FeedbackCategory(rawValue: r["category"]) ?? .quality,
                                      message: r["message"], receivedAt: PortalCalendar.timestamp(received), dueDay: r["due_day"],
                                      answer: r["answer"], answeredAt: answered.map(PortalCalendar.timestamp),
                                      late: FeedbackDeadline.isOverdue(receivedAt: received, answeredAt: answered, now: answered ?? now()))
            }
        }
    }

    /// The receipt of item `id` (who answers it and by when), for the page a sender returns to
    /// after sending: neither the message nor the address. Nil when there is no such item.
    public func feedbackReceipt(id: Int64) throws -> FeedbackReceipt? {
        try db.read { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT f.id, f.due_day, a.name FROM feedback f LEFT JOIN agencies a ON a.id = f.agency_id WHERE f.id = ?
                """, arguments: [id]) else { return nil }
            let agency: String? = r["name"]
            return FeedbackReceipt(id: r["id"], routedTo: agency ?? "the Department of Information and Communications", agency: agency,
                                   dueDay: r["due_day"])
        }
    }

    /// Counts of every item received (answered or not), for the public feedback and statistics pages.
    public func feedbackSummary() throws -> FeedbackSummary {
        let t = now()
        return try db.read { db in
            var s = FeedbackSummary(received: 0, answered: 0, answeredLate: 0, waiting: 0, overdue: 0)
            for r in try Row.fetchAll(db, sql: "SELECT received_at, answered_at FROM feedback") {
                let received: Date = r["received_at"]
                let answered: Date? = r["answered_at"]
                let late = FeedbackDeadline.isOverdue(receivedAt: received, answeredAt: answered, now: t)
                s.received += 1
                if answered != nil { s.answered += 1; if late { s.answeredLate += 1 } }
                else { s.waiting += 1; if late { s.overdue += 1 } }
            }
            return s
        }
    }

    /// The items `actor` handles: an agency's users their agency's, administrators everything.
    public func feedbackQueue(by actor: Actor, includeAnswered: Bool = false, overdueOnly: Bool = false) throws -> [FeedbackItem] {
        if let a = actor.agencyID { try Permissions.authorize(actor, .viewFeedbackQueue(agencyID: a)) }
        else { try Permissions.authorize(actor, .viewFeedbackQueue(agencyID: nil)) }
        let t = now()
        return try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT f.*, d.slug, a.slug AS agency_slug FROM feedback f
                LEFT JOIN datasets d ON d.id = f.dataset_id LEFT JOIN agencies a ON a.id = f.agency_id
                WHERE (? OR f.agency_id = ?) AND (? OR f.answered_at IS NULL) ORDER BY f.received_at
                """, arguments: [actor.role == .administrator, actor.agencyID, includeAnswered]).map { r -> FeedbackItem in
                let received: Date = r["received_at"]
                let answered: Date? = r["answered_at"]
                return FeedbackItem(id: r["id"], dataset: r["slug"], agency: r["agency_slug"],
                                    category: FeedbackCategory(rawValue: r["category"]) ?? .quality, message: r["message"],
                                    contactEmail: r["contact_email"], receivedAt: PortalCalendar.timestamp(received),
                                    dueDay: r["due_day"], answer: r["answer"], answeredAt: answered.map(PortalCalendar.timestamp),
                                    overdue: FeedbackDeadline.isOverdue(receivedAt: received, answeredAt: answered, now: t))
            }.filter { !overdueOnly || $0.overdue }
        }
    }

    // MARK: - Quarterly report

    /// `actor` nil: the command line, which holds the store file anyway. Administrators get
    /// every agency; an agency's leader (its approver) gets that agency's section only.
    public func quarterlyReport(_ quarter: Quarter, by actor: Actor?) throws -> QuarterlyComplianceReport {
        var only: Int64? = nil
        if let actor, actor.role != .administrator, let agency = actor.agencyID {
            try Permissions.authorize(actor, .readAgencyReports(agencyID: agency))
            only = agency
        } else if let actor {
            try Permissions.authorize(actor, .readReports)
        }
        let t = now()
        return try db.read { db in
            let inputs = try complianceInputs(db, agency: only)
            return ComplianceCalculator.report(quarter: quarter, agencies: inputs.agencies, datasets: inputs.datasets,
                                               feedback: inputs.feedback, now: t)
        }
    }

    /// What the compliance rules are computed from: the agencies (one, or all when nil), their
    /// catalogued datasets with every publication and declared change, and the feedback.
    func complianceInputs(_ db: Database, agency only: Int64?) throws
        -> (agencies: [ComplianceAgency], datasets: [ComplianceDataset], feedback: [ComplianceFeedback]) {
        let agencies = try Row.fetchAll(db, sql: "SELECT id, slug, name FROM agencies WHERE ? IS NULL OR id = ?",
                                        arguments: [only, only]).map {
            ComplianceAgency(id: $0["id"], slug: $0["slug"], name: $0["name"])
        }
        var datasets: [Int64: ComplianceDataset] = [:]
        for r in try Row.fetchAll(db, sql: """
            SELECT d.id, d.slug, d.title, d.agency_id, c.update_frequency, c.added_at
            FROM catalogue_entries c JOIN datasets d ON d.id = c.dataset_id WHERE d.agency_id IS NOT NULL
            """) {
            datasets[r["id"]] = ComplianceDataset(agencyID: r["agency_id"], datasetSlug: r["slug"], title: r["title"],
                                                  frequency: UpdateFrequency(rawValue: r["update_frequency"]) ?? .quarterly,
                                                  addedAt: r["added_at"], publications: [])
        }
        // Superseded versions were published too: they count in the quarter they were published.
        for r in try Row.fetchAll(db, sql: """
            SELECT dataset_id, number, published_at, feature_count FROM dataset_versions
            WHERE published_at IS NOT NULL AND status IN ('published', 'superseded')
            """) {
            let id: Int64 = r["dataset_id"]
            datasets[id]?.publications.append(.init(versionNumber: r["number"], publishedAt: r["published_at"],
                                                    featureCount: r["feature_count"] ?? 0))
        }
        for r in try Row.fetchAll(db, sql: "SELECT dataset_id, changed_on FROM dataset_changes") {
            let id: Int64 = r["dataset_id"]
            if let day = PortalService.day(r["changed_on"]) { datasets[id]?.changes.append(day) }
        }
        let feedback = try Row.fetchAll(db, sql: "SELECT agency_id, received_at, answered_at FROM feedback").map {
            ComplianceFeedback(agencyID: $0["agency_id"], receivedAt: $0["received_at"], answeredAt: $0["answered_at"])
        }
        return (agencies, Array(datasets.values), feedback)
    }
}
