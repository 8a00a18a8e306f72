// `/admin/identities`: the Department's administrators link people's identities at the
// OpenID Connect providers to accounts (issue 20): by subject, or by the e-mail the provider
// vouches for (linked at the first sign-in); and make accounts that sign in only through a
// provider (no password), or make an existing account one (its password removed). Removing a
// link ends the sessions it opened.
import Foundation
import Hummingbird
import Portal
import PublicErrors
import Web

struct IdentityForm: Decodable {
    var username: String?
    var provider: String?
    var subject: String?
    var email: String?
    /// Set by the "new account" form: the account is made first, without a password.
    var newAccount: String?
    var displayName: String?
    var role: String?
    var agency: String?

    enum CodingKeys: String, CodingKey {
        case username, provider, subject, email, role, agency
        case newAccount = "new_account", displayName = "display_name"
    }
}

func addIdentityPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let portal = deps.portal
    let administrators: @Sendable (Actor) -> Bool = { $0.role == .administrator }
    let providers = deps.signOn.providers.map(\.configuration)

    staff.get("admin/identities") { request, context -> Response in
        let session = try context.requireStaff(request, administrators)
        let frame = session.frame(request)
        let (links, users, agencies) = try await blocking {
            (try portal.identityLinks(by: session.actor), try portal.users(by: session.actor), try portal.agencies())
        }
        return staffPage(StaffPages.shared.identities(links: links, users: users, agencies: agencies, providers: providers, frame: frame), frame)
    }

    staff.post("admin/identities") { request, context -> Response in
        let session = try context.requireStaff(request, administrators)
        let form = try await staffForm(IdentityForm.self, request)
        guard let provider = providers.first(where: { $0.id == form.provider }) else {
            throw PortalError(.invalid, SafeMessage("portal.identity.provider"))
        }
        let username = form.username ?? ""
        let newAccount = form.newAccount != nil
        var newRole: Role?
        if newAccount {
            guard let role = Role(rawValue: form.role ?? "") else { throw PortalError(.invalid, SafeMessage("portal.role.invalid")) }
            newRole = role
        }
        let role = newRole
        try await blocking {
            if let role {
                let agency = role == .administrator ? nil : form.agency.flatMap { $0.isEmpty ? nil : $0 }
                // No password: this account signs in through the provider only.
                _ = try portal.createUser(username: username, password: nil, role: role, agency: agency,
                                          displayName: form.displayName ?? "", by: session.actor)
            }
            _ = try portal.linkIdentity(username: username, issuer: provider.issuer, subject: form.subject, email: form.email,
                                        by: session.actor)
        }
        return staffRedirect("/admin/identities", request, done: newAccount ? "identity_account" : "identity_linked")
    }

    staff.post("admin/identities/:id/remove") { request, context -> Response in
        let session = try context.requireStaff(request, administrators)
        let raw = try context.parameters.require("id")
        guard let id = Int64(raw) else {
            throw PortalError(.notFound, SafeMessage("portal.identity.notFound", ["id": "?"]))
        }
        try await blocking { try portal.unlinkIdentity(id: id, by: session.actor) }
        return staffRedirect("/admin/identities", request, done: "identity_removed")
    }

    // The account behind a link signs in through its provider only from now on.
    staff.post("admin/identities/:id/password-off") { request, context -> Response in
        let session = try context.requireStaff(request, administrators)
        guard let id = Int64(try context.parameters.require("id")) else {
            throw PortalError(.notFound, SafeMessage("portal.identity.notFound", ["id": "?"]))
        }
        try await blocking { try portal.removePassword(identity: id, by: session.actor) }
        return staffRedirect("/admin/identities", request, done: "identity_password_off")
    }
}
