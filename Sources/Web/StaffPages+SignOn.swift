// The pages of sign-in through an OpenID Connect provider (issue 20): the refusal, the
// "ask the Department's administrator" page of an identity nobody linked, the short pages that
// move on by themselves (after the callback, and to the provider's sign-out), and the
// administrators' `/admin/identities`.
public import Portal
public import PublicErrors
import Foundation
import Mustache

extension StaffPages {
    /// A button of `/signin`: one per configured provider.
    public struct SignOnButton: Sendable, Equatable {
        public var id: String
        public var name: String
        public init(id: String, name: String) { self.id = id; self.name = name }
    }

    /// What the sign-on page says.
    public enum SignOnView: Sendable {
        /// Refused, with the reason (already in the reader's language).
        case refused(String)
        /// The provider knows this person, nobody linked them to an account here.
        case unknownIdentity(provider: String, subject: String, email: String?)
        /// Signed in: on to `url` (a local path).
        case continuing(String)
        /// Signed out here: on to the provider's sign-out at `url`.
        case leaving(String, provider: String)
    }

    /// The sign-on pages, in the public layout (nobody is signed in on them yet, or any more).
    public func signOn(_ view: SignOnView, language l: Language) -> String {
        var c = PortalPages.shared.layout(l, title: texts.text("signon_title", l), current: "",
                                          switchURL: StaffFrame.url("/signin", l.other))
        c["signin_url"] = StaffFrame.url("/signin", l)
        switch view {
        case .refused(let message):
            c["heading"] = texts.text("signon_refused_title", l)
            c["message"] = message
            c["back"] = true
        case .unknownIdentity(let provider, let subject, let email):
            c["heading"] = texts.text("signon_unknown_title", l)
            c["unknown"] = ["provider": provider, "subject": subject, "email": email ?? ""]
            c["back"] = true
        case .continuing(let url):
            c["page_title"] = texts.text("signon_continue_title", l)
            c["heading"] = texts.text("signon_continue_title", l)
            c["refresh_url"] = url
            c["continue_text"] = texts.text("signon_continue_text", l)
        case .leaving(let url, let provider):
            c["heading"] = texts.text("signon_leaving_title", l)
            c["refresh_url"] = url
            c["continue_text"] = texts.text("signon_leaving_text", l, ["provider": provider])
        }
        return library.render(c, withTemplate: "signon") ?? ""
    }

    /// `/admin/identities`: the links, a form to link an identity to an account, and one to
    /// make an account that signs in through a provider only.
    public func identities(links: [IdentityLink], users: [UserInfo], agencies: [AgencyInfo],
                           providers: [OpenIDIssuerConfiguration], frame: StaffFrame) -> String {
        let l = frame.language
        let names = Dictionary(providers.map { ($0.issuer, $0.name) }, uniquingKeysWith: { a, _ in a })
        let roles: [Role] = [.editor, .approver, .agencyAdministrator, .administrator]
        return render("admin-identities", frame, title: texts.text("id_title", l), section: .admin, values: [
            "has_providers": !providers.isEmpty,
            "providers": providers.map { ["id": $0.id, "name": $0.name] },
            "link_action": frame.url("/admin/identities"),
            "admin_url": frame.url("/admin"),
            "users": users.map { ["username": $0.username, "name": $0.displayName] },
            "roles": roles.map { ["value": $0.rawValue, "label": roleName($0, l)] },
            "agency_choices": agencies.map { ["slug": $0.slug, "name": $0.name] },
            "has_links": !links.isEmpty,
            "links": links.map { k -> [String: Any] in
                ["id": k.id, "username": k.username, "provider": names[k.issuer] ?? k.issuer,
                 "subject": k.subject ?? texts.text("id_waiting", l, ["email": k.email ?? ""]),
                 "email": k.email ?? "", "last": k.lastSignedInAt ?? "—",
                 "remove_action": frame.url("/admin/identities/\(k.id)/remove"),
                 "has_password": k.hasPassword, "password_off_action": frame.url("/admin/identities/\(k.id)/password-off")]
            },
        ])
    }
}
