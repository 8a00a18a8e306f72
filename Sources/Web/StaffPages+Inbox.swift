// `/inbox`: the feedback routed to the person's agency (the Department's administrators see
// every item), the unanswered ones first, overdue before the rest, each with its 10-day due day
// and a form to answer and publish.
public import Portal
import PublicErrors
import Foundation

extension StaffPages {
    /// `items`: the queue with answered items; `titles`: dataset slug → title.
    public func inbox(_ items: [FeedbackItem], titles: [String: String], frame: StaffFrame) -> String {
        let l = frame.language
        let waiting = items.filter { $0.answeredAt == nil }.sorted {
            ($0.overdue ? 0 : 1, $0.dueDay, $0.id) < ($1.overdue ? 0 : 1, $1.dueDay, $1.id)
        }
        let answered = items.filter { $0.answeredAt != nil }.sorted { ($0.answeredAt ?? "") > ($1.answeredAt ?? "") }.prefix(20)
        func row(_ f: FeedbackItem) -> [String: Any] {
            var r: [String: Any] = [
                "id": f.id, "message": f.message, "overdue": f.overdue,
                "category": texts.text("fb_cat_" + f.category.rawValue.replacingOccurrences(of: "-", with: "_"), l),
                "received": timestampDay(f.receivedAt, l), "due": day(f.dueDay, l),
                "action": frame.url("/inbox/\(f.id)/answer"),
            ]
            if let slug = f.dataset { r["dataset"] = ["title": titles[slug] ?? slug, "url": "/datasets/\(slug)?lang=\(l.rawValue)"] }
            if let email = f.contactEmail, !email.isEmpty { r["email"] = email }
            if let answer = f.answer { r["answer"] = answer }
            if let at = f.answeredAt { r["answered"] = timestampDay(at, l) }
            return r
        }
        return render("inbox", frame, title: texts.text("inbox_title", l), section: .inbox, values: [
            "waiting": waiting.map(row), "none_waiting": waiting.isEmpty,
            "answered": answered.map(row), "has_answered": !answered.isEmpty,
            "summary": texts.text("inbox_summary", l, ["waiting": String(waiting.count),
                                                       "overdue": String(waiting.filter(\.overdue).count)]),
        ])
    }

    /// `yyyy-MM-dd` (a civil day in Vietnam) as people of `l` write it.
    func day(_ s: String, _ l: Language) -> String {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return s }
        return texts.date(PortalCalendar.startOfDay(year: parts[0], month: parts[1], day: parts[2]), l) ?? s
    }

    /// An ISO 8601 instant, shown as its day in Vietnam.
    func timestampDay(_ s: String, _ l: Language) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (f.date(from: s) ?? ISO8601DateFormatter().date(from: s)).flatMap { texts.date($0, l) } ?? s
    }
}
