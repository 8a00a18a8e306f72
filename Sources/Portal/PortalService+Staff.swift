// What the staff pages need about the person signed in, beyond the `Actor` every rule is
// checked against: the name to greet them by and their agency's name. And the token a staff
// form carries so that a page of another site cannot post it with the person's cookie: bound to
// the session, so it changes when they sign in again and is worth nothing without the cookie.
import Foundation
import Crypto
import GeoStore
import PublicErrors

/// The signed-in person as the staff pages show them.
public struct StaffProfile: Sendable, Equatable {
    public var username: String
    /// The name people call them by; the user name when none was given.
    public var displayName: String
    public var role: Role
    /// Their agency (editors, approvers, agency administrators); nil for the Department.
    public var agency: AgencyInfo?

    public init(username: String, displayName: String, role: Role, agency: AgencyInfo?) {
        self.username = username; self.displayName = displayName; self.role = role; self.agency = agency
    }
}

extension PortalService {
    /// The profile of `actor` (one read; the actor comes from `authenticate(token:)`).
    public func profile(of actor: Actor) throws -> StaffProfile {
        try records.read { tx in
            let name = try tx.account(id: actor.userID)?.displayName ?? ""
            let agency = try actor.agencyID.flatMap { try tx.agency(id: $0) }.map { AgencyInfo(id: $0.id, slug: $0.slug, name: $0.name) }
            return StaffProfile(username: actor.username, displayName: name.isEmpty ? actor.username : name,
                                role: actor.role, agency: agency)
        }
    }
}

/// The anti-forgery token of staff forms: HMAC-SHA256 keyed by the session secret, so it needs
/// no storage, survives a restart, and cannot be computed by anyone who lacks the cookie.
public enum FormToken {
    public static func make(session: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("bando-staff-form".utf8), using: SymmetricKey(data: Data(session.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `given` is the token of `session`, compared in constant time.
    public static func verify(_ given: String?, session: String) -> Bool {
        guard let given else { return false }
        let expected = Array(make(session: session).utf8), got = Array(given.utf8)
        guard expected.count == got.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, got) { difference |= a ^ b }
        return difference == 0
    }
}

extension PortalService {
    /// Who did what to one version and when (upload, submit, return with its comment, approve),
    /// oldest first: the audit log's entries about it, for those who may see the version.
    public func versionHistory(dataset: String, number: Int, by actor: Actor) throws -> [AuditEntry] {
        try records.read { tx in
            let v = try versionRow(tx, dataset: dataset, number: number)
            try Permissions.authorize(actor, .viewUnpublished(agencyID: try owningAgency(v)))
            return try tx.auditLog(dataset: nil, versionID: v.id, limit: Int.max).map(AuditEntry.init)
        }
    }
}
