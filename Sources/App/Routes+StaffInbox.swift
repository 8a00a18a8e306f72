// `/inbox`: the agency's feedback queue in a browser, answered through
// `PortalService.answerFeedback` (the JSON API's `POST /api/portal/feedback/{id}/answer`):
// the same rule (an agency answers only its own items), the same audit entry; the public
// `/feedback` page and the dataset's page show the answer at once.
import Foundation
import Hummingbird
import Portal
import Web

struct AnswerForm: Decodable { var answer: String? }

func addInboxPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let portal = deps.portal

    staff.get("inbox") { request, context -> Response in
        let session = try context.requireStaff(request)
        let frame = session.frame(request)
        let (items, titles) = try await blocking { () throws -> ([FeedbackItem], [String: String]) in
            let items = try portal.feedbackQueue(by: session.actor, includeAnswered: true)
            let titles = Dictionary(try portal.openDataList().map { ($0.slug, $0.title) }, uniquingKeysWith: { a, _ in a })
            return (items, titles)
        }
        return staffPage(StaffPages.shared.inbox(items, titles: titles, frame: frame), frame)
    }

    staff.post("inbox/:id/answer") { request, context -> Response in
        let session = try context.requireStaff(request)
        let id = try context.parameters.require("id", as: Int64.self)
        let form = try await staffForm(AnswerForm.self, request)
        _ = try await blocking { try portal.answerFeedback(id: id, answer: form.answer ?? "", by: session.actor) }
        return staffRedirect("/inbox", request, done: "answered")
    }
}
