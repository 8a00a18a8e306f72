// `/signin`: the staff's way in, a plain form (no script). The password is checked by
// `PortalService.login` on the blocking pool (bcrypt, the sign-in throttle), which opens the same
// session as the JSON API's `POST /api/portal/login` and sets the same `bando_session` cookie.
// Before any session exists the form is guarded by a double-submit token: a random value in a
// cookie only this path receives and in a hidden field; a page of another site can send neither.
// A refused sign-in (wrong password, disabled account, too many attempts) is the form again
// with the reason and the name typed.
import Foundation
import Hummingbird
import HTTPTypes
import Portal
import PublicErrors
import Web

struct SignInFormBody: Decodable {
    var username: String?
    var password: String?
    var next: String?
    var csrf: String?
}

/// The double-submit cookie of the sign-in form.
let signInFormCookie = "bando_signin"

func addSignInPages(to router: Router<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let portal = deps.portal

    @Sendable func form(_ form: StaffPages.SignInForm, _ language: Language, status: HTTPResponse.Status = .ok) -> Response {
        // A fresh double-submit value for every form shown.
        var form = form
        form.formToken = SecretToken.generate(prefix: "").plaintext
        form.providers = deps.signOn.buttons
        var response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue,
                                                          .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: StaffPages.shared.signIn(form, language: language))))
        response.setCookie(Cookie(name: signInFormCookie, value: form.formToken, maxAge: 3600, path: "/signin",
                                  secure: deps.api.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    router.get("/signin") { request, _ -> Response in
        let q = request.uri.queryParameters
        return form(.init(next: q.get("next").flatMap(localPath) ?? "", signedOut: q.get("out") != nil),
                    pageLanguage(request))
    }

    router.post("/signin") { request, context -> Response in
        var request = request
        let language = pageLanguage(request)
        let buffer = try await request.collectBody(upTo: StaffSessionMiddleware.maxFormBytes)
        let body = (try? URLEncodedFormDecoder().decode(SignInFormBody.self, from: String(buffer: buffer))) ?? SignInFormBody()
        let username = (body.username ?? "").trimmingCharacters(in: .whitespaces)
        let next = body.next.flatMap(localPath) ?? ""
        let typed = StaffPages.SignInForm(username: username, next: next)
        guard let cookie = request.cookies[signInFormCookie]?.value, !cookie.isEmpty, body.csrf == cookie else {
            var again = typed
            again.error = SafeMessage("portal.staff.signInFormExpired").text(in: language)
            return form(again, language, status: .forbidden)
        }
        let client = deps.api.clients.client(request, peer: context.remoteAddress)
        do {
            let password = body.password ?? ""
            let signIn = try await blocking { try portal.login(username: username, password: password, client: client) }
            let role = signIn.user.role
            var response = Response(status: .seeOther, headers: [
                .location: next.isEmpty ? StaffFrame.url(StaffSection.home(for: role).path, language) : next,
                .cacheControl: "no-store"])
            response.setCookie(sessionCookie(signIn.token, deps, maxAge: Int(portal.sessionLifetime)))
            response.setCookie(Cookie(name: signInFormCookie, value: "", maxAge: 0, path: "/signin", secure: deps.api.secureCookies,
                                      httpOnly: true, sameSite: .strict))
            return response
        } catch let refused as any PublicError {
            var again = typed
            again.error = refused.message.text(in: language)
            var response = form(again, language, status: HTTPResponse.Status(code: refused.status))
            for (name, value) in refused.responseHeaders where name != "WWW-Authenticate" {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
            return response
        }
    }
}

/// `path` when it is a path on this server (so `?next=` cannot send anyone to another site):
/// one leading slash, no scheme, no backslash, no control characters.
func localPath(_ path: String) -> String? {
    guard path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("\\"),
          !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
          !path.hasPrefix("/signin"), !path.hasPrefix("/signout") else { return nil }
    return path
}
