// Sign-in through the province's single sign-on (OpenID Connect, issue 20), beside the password
// form of `Routes+StaffSignIn.swift`. `/signin` shows a button per provider (`--oidc-issuer`);
// `GET /signin/oidc/<id>` starts the authorization code flow (PKCE, state and nonce kept in
// `SignOnAttempts`, a cookie ties the attempt to this browser) and sends the browser to the
// provider; `GET /signin/oidc/<id>/callback` takes the code back, has `OpenIDProvider` redeem
// and verify it, and opens the same session as a password would (`PortalService.signIn(identity:)`).
// The redirect URI is built from the public URL (`--public-url`), never from the request.
//
// The session cookie is SameSite=Strict, and a browser arriving from the provider's site does not
// send Strict cookies on the redirects that follow: the callback answers a page that moves on by
// itself (meta refresh, no script) from this site, so the first staff page sees the session.
// Refusals (a forged or replayed state, a token signed by another key, expired, for another
// audience, a wrong nonce, an identity nobody linked) are a page saying why, and no session.
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import Portal
import PublicErrors
import Web

/// The configured providers and the sign-ins under way.
struct StaffSignOn: Sendable {
    var providers: [OpenIDProvider] = []
    var attempts = SignOnAttempts()

    func provider(_ id: String) -> OpenIDProvider? { providers.first { $0.configuration.id == id } }
    func provider(issuer: String) -> OpenIDProvider? { providers.first { $0.configuration.issuer == issuer } }

    /// The buttons of `/signin`.
    var buttons: [StaffPages.SignOnButton] {
        providers.map { StaffPages.SignOnButton(id: $0.configuration.id, name: $0.configuration.name) }
    }

    static func callbackPath(_ id: String) -> String { "/signin/oidc/\(id)/callback" }
}

/// The cookie that ties a sign-in under way to the browser that started it. SameSite=Lax: the
/// provider's redirect back is a top-level navigation from its site, which must carry it.
let signOnCookie = "bando_signon"

func addSignOnPages(to router: Router<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let signOn = deps.signOn
    let portal = deps.portal

    @Sendable func page(_ view: StaffPages.SignOnView, _ language: Language, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue,
                                           .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: StaffPages.shared.signOn(view, language: language))))
    }
    @Sendable func clearAttemptCookie(_ response: inout Response) {
        response.setCookie(Cookie(name: signOnCookie, value: "", maxAge: 0, path: "/signin/oidc", secure: deps.api.secureCookies,
                                  httpOnly: true, sameSite: .lax))
    }

    router.get("/signin/oidc/:provider") { request, context -> Response in
        let language = pageLanguage(request)
        do {
            let id = try context.parameters.require("provider")
            guard let provider = signOn.provider(id) else { throw SignOnError(.unknownProvider) }
            let next = request.uri.queryParameters.get("next").flatMap(localPath) ?? ""
            let started = signOn.attempts.start(provider: id, next: next, language: language.rawValue)
            let redirectURI = deps.origin.url(context) + StaffSignOn.callbackPath(id)
            let url = try await provider.authorizationURL(redirectURI: redirectURI, attempt: started)
            var response = Response(status: .seeOther, headers: [.location: url, .cacheControl: "no-store"])
            response.setCookie(Cookie(name: signOnCookie, value: started.browserSecret, maxAge: Int(signOn.attempts.lifetime),
                                      path: "/signin/oidc", secure: deps.api.secureCookies, httpOnly: true, sameSite: .lax))
            return response
        } catch let refused as SignOnError {
            context.logger.warning("sign-on refused: \(refused.reason.rawValue) \(refused.detail ?? "")")
            return page(.refused(refused.message.text(in: language)), language, status: HTTPResponse.Status(code: refused.status))
        }
    }

    router.get("/signin/oidc/:provider/callback") { request, context -> Response in
        let q = request.uri.queryParameters
        var language = pageLanguage(request)
        do {
            let id = try context.parameters.require("provider")
            guard let provider = signOn.provider(id) else { throw SignOnError(.unknownProvider) }
            // Single use: a second visit with the same state (a replay, a reload) finds nothing.
            guard let state = q.get("state"),
                  let attempt = signOn.attempts.finish(state: state, browserSecret: request.cookies[signOnCookie]?.value),
                  attempt.provider == id else {
                throw SignOnError(.state)
            }
            if let l = Language(rawValue: attempt.language) { language = l }
            if let error = q.get("error") { throw SignOnError(.providerRefused, detail: "provider error \(error.prefix(80))") }
            guard let code = q.get("code"), !code.isEmpty else { throw SignOnError(.providerRefused, detail: "no code") }
            let redirectURI = deps.origin.url(context) + StaffSignOn.callbackPath(id)
            let idToken = try await provider.redeem(code: code, codeVerifier: attempt.codeVerifier, redirectURI: redirectURI)
            let identity = try await provider.verify(idToken: idToken, nonce: attempt.nonce)
            let signIn: SignIn
            do {
                signIn = try await blocking { try portal.signIn(identity: identity, idToken: idToken) }
            } catch let e as PortalError where e.message.key == "portal.signOn.unknownIdentity" {
                context.logger.notice("sign-on of an identity nobody linked: \(identity.issuer) \(identity.subject)")
                var response = page(.unknownIdentity(provider: provider.configuration.name, subject: identity.subject,
                                                     email: identity.verifiedEmail), language, status: .forbidden)
                clearAttemptCookie(&response)
                return response
            }
            let target = attempt.next.isEmpty ? StaffFrame.url(StaffSection.home(for: signIn.user.role).path, language) : attempt.next
            var response = page(.continuing(target), language, status: .ok)
            response.setCookie(sessionCookie(signIn.token, deps, maxAge: Int(portal.sessionLifetime)))
            clearAttemptCookie(&response)
            return response
        } catch let refused as SignOnError {
            context.logger.warning("sign-on refused: \(refused.reason.rawValue) \(refused.detail ?? "")")
            var response = page(.refused(refused.message.text(in: language)), language, status: HTTPResponse.Status(code: refused.status))
            clearAttemptCookie(&response)
            return response
        } catch let refused as any PublicError {
            var response = page(.refused(refused.message.text(in: language)), language, status: HTTPResponse.Status(code: refused.status))
            clearAttemptCookie(&response)
            return response
        }
    }
}

/// After the Bando session ended: the provider's own sign-out when the session was opened
/// through one that offers it (`end_session_endpoint`), with the ID token as a hint; else nil.
/// A page that moves on by itself rather than a redirect: a redirect answering the sign-out form
/// to another site would be blocked by the pages' `form-action 'self'`.
func providerSignOut(_ session: (issuer: String, idToken: String)?, _ deps: StaffRouteDependencies, _ request: Request,
                     _ context: BandoRequestContext) async -> Response? {
    guard let session, let provider = deps.signOn.provider(issuer: session.issuer) else { return nil }
    let language = pageLanguage(request)
    // One fixed address, as providers want it registered: `<public URL>/signin?out=1`.
    let back = deps.origin.url(context) + "/signin?out=1"
    guard let url = await provider.endSessionURL(idTokenHint: session.idToken, postLogoutRedirectURI: back) else { return nil }
    return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentLanguage: language.rawValue,
                                           .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(string: StaffPages.shared.signOn(.leaving(url, provider: provider.configuration.name),
                                                                                         language: language))))
}
