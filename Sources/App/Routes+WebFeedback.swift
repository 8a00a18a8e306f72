// `/feedback`: the public feedback page. A plain HTML form (no script, no account) posts to
// `POST /feedback`; a good item is stored through `PortalService.submitFeedback` (its per-client
// limit applies) and the browser is sent back to `/feedback?sent=N` (post, redirect, get: a
// reload does not send it twice), which shows the receipt. A refused item comes back as the
// form with what the person typed and the reason, in the page's language. A field hidden from
// people (`website`) catches form-filling robots without an outside CAPTCHA service.
import Foundation
import Hummingbird
import HTTPTypes
import Portal
import PublicErrors
import Web

/// The form's fields as the browser sends them (`application/x-www-form-urlencoded`).
struct FeedbackFormBody: Decodable {
    var lang: String?
    var category: String?
    var dataset: String?
    var message: String?
    var email: String?
    var website: String?
}

/// A form sent with the hidden field filled: only robots see it.
struct AutomatedFeedback: PublicError {
    var status: Int { 400 }
    var code: String { "InvalidParameterValue" }
    var message: SafeMessage { SafeMessage("portal.feedback.automated") }
}

func addFeedbackPages(to router: Router<BandoRequestContext>, _ deps: WebRouteDependencies) {
    let portal = deps.portal
    let pages = PortalPages.shared

    @Sendable func page(_ language: Language, form: FeedbackForm) throws -> String {
        pages.feedback(try deps.listings(), answers: try portal.publicFeedback(dataset: nil), summary: try portal.feedbackSummary(),
                       form: form, language: language)
    }

    router.get("/feedback") { request, _ -> Response in
        let language = pageLanguage(request)
        let q = request.uri.queryParameters
        let sent = q.get("sent").flatMap { Int64($0) }
        return htmlPage(try await blocking {
            var form = FeedbackForm(dataset: q.get("dataset").flatMap { $0.isEmpty ? nil : $0 },
                                    category: q.get("category").flatMap(FeedbackCategory.init(rawValue:)))
            form.receipt = try sent.flatMap { try portal.feedbackReceipt(id: $0) }
            return try page(language, form: form)
        }, language)
    }

    router.post("/feedback") { request, context -> Response in
        var request = request
        // Five thousand letters, percent-encoded, fit easily; the edge refuses what is far larger.
        let buffer = try await request.collectBody(upTo: 256 * 1024)
        let body = (try? URLEncodedFormDecoder().decode(FeedbackFormBody.self, from: String(buffer: buffer)))
            ?? FeedbackFormBody()
        let language = Language.negotiate(query: body.lang ?? request.uri.queryParameters.get("lang"),
                                          acceptLanguage: request.headers[.acceptLanguage])
        var form = FeedbackForm(dataset: body.dataset.flatMap { $0.isEmpty ? nil : $0 },
                                category: body.category.flatMap(FeedbackCategory.init(rawValue:)),
                                message: body.message ?? "", email: body.email ?? "")
        let client = deps.clients.client(request, peer: context.remoteAddress)
        do {
            if let trap = body.website, !trap.isEmpty { throw AutomatedFeedback() }
            let category = try FeedbackCategory(parsing: body.category ?? "")
            let submission = FeedbackSubmission(datasetSlug: form.dataset, category: category, message: form.message,
                                                contactEmail: form.email)
            let receipt = try await blocking { try portal.submitFeedback(submission, client: client) }
            return Response(status: .seeOther, headers: [.location: "/feedback?lang=\(language.rawValue)&sent=\(receipt.id)#form",
                                                         .cacheControl: "no-store"])
        } catch let refused as any PublicError {
            form.error = refused.message.text(in: language)
            let checked = form
            var response = htmlPage(try await blocking { try page(language, form: checked) }, language,
                                    status: HTTPResponse.Status(code: refused.status))
            for (name, value) in refused.responseHeaders {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
            return response
        }
    }
}
