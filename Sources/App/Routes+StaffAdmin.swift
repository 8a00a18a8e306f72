// `/admin`: agencies and accounts in a browser, through the same `PortalService` calls as the
// JSON API (`createAgency`, `createUser`, `setDisabled`, `resetPassword`): the Department's
// administrators for everything, an agency administrator for their agency's editors and
// approvers (the service checks it; another agency's account is a 403 page). A form refused for
// something the person can fix comes back with the reason and what they typed.
import Foundation
import Hummingbird
import HTTPTypes
import Portal
import PublicErrors
import Web

struct AgencyForm: Decodable { var slug: String?; var name: String? }
struct AccountForm: Decodable { var username: String?; var displayName: String?; var password: String?; var role: String?; var agency: String? }
struct PasswordForm: Decodable { var password: String? }

func addAdminPages(to staff: RouterGroup<BandoRequestContext>, _ deps: StaffRouteDependencies) {
    let portal = deps.portal
    let managers: @Sendable (Actor) -> Bool = { $0.role == .administrator || $0.role == .agencyAdministrator }

    /// The admin page, or (a refused form) the page again with the reason and what was typed.
    @Sendable func adminPage(_ session: StaffSession, _ request: Request, refused: AdminFormRefusal? = nil,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        let frame = session.frame(request)
        let (agencies, users) = try await blocking { (try portal.agencies(), try portal.users(by: session.actor)) }
        return staffPage(StaffPages.shared.admin(agencies: agencies, users: users, refused: refused, frame: frame), frame, status: status)
    }
    /// Runs a form's service call; a refusal the person can fix (a bad name, a taken one, a short
    /// password) re-shows the page with its reason beside the form, `typed` filled in again.
    @Sendable func attempt(_ session: StaffSession, _ request: Request, _ form: AdminFormRefusal.Form, typed: [String: String],
                           _ body: @escaping @Sendable () throws -> Void) async throws -> Response? {
        do {
            try await blocking(body)
            return nil
        } catch let refused as PortalError where refused.kind == .invalid || refused.kind == .conflict {
            let language = session.frame(request).language
            return try await adminPage(session, request, refused: AdminFormRefusal(form: form, error: refused.message.text(in: language), typed: typed),
                                       status: .init(code: refused.status))
        }
    }

    staff.get("admin") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        return try await adminPage(session, request)
    }

    staff.post("admin/agencies") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        let form = try await staffForm(AgencyForm.self, request)
        let typed = ["slug": form.slug ?? "", "name": form.name ?? ""]
        if let again = try await attempt(session, request, .agency, typed: typed, {
            _ = try portal.createAgency(slug: form.slug ?? "", name: form.name ?? "", by: session.actor)
        }) { return again }
        return staffRedirect("/admin", request, done: "agency_created")
    }

    staff.post("admin/users") { request, context -> Response in
        let session = try context.requireStaff(request, managers)
        let form = try await staffForm(AccountForm.self, request)
        let typed = ["username": form.username ?? "", "displayName": form.displayName ?? "", "role": form.role ?? "", "agency": form.agency ?? ""]
        if let again = try await attempt(session, request, .account, typed: typed, {
            guard let role = Role(rawValue: form.role ?? "") else { throw PortalHTTP.invalid("portal.role.invalid") }
            let agency = role == .administrator ? nil : form.agency.flatMap { $0.isEmpty ? nil : $0 }
            _ = try portal.createUser(username: form.username ?? "", password: form.password ?? "", role: role, agency: agency,
                                      displayName: form.displayName ?? "", by: session.actor)
        }) { return again }
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
        if let again = try await attempt(session, request, .password(name), typed: [:], {
            try portal.resetPassword(username: name, newPassword: form.password ?? "", by: session.actor)
        }) { return again }
        return staffRedirect("/admin", request, done: "password_reset")
    }
}
