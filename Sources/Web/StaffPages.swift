// The staff half of the portal: the pages agency editors, approvers and the Department's
// administrators work in, on the public portal's look (same stylesheet, same header) with who
// is signed in, their agency and role, the sections their role opens, and sign-out on every
// page. Like the public pages: values in, HTML out (Mustache escapes every value); no HTTP, no
// SQL. App's `Routes+Staff*.swift` read through the services and hand the values in here.
//
// A staff page's template starts `{{<staff}}{{$main}}…{{/main}}{{/staff}}`; every form in it
// carries `<input type="hidden" name="csrf" value="{{csrf}}">` (the `csrf` value is in the
// context of every page) and posts to a URL made with `StaffFrame.url(_:)` (it keeps the
// language).
public import Portal
public import PublicErrors
import Foundation
import Mustache

/// A part of the staff portal, in the navigation of those whose role opens it.
public enum StaffSection: String, Sendable, CaseIterable {
    case workspace, approvals, inbox, admin, reports, dashboards

    public var path: String { "/" + rawValue }

    /// Whether the navigation offers the section to `role` (the routes check the rules again).
    public func isShown(to role: Role) -> Bool {
        switch self {
        case .workspace: role == .editor || role == .approver
        // The administrator's: the Department's second review (what the agencies approved).
        case .approvals: role == .approver || role == .administrator
        case .inbox: role != .agencyAdministrator
        case .admin: role == .administrator || role == .agencyAdministrator
        case .reports, .dashboards: role == .administrator || role == .approver
        }
    }

    /// Where a person of `role` lands after signing in.
    public static func home(for role: Role) -> StaffSection {
        switch role {
        case .editor: .workspace
        case .approver: .approvals
        case .administrator, .agencyAdministrator: .admin
        }
    }
}

/// Who is looking at a staff page and how: what every staff page's layout needs.
public struct StaffFrame: Sendable {
    public var profile: StaffProfile
    /// The anti-forgery token every form of the page carries (`FormToken`).
    public var formToken: String
    public var language: Language
    /// The page's path (without query), for the language switch.
    public var path: String
    /// What was just done (`?done=` after a form): the notice `staff_done_<notice>` is shown.
    public var notice: String?

    public init(profile: StaffProfile, formToken: String, language: Language, path: String, notice: String? = nil) {
        self.profile = profile; self.formToken = formToken; self.language = language; self.path = path; self.notice = notice
    }

    /// `path` with the page's language (`?lang=` or `&lang=`), for links and form actions.
    public func url(_ path: String) -> String { StaffFrame.url(path, language) }

    public static func url(_ path: String, _ language: Language) -> String {
        let (base, fragment) = path.split(separator: "#", maxSplits: 1).map(String.init).splitFirst
        return base + (base.contains("?") ? "&" : "?") + "lang=\(language.rawValue)" + (fragment.map { "#" + $0 } ?? "")
    }
}

private extension Array where Element == String {
    var splitFirst: (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}

public struct StaffPages: Sendable {
    let library: MustacheLibrary
    let texts = PageTexts.shared

    public static let shared = try! StaffPages()

    /// The staff templates and the public layout (the sign-in page wears the public look).
    /// Add a page's template to this list.
    static let templates: [(String, [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("staff", PackageResources.staff_mustache),
        ("signin", PackageResources.signin_mustache), ("staff-error", PackageResources.staff_error_mustache),
        ("inbox", PackageResources.inbox_mustache), ("workspace", PackageResources.workspace_mustache),
        ("approvals", PackageResources.approvals_mustache), ("review", PackageResources.review_mustache),
        ("admin", PackageResources.admin_mustache),
        // Reports, dashboards and the open-data list's administration (`StaffViews`); `chart` is the SVG partial.
        ("chart", PackageResources.chart_mustache), ("reports", PackageResources.reports_mustache),
        ("dashboards", PackageResources.dashboards_mustache), ("admin-catalogue", PackageResources.admin_catalogue_mustache),
        ("admin-audit", PackageResources.admin_audit_mustache), ("harvest", PackageResources.harvest_mustache),
        ("metadata", PackageResources.metadata_mustache), ("propose", PackageResources.propose_mustache),
        // Sign-in through an OpenID Connect provider (StaffPages+SignOn.swift).
        ("signon", PackageResources.signon_mustache), ("admin-identities", PackageResources.admin_identities_mustache),
    ]

    public init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.templates { try library.register(String(decoding: bytes, as: UTF8.self), named: name) }
        self.library = library
    }

    // MARK: rendering

    /// Renders `template` (which inherits `staff`) with `values` over the layout's: the texts
    /// (`t`), who is signed in (`who`), the navigation (`nav`), the form token (`csrf`).
    /// `section`: the navigation entry marked current; `notice`: a line confirming what was just done.
    public func render(_ template: String, _ frame: StaffFrame, title: String, section: StaffSection?,
                       notice: String? = nil, values: [String: Any] = [:]) -> String {
        var c = layout(frame, title: title, section: section)
        if let done = frame.notice, let text = texts.all(frame.language)["staff_done_" + done] { c["notice"] = text }
        if let notice { c["notice"] = notice }
        c.merge(values) { _, new in new }
        return library.render(c, withTemplate: template) ?? ""
    }

    /// What the staff layout shows.
    func layout(_ f: StaffFrame, title: String, section: StaffSection?) -> [String: Any] {
        let l = f.language
        var who: [String: Any] = ["name": f.profile.displayName, "role": roleName(f.profile.role, l)]
        if let agency = f.profile.agency { who["agency"] = agency.name }
        return [
            "t": texts.all(l), "lang": l.rawValue, "other_lang": l.other.rawValue, "page_title": title,
            "switch_url": StaffFrame.url(f.path, l.other), "csrf": f.formToken, "who": who,
            "staff_home_url": f.url(StaffSection.home(for: f.profile.role).path),
            "signout_action": f.url("/signout"), "public_url": "/?lang=\(l.rawValue)",
            "nav": StaffSection.allCases.filter { $0.isShown(to: f.profile.role) }.map { s -> [String: Any] in
                ["url": f.url(s.path), "label": texts.text("staff_nav_\(s.rawValue)", l), "current": s == section]
            },
        ]
    }

    /// The role as people of `language` call it.
    public func roleName(_ role: Role, _ language: Language) -> String {
        texts.text("role_" + role.rawValue.replacingOccurrences(of: "-", with: "_"), language)
    }

    /// A text of the page catalogue (for notices and values routes put on pages).
    public func text(_ key: String, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        texts.text(key, language, arguments)
    }

    // MARK: pages

    /// A refusal on a staff page (403 for another agency's page or a form without its token, …),
    /// in the staff layout.
    public func error(status: Int, message: String, requestID: String, frame: StaffFrame) -> String {
        let l = frame.language
        let title = texts.text("error_title", l, ["status": String(status)])
        return render("staff-error", frame, title: title, section: nil, values: [
            "heading": title, "message": message, "request": texts.text("error_request", l, ["id": requestID]),
        ])
    }

    /// What the sign-in form shows: what was typed, where to go after, and why it came back.
    public struct SignInForm: Sendable {
        public var username = ""
        /// A local path to go to once signed in.
        public var next = ""
        /// The double-submit token of the form (before any session exists).
        public var formToken = ""
        public var error: String?
        public var signedOut = false
        /// A button per OpenID Connect provider (`--oidc-issuer`).
        public var providers: [SignOnButton] = []
        public init(username: String = "", next: String = "", formToken: String = "", error: String? = nil, signedOut: Bool = false) {
            self.username = username; self.next = next; self.formToken = formToken; self.error = error; self.signedOut = signedOut
        }
    }

    /// `/signin`, in the public layout.
    public func signIn(_ form: SignInForm, language: Language) -> String {
        let l = language
        var switchPath = "/signin"
        if !form.next.isEmpty, let next = form.next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { switchPath += "?next=" + next }
        var c = PortalPages.shared.layout(l, title: texts.text("signin_title", l), current: "",
                                          switchURL: StaffFrame.url(switchPath, l.other))
        c["action"] = StaffFrame.url("/signin", l)
        c["csrf"] = form.formToken
        c["next"] = form.next
        c["username"] = form.username
        if let e = form.error { c["error"] = e }
        c["signed_out"] = form.signedOut
        var start = ""
        if !form.next.isEmpty, let next = form.next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { start = "?next=" + next }
        c["providers"] = form.providers.map { ["name": $0.name, "url": StaffFrame.url("/signin/oidc/\($0.id)" + start, l)] }
        c["has_providers"] = !form.providers.isEmpty
        return library.render(c, withTemplate: "signin") ?? ""
    }
}
