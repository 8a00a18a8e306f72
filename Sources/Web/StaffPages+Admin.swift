// `/admin`: agencies and accounts. The Department's administrators create agencies and
// accounts of every role; an agency administrator (Quảng Ngãi art. 4.3) sees and manages only
// the editors and approvers of their own agency. Every form posts to a route that calls the
// same `PortalService` method as the JSON API, which checks these rules again.
public import Portal
public import PublicErrors

/// An `/admin` form sent back with the reason it was refused and what was typed (never a password).
public struct AdminFormRefusal: Sendable {
    public enum Form: Sendable, Equatable {
        case agency
        case account
        /// The password reset of this account.
        case password(String)
    }
    public var form: Form
    public var error: String
    /// The fields as typed: `slug`, `name` (agency); `username`, `displayName`, `role`, `agency` (account).
    public var typed: [String: String]
    public init(form: Form, error: String, typed: [String: String] = [:]) { self.form = form; self.error = error; self.typed = typed }
}

extension StaffPages {
    public func admin(agencies: [AgencyInfo], users: [UserInfo], refused: AdminFormRefusal? = nil, frame: StaffFrame) -> String {
        let l = frame.language
        let typed = refused?.typed ?? [:]
        let department = frame.profile.role == .administrator
        let names = Dictionary(agencies.map { ($0.slug, $0.name) }, uniquingKeysWith: { a, _ in a })
        let roles: [Role] = department ? [.editor, .approver, .agencyAdministrator, .administrator] : [.editor, .approver]
        let choices: [AgencyInfo] = department ? agencies : frame.profile.agency.map { [$0] } ?? []
        return render("admin", frame, title: texts.text("adm_title", l), section: .admin, values: [
            "department": department,
            "agencies": agencies.map { ["slug": $0.slug, "name": $0.name] },
            "agency_action": frame.url("/admin/agencies"),
            "user_action": frame.url("/admin/users"),
            "roles": roles.map { ["value": $0.rawValue, "label": roleName($0, l), "selected": $0.rawValue == typed["role"]] },
            "agency_choices": choices.map { ["slug": $0.slug, "name": $0.name, "selected": $0.slug == typed["agency"]] },
            "agency_form": refused?.form == .agency
                ? ["error": refused?.error ?? "", "slug": typed["slug"] ?? "", "name": typed["name"] ?? ""] as [String: Any] : [String: Any](),
            "account_form": refused?.form == .account
                ? ["error": refused?.error ?? "", "username": typed["username"] ?? "", "display_name": typed["displayName"] ?? ""] as [String: Any]
                : [String: Any](),
            "users": users.map { u -> [String: Any] in
                var row: [String: Any] = ["username": u.username, "name": u.displayName, "role": roleName(u.role, l),
                                          "disabled": u.disabled,
                                          "toggle_action": frame.url("/admin/users/\(u.username)/\(u.disabled ? "enable" : "disable")"),
                                          "toggle_label": texts.text(u.disabled ? "adm_enable" : "adm_disable", l),
                                          "password_action": frame.url("/admin/users/\(u.username)/password")]
                if let a = u.agency { row["agency"] = names[a] ?? a }
                if let r = refused, r.form == .password(u.username) { row["password_error"] = r.error }
                return row
            },
            "password_minimum": PasswordHasher.minimumLength,
        ])
    }
}
