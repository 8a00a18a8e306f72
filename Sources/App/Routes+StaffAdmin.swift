// `/admin`: agencies and accounts in a browser, through the same `PortalService` calls as the
// JSON API (`createAgency`, `createUser`, `setDisabled`, `resetPassword`): the Department's
// administrators for everything, an agency administrator for their agency's editors and
// approvers (the service checks it; another agency's account is a 403 page).
import Foundation
import Hummingbird
import Portal
import PublicErrors
import Web

struct AgencyForm: Decodable { var slug: String?; var name: String? }
struct AccountForm: Decodable { var username: String?; var displayName: String?; var password: String?; var role: String?; var agency: String? }
struct PasswordForm: Decodable { var password: String? }

func addAdminPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let portal = deps.portal
    let managers: @Sendable (Actor) -> Bool = { $0.role == .administrator || $0.role == .agencyAdministrator }

    staff.get("admin") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        let frame = session.frame(request)
        let (agencies, users) = try await blocking { (try portal.agencies(), try portal.users(by: session.actor)) }
        return staffPage(StaffPages.shared.admin(agencies: agencies, users: users, frame: frame), frame)
    }

    staff.post("admin/agencies") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        let form = try await staffForm(AgencyForm.self, request)
        try await blocking { _ = try portal.createAgency(slug: form.slug ?? "", name: form.name ?? "", by: session.actor) }
        return staffRedirect("/admin", request, done: "agency_created")
    }

    staff.post("admin/users") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        let form = try await staffForm(AccountForm.self, request)
        guard let role = Role(rawValue: form.role ?? "") else { throw PortalHTTP.invalid("portal.role.invalid") }
        let agency = role == .administrator ? nil : form.agency.flatMap { $0.isEmpty ? nil : $0 }
        try await blocking {
            _ = try portal.createUser(username: form.username ?? "", password: form.password ?? "", role: role, agency: agency,
                                      displayName: form.displayName ?? "", by: session.actor)
        }
        return staffRedirect("/admin", request, done: "user_created")
    }

    for (verb, disabled) in [("disable", true), ("enable", false)] {
        staff.post("admin/users/:username/\(verb)") { request, context -> Response in
            let session = try context.requireStaff(request, managers)
            let name = try context.parameters.require("username")
            try await blocking { try portal.setDisabled(username: name, disabled, by: session.actor) }
            return staffRedirect("/admin", request, done: disabled ? "user_disabled" : "user_enabled")
        }
    }

    staff.post("admin/users/:username/password") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        let name = try context.parameters.require("username")
        let form = try await staffForm(PasswordForm.self, request)
        try await blocking { try portal.resetPassword(username: name, newPassword: form.password ?? "", by: session.actor) }
        return staffRedirect("/admin", request, done: "password_reset")
    }
}
