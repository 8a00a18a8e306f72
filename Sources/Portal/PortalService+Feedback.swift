// Public feedback: received without an account, routed to the owning agency (requests for new
// data to the Department), answered within 10 days; answers are public, contact addresses never.
import Foundation
import GeoStore
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
        return try records.write { tx in
            var datasetID: Int64? = nil, agencyID: Int64? = nil, routedTo = Self.department
            var agencyName: String? = nil
            if let slug = s.datasetSlug {
                let ref = try self.dataset(tx, slug: slug)
                datasetID = ref.id
                if s.category != .requestData || ref.agencyID != nil {
                    agencyID = ref.agencyID
                    if let a = ref.agencyID, let name = try tx.agency(id: a)?.name {
                        routedTo = name
                        agencyName = name
                    }
                }
            }
            let due = FeedbackDeadline.dueDay(receivedAt: received)
            let id = try tx.insertFeedback(NewFeedback(datasetID: datasetID, agencyID: agencyID, category: s.category.rawValue,
                                                       message: s.message, contactEmail: s.contactEmail, receivedAt: received, dueDay: due))
            return FeedbackReceipt(id: id, routedTo: routedTo, agency: agencyName, dueDay: due)
        }
    }

    /// Who answers feedback that no agency does.
    static let department = "the Department of Information and Communications"

    public func answerFeedback(id: Int64, answer: String, by actor: Actor) throws -> FeedbackItem {
        let answer = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !answer.isEmpty else { throw PortalError.invalid("portal.feedback.answerEmpty") }
        try records.write { tx in
            guard let item = try tx.feedback(id: id) else {
                throw PortalError.notFound("portal.feedback.notFound", ["id": String(id)])
            }
            try Permissions.authorize(actor, .answerFeedback(agencyID: item.agencyID))
            if item.answeredAt != nil { throw PortalError.conflict("portal.feedback.answered", ["id": String(id)]) }
            try tx.answerFeedback(id: id, answer: answer, at: now(), accountID: actor.userID == 0 ? nil : actor.userID)
            try audit(tx, actor, "feedback.answer", agencyID: item.agencyID, detail: "feedback \(id)")
        }
        guard let item = try feedbackQueue(by: actor, includeAnswered: true).first(where: { $0.id == id }) else {
            throw PortalError.notFound("portal.feedback.notFound", ["id": String(id)])
        }
        return item
    }

    /// Answered feedback, public, on one dataset or (nil) all.
    public func publicFeedback(dataset: String?) throws -> [PublicFeedback] {
        try records.read { tx in
            try tx.feedback(FeedbackFilter(answered: true, datasetSlug: dataset)).map { f in
                PublicFeedback(id: f.id, dataset: f.datasetSlug, category: FeedbackCategory(rawValue: f.category) ?? .quality,
                               message: f.message, receivedAt: PortalCalendar.timestamp(f.receivedAt), dueDay: f.dueDay,
                               answer: f.answer, answeredAt: f.answeredAt.map(PortalCalendar.timestamp),
                               late: FeedbackDeadline.isOverdue(receivedAt: f.receivedAt, answeredAt: f.answeredAt, now: f.answeredAt ?? now()))
            }
        }
    }

    /// The receipt of item `id` (who answers it and by when), for the page a sender returns to
    /// after sending: neither the message nor the address. Nil when there is no such item.
    public func feedbackReceipt(id: Int64) throws -> FeedbackReceipt? {
        try records.read { tx in
            try tx.feedback(id: id).map { f in
                FeedbackReceipt(id: f.id, routedTo: f.agencyName ?? Self.department, agency: f.agencyName, dueDay: f.dueDay)
            }
        }
    }

    /// Counts of every item received (answered or not), for the public feedback and statistics pages.
    public func feedbackSummary() throws -> FeedbackSummary {
        let t = now()
        return try records.read { tx in
            var s = FeedbackSummary(received: 0, answered: 0, answeredLate: 0, waiting: 0, overdue: 0)
            for f in try tx.feedback(FeedbackFilter()) {
                let late = FeedbackDeadline.isOverdue(receivedAt: f.receivedAt, answeredAt: f.answeredAt, now: t)
                s.received += 1
                if f.answeredAt != nil { s.answered += 1; if late { s.answeredLate += 1 } }
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
        let everyAgency = actor.role == .administrator
        guard everyAgency || actor.agencyID != nil else { return [] }
        return try records.read { tx in
            try tx.feedback(FeedbackFilter(answered: includeAnswered ? nil : false, agencyID: everyAgency ? nil : actor.agencyID))
        }
        .sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }
        .map { f in
            FeedbackItem(id: f.id, dataset: f.datasetSlug, agency: f.agencySlug,
                         category: FeedbackCategory(rawValue: f.category) ?? .quality, message: f.message,
                         contactEmail: f.contactEmail, receivedAt: PortalCalendar.timestamp(f.receivedAt),
                         dueDay: f.dueDay, answer: f.answer, answeredAt: f.answeredAt.map(PortalCalendar.timestamp),
                         overdue: FeedbackDeadline.isOverdue(receivedAt: f.receivedAt, answeredAt: f.answeredAt, now: t))
        }
        .filter { !overdueOnly || $0.overdue }
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
        return try records.read { tx in
            let inputs = try complianceInputs(tx, agency: only)
            return ComplianceCalculator.report(quarter: quarter, agencies: inputs.agencies, datasets: inputs.datasets,
                                               feedback: inputs.feedback, now: t)
        }
    }

    /// What the compliance rules are computed from: the agencies (one, or all when nil), their
    /// listed datasets with every publication and declared change, and the feedback.
    func complianceInputs(_ tx: any PortalReading, agency only: Int64?) throws
        -> (agencies: [ComplianceAgency], datasets: [ComplianceDataset], feedback: [ComplianceFeedback]) {
        let agencies = try tx.agencies().filter { only == nil || $0.id == only }.map {
            ComplianceAgency(id: $0.id, slug: $0.slug, name: $0.name)
        }
        var datasets: [Int64: ComplianceDataset] = [:]
        for d in try tx.listedDatasetDuties() {
            datasets[d.datasetID] = ComplianceDataset(agencyID: d.agencyID, datasetSlug: d.slug, title: d.title,
                                                      frequency: UpdateFrequency(rawValue: d.updateFrequency) ?? .quarterly,
                                                      addedAt: d.addedAt, publications: [])
        }
        // Superseded versions were published too: they count in the quarter they were published.
        for v in try tx.publishedVersions() {
            datasets[v.datasetID]?.publications.append(.init(versionNumber: v.number, publishedAt: v.publishedAt,
                                                             featureCount: v.featureCount))
        }
        for c in try tx.declaredChanges() {
            if let day = PortalService.day(c.day) { datasets[c.datasetID]?.changes.append(day) }
        }
        let feedback = try tx.feedback(FeedbackFilter()).map {
            ComplianceFeedback(agencyID: $0.agencyID, receivedAt: $0.receivedAt, answeredAt: $0.answeredAt)
        }
        return (agencies, Array(datasets.values), feedback)
    }
}
