// Public feedback (Sơn La art. 9; Sóc Trăng art. 10.4): anyone, with no account, asks for data
// or reports a problem; the responsible agency publishes its answer within 10 days of receipt.
// Days are civil days in Vietnam counted from the day after receipt (the Civil Code's rule for
// periods in days), so feedback received on 25 January at any hour is due by the end of
// 4 February, and the count runs across month and year ends as the calendar does.
public import Foundation
import PublicErrors

public enum FeedbackCategory: String, Sendable, Codable, CaseIterable {
    case requestData = "request-data"
    case quality
    case availability
    case format
    case legal

    public init(parsing text: String) throws(PortalError) {
        guard let c = FeedbackCategory(rawValue: text.lowercased()) else {
            throw .invalid("portal.feedback.category", ["value": text, "choices": FeedbackCategory.allCases.map(\.rawValue).joined(separator: ", ")])
        }
        self = c
    }
}

public enum FeedbackDeadline {
    public static let days = 10

    /// The first instant after the answer is due.
    public static func dueBefore(receivedAt: Date) -> Date {
        PortalCalendar.startOfDay(receivedAt, plusDays: days + 1)
    }

    /// The last day on which an answer is on time, `yyyy-MM-dd` in Vietnam.
    public static func dueDay(receivedAt: Date) -> String {
        PortalCalendar.dayString(dueBefore(receivedAt: receivedAt).addingTimeInterval(-1))
    }

    /// Answered after the due day, or still unanswered once it has passed.
    public static func isOverdue(receivedAt: Date, answeredAt: Date?, now: Date) -> Bool {
        let due = dueBefore(receivedAt: receivedAt)
        if let answeredAt { return answeredAt >= due }
        return now >= due
    }
}

/// What a member of the public sends. Validation lives here so every entry point refuses the same things.
public struct FeedbackSubmission: Sendable, Codable {
    public var datasetSlug: String?
    public var category: FeedbackCategory
    public var message: String
    /// Never published; only the agency handling the item sees it.
    public var contactEmail: String?

    public init(datasetSlug: String?, category: FeedbackCategory, message: String, contactEmail: String?) {
        self.datasetSlug = datasetSlug; self.category = category; self.message = message; self.contactEmail = contactEmail
    }

    public static let maxMessageLength = 5000

    public func validated() throws(PortalError) -> FeedbackSubmission {
        var s = self
        s.message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !s.message.isEmpty else { throw .invalid("portal.feedback.empty") }
        guard s.message.count <= Self.maxMessageLength else {
            throw .invalid("portal.feedback.tooLong", ["maximum": String(Self.maxMessageLength)])
        }
        if let e = contactEmail?.trimmingCharacters(in: .whitespaces), !e.isEmpty {
            let parts = e.split(separator: "@")
            guard parts.count == 2, parts[1].contains("."), !e.contains(where: \.isWhitespace), e.count <= 254 else {
                throw .invalid("portal.feedback.email", ["value": e])
            }
            s.contactEmail = e
        } else {
            s.contactEmail = nil
        }
        if category != .requestData, datasetSlug == nil {
            throw .invalid("portal.feedback.datasetRequired", ["category": category.rawValue])
        }
        return s
    }
}
