// The staff half of the portal in a browser: sign-in, the staff session, anti-forgery tokens and
// the staff layout. Every page is a thin handler over `PortalService` (the same calls, rules and
// audit as the JSON API of `Routes+Portal.swift`), rendered by `Web.StaffPages`.
//
// HOW TO WRITE A STAFF PAGE (the API other route files use)
//
// 1. Register it on the staff group, in a function called from `addStaffRoutes` below:
//        func addReportPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
//            staff.get("reports") { request, context in … }
//        }
//    The group's `StaffSessionMiddleware` has already (a) read the session cookie (or a bearer
//    token) and put the signed-in person in `context.staff`, (b) refused any POST/PUT/DELETE
//    that lacks the form's token (403 page) or comes from nobody (303 to /signin), (c) made
//    every answer `Cache-Control: no-store`. Routes on the group never see CORS or the page cache.
// 2. Get the actor: `let staff = try context.requireStaff(request)` (not signed in: 303 to
//    `/signin?next=…`); `try context.requireStaff(request) { $0.role == .administrator }` to
//    refuse other roles with a 403 page. `staff.actor` goes to the `PortalService` call, which
//    checks the rules again (another agency's dataset: its `.forbidden` becomes the 403 page).
//    Service calls go through `blocking { … }` (store reads, bcrypt).
// 3. Forms: the template puts `<input type="hidden" name="csrf" value="{{csrf}}">` in every
//    form (urlencoded); a multipart form posts to an action with `&csrf={{csrf}}` (or a script
//    sends the `X-CSRF-Token` header). `verifyFormToken` in the middleware is the one check.
//    Read an urlencoded body with `try await staffForm(MyForm.self, request)`.
// 4. Render: `staffPage(StaffPages.shared.render("my-page", staff.frame(request), title: …,
//    section: .reports, values: [...]), staff.frame(request))`; after a POST, answer
//    `staffRedirect("/reports?quarter=…", request, done: "report_saved")`: the next page shows the
//    page text `staff_done_report_saved` as a notice. Errors thrown by a handler become a page
//    in the staff layout with the message in the reader's language.
import Foundation
import Hummingbird
import HTTPTypes
import GeoStore
import Tiles
public import Portal
import PublicErrors
import Web

/// The person signed in for a staff request, put in `BandoRequestContext.staff` by
/// `StaffSessionMiddleware`.
public struct StaffSession: Sendable {
    public var actor: Actor
    public var profile: StaffProfile
    /// The token every form of this session carries (`FormToken.make(session:)`).
    public var formToken: String

    /// What the staff layout needs to draw a page for this request.
    func frame(_ request: Request) -> StaffFrame {
        StaffFrame(profile: profile, formToken: formToken, language: pageLanguage(request), path: request.uri.path,
                   notice: request.uri.queryParameters.get("done"))
    }
}

/// What the staff pages need: the portal API's dependencies (the service, uploads, ingest,
/// the publication hook) and the store and tiles for reading drafts.
struct StaffRouteDependencies: Sendable {
    var api: PortalRouteDependencies
    var store: any ServingStore
    var tiles: TileService
    /// The OpenID Connect providers (`--oidc-issuer`) and the public URL their redirects use.
    var signOn = StaffSignOn()
    var origin = PublicOrigin()
    var portal: PortalService { api.portal }
}

/// The paths of the staff portal: no CORS, never shared-cached (see `OpenWebMiddleware`).
enum StaffPaths {
    static let roots = ["/signin", "/signout", "/staff"] + StaffSection.allCases.map(\.path)

    static func contains(_ path: String) -> Bool {
        roots.contains { path == $0 || path.hasPrefix($0 + "/") }
    }
}

/// Not signed in (or the session ended): the answer is the sign-in page, then back here.
struct StaffSignInRequired: Error {
    var next: String?
}

extension BandoRequestContext {
    /// The signed-in person, when `allowed` (default: anyone signed in) accepts their actor;
    /// else a 403 page (signed in) or the sign-in page (not signed in).
    func requireStaff(_ request: Request, _ allowed: (Actor) -> Bool = { _ in true }) throws -> StaffSession {
        guard let staff else {
            throw StaffSignInRequired(next: request.method == .get ? request.uri.description : nil)
        }
        guard allowed(staff.actor) else {
            throw PortalError(.forbidden, SafeMessage("portal.staff.notForRole", ["role": staff.actor.role.rawValue]))
        }
        return staff
    }
}

/// A staff page: HTML in the reader's language, never stored by a shared or private cache.
func staffPage(_ html: String, _ frame: StaffFrame, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: frame.language.rawValue,
                                       .cacheControl: "no-store"],
             body: .init(byteBuffer: ByteBuffer(string: html)))
}

/// 303 to a staff page (post, redirect, get) in the request's language; `done`: the page-text
/// key suffix (`staff_done_<done>`) the next page shows as a notice.
func staffRedirect(_ path: String, _ request: Request, done: String? = nil) -> Response {
    var path = path
    if let done {
        let parts = path.split(separator: "#", maxSplits: 1).map(String.init)
        let base = parts.first ?? path
        path = base + (base.contains("?") ? "&" : "?") + "done=" + done + (parts.count > 1 ? "#" + parts[1] : "")
    }
    return Response(status: .seeOther, headers: [.location: StaffFrame.url(path, pageLanguage(request)), .cacheControl: "no-store"])
}

/// An urlencoded staff form's fields (the middleware has already read the body).
func staffForm<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
    var request = request
    let buffer = try await request.collectBody(upTo: StaffSessionMiddleware.maxFormBytes)
    do { return try URLEncodedFormDecoder().decode(T.self, from: String(buffer: buffer)) } catch {
        throw PortalError(.invalid, SafeMessage("portal.staff.formUnreadable"), detail: String(describing: error))
    }
}

/// The value of `name` in an urlencoded body (`+` is a space, `%XX` a byte).
func formField(_ name: String, in body: String) -> String? {
    for pair in body.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == name else { continue }
        return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
    return nil
}

/// Who is asking, and whether a form they send is theirs. Runs before every staff route.
struct StaffSessionMiddleware: RouterMiddleware {
    typealias Context = BandoRequestContext
    /// Staff forms are short; uploads are multipart and not read here.
    static let maxFormBytes = 256 * 1024
    let deps: StaffRouteDependencies

    /// The session secret: the cookie a browser holds, or a script's bearer token.
    static func sessionToken(_ request: Request) -> String? {
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            return String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return request.cookies[portalSessionCookie]?.value.nilIfEmpty
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        do {
            let token = Self.sessionToken(request)
            if let token {
                let portal = deps.portal
                context.staff = try await blocking { () throws -> StaffSession? in
                    let actor: Actor
                    do { actor = try portal.authenticate(token: token) } catch let e as PortalError where e.kind == .unauthenticated {
                        return nil   // an ended or unknown session: as if not signed in
                    }
                    return StaffSession(actor: actor, profile: try portal.profile(of: actor), formToken: FormToken.make(session: token))
                }
            }
            if request.method != .get, request.method != .head {
                guard let token, context.staff != nil else { throw StaffSignInRequired(next: nil) }
                request = try await Self.verifyFormToken(request, session: token)
            }
            var response = try await next(request, context)
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let e as StaffSignInRequired {
            var target = "/signin"
            if let next = e.next, let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { target += "?next=" + encoded }
            return Response(status: .seeOther, headers: [.location: StaffFrame.url(target, pageLanguage(request)), .cacheControl: "no-store"])
        } catch {
            let report = ErrorReport(error, request: request, context: context)
            guard let staff = context.staff else { return report.htmlResponse(path: request.uri.path) }
            let frame = staff.frame(request)
            var (status, headers) = report.head(contentType: "text/html; charset=utf-8")
            headers[.cacheControl] = "no-store"
            let html = StaffPages.shared.error(status: Int(status.code), message: report.description, requestID: report.requestID, frame: frame)
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    /// The one check of a staff form's anti-forgery token: from the `X-CSRF-Token` header, the
    /// `csrf` query parameter (multipart forms) or the `csrf` field of an urlencoded body. A
    /// missing or wrong token is a 403. Returns the request with its body still readable.
    static func verifyFormToken(_ request: Request, session: String) async throws -> Request {
        var given = request.headers[csrfHeader] ?? request.uri.queryParameters.get("csrf")
        var request = request
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if given == nil, type.hasPrefix("application/x-www-form-urlencoded") {
            let buffer = try await request.collectBody(upTo: maxFormBytes)
            given = formField("csrf", in: String(buffer: buffer))
            request = Request(head: request.head, body: .init(buffer: buffer))
        }
        guard FormToken.verify(given, session: session) else {
            throw PortalError(.forbidden, SafeMessage("portal.staff.formToken"))
        }
        return request
    }

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
}

/// Adds the staff portal: `/signin`, then every staff page behind `StaffSessionMiddleware`.
func addStaffRoutes(to router: Router<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    addSignInPages(to: router, deps)
    addSignOnPages(to: router, deps)
    // The workspace's upload progress (the forms work without it).
    router.get("/web/staff-upload.js") { _, _ in webAsset(WebAssets.staffUploadScript, type: "text/javascript") }
    router.get("/web/staff-review-map.js") { _, _ in webAsset(WebAssets.staffReviewMapScript, type: "text/javascript") }
    let staff = router.group().add(middleware: StaffSessionMiddleware(deps: deps))
    staff.post("signout") { request, context -> Response in
        let portal = deps.portal
        var signedOnWith: (issuer: String, idToken: String)?
        if let token = StaffSessionMiddleware.sessionToken(request) {
            signedOnWith = try await blocking { () throws -> (issuer: String, idToken: String)? in
                let signedOn = try portal.signOnSession(token: token)
                try portal.logout(token: token)
                return signedOn
            }
        }
        // Signed in through a provider: its sign-out too, when it offers one (Routes+StaffSignOn.swift).
        var response = await providerSignOut(signedOnWith, deps, request, context)
            ?? Response(status: .seeOther, headers: [.location: StaffFrame.url("/signin?out=1", pageLanguage(request)),
                                                     .cacheControl: "no-store"])
        response.setCookie(sessionCookie("", deps, maxAge: 0))
        return response
    }
    // The pages (Routes+Staff*.swift): add a line per page file.
    addInboxPages(to: staff, deps)
    addWorkspacePages(to: staff, deps)
    addAdminPages(to: staff, deps)
    addReportPages(to: staff, deps)
    addStaffAdministrationPages(to: staff, deps)
    addIdentityPages(to: staff, deps)
}

/// The session cookie, the same the JSON API sets: HttpOnly, SameSite=Strict, Secure over https.
func sessionCookie(_ value: String, _ deps: StaffRouteDependencies, maxAge: Int) -> Cookie {
    Cookie(name: portalSessionCookie, value: value, maxAge: maxAge, path: "/", secure: deps.api.secureCookies,
           httpOnly: true, sameSite: .strict)
}
