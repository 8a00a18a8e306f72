import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Portal
import PublicErrors
@testable import App

/// A staff form refused for something the person can fix comes back as the same page, with the
/// reason beside the form and what they typed still in it (never a password), in their language;
/// nothing is done.
@Suite struct StaffFormsTests {
    static func message(_ key: String, _ arguments: [String: String] = [:]) -> String {
        // As the page writes it: Mustache escapes the apostrophes around a name.
        SafeMessage(key, arguments).text(in: .vi).replacingOccurrences(of: "'", with: "&#39;")
    }

    @Test func theAdminFormsComeBackWithTheReasonAndWhatWasTyped() async throws {
        let f = try StaffFixture()
        let portal = f.portal
        try await f.app.test(.router) { c in
            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let (_, _, page) = try await admin.get(c, "/admin?lang=vi")
            let token = try #require(StaffBrowser.formToken(page))

            // An agency whose short name is taken.
            let (s1, _, p1) = try await admin.post(c, "/admin/agencies?lang=vi", [("csrf", token), ("name", "Sở Tài nguyên mới"), ("slug", "so-tnmt")])
            #expect(s1 == .conflict && p1.contains("role=\"alert\"") && p1.contains(Self.message("portal.agency.exists", ["agency": "so-tnmt"])), "\(p1)")
            #expect(p1.contains(#"value="Sở Tài nguyên mới""#) && p1.contains(#"value="so-tnmt""#) && p1.contains("Trần Quản Trị"))

            // An account whose user name is taken: the name, display name, role and agency come back; the password does not.
            let (s2, _, p2) = try await admin.post(c, "/admin/users?lang=vi", [("csrf", token), ("username", "lanh-dao"), ("displayName", "Người Trùng Tên"),
                                                                            ("password", "mat-khau-bi-mat-123"), ("role", "approver"), ("agency", "so-xd")])
            #expect(s2 == .conflict && p2.contains(Self.message("portal.user.exists", ["user": "lanh-dao"])), "\(p2)")
            #expect(p2.contains(#"id="new-username" name="username" type="text" required autocomplete="off" value="lanh-dao""#))
            #expect(p2.contains(#"value="Người Trùng Tên""#) && p2.contains(#"<option value="approver" selected>"#) && p2.contains(#"<option value="so-xd" selected>"#))
            #expect(!p2.contains("mat-khau-bi-mat-123"))
            // Too short a password.
            let (s3, _, p3) = try await admin.post(c, "/admin/users?lang=vi", [("csrf", token), ("username", "nguoi-moi"), ("password", "ngan"),
                                                                            ("role", "editor"), ("agency", "so-tnmt")])
            #expect(s3 == .badRequest && p3.contains(Self.message("portal.password.short", ["minimum": String(PasswordHasher.minimumLength)])))
            #expect(p3.contains(#"value="nguoi-moi""#))
            #expect(try portal.users(by: PortalService.commandLine).allSatisfy { $0.username != "nguoi-moi" && $0.displayName != "Người Trùng Tên" })

            // A password reset too short: the reason in that account's row.
            let (s4, _, p4) = try await admin.post(c, "/admin/users/bien-tap/password?lang=vi", [("csrf", token), ("password", "ngan")])
            #expect(s4 == .badRequest)
            let row = try #require(p4.range(of: #"<tr id="user-bien-tap">"#).map { String(p4[$0.lowerBound...].prefix(1500)) })
            #expect(row.contains(Self.message("portal.password.short", ["minimum": String(PasswordHasher.minimumLength)])))
            var editor = StaffBrowser()
            #expect(try await editor.signIn(c, "bien-tap").0 == .seeOther)
        }
    }

    @Test func theHarvestFormComesBackWithTheReasonAndWhatWasTyped() async throws {
        let f = try StaffFixture()
        let portal = f.portal
        try await f.app.test(.router) { c in
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            let (_, _, page) = try await editor.get(c, "/workspace/harvest?lang=vi")
            let token = try #require(StaffBrowser.formToken(page))
            let (s1, _, p1) = try await editor.post(c, "/workspace/harvest?lang=vi", [("csrf", token), ("dataset", "xa-hue"),
                                                                                  ("url", "ftp://du-lieu.hue.gov.vn/xa.geojson"),
                                                                                  ("kind", "ogcapi-features"), ("hours", "6")])
            #expect(s1 == .badRequest && p1.contains(Self.message("portal.harvest.url", ["url": "ftp://du-lieu.hue.gov.vn/xa.geojson"])), "\(p1)")
            #expect(p1.contains(#"value="ftp://du-lieu.hue.gov.vn/xa.geojson""#) && p1.contains(#"value="6" required"#))
            #expect(p1.contains(#"<option value="ogcapi-features" selected>"#) && p1.contains(#"<option value="xa-hue" selected>"#))
            let (s2, _, p2) = try await editor.post(c, "/workspace/harvest?lang=vi", [("csrf", token), ("dataset", "xa-hue"),
                                                                                  ("url", "https://du-lieu.hue.gov.vn/xa.geojson"),
                                                                                  ("kind", "geojson"), ("hours", "mot")])
            #expect(s2 == .badRequest && p2.contains(Self.message("portal.harvest.hours", ["value": "mot"])) && p2.contains(#"value="mot""#))
            #expect(try portal.harvestSources(by: PortalService.commandLine).isEmpty)
        }
    }

    @Test func theCatalogueFormsComeBackWithTheReasonAndTheComment() async throws {
        let f = try StaffFixture()
        let portal = f.portal
        let editor = try portal.authenticate(token: portal.login(username: "bien-tap", password: StaffFixture.password, client: "t").token)
        let declined = try portal.propose(agency: "so-tnmt", slug: "cay-xanh", title: "Cây xanh", by: editor)
        let taken = try portal.propose(agency: "so-tnmt", slug: "gieng-khoan", title: "Giếng khoan", by: editor)
        // Catalogued meanwhile by the command line: accepting the proposal is now a conflict.
        try portal.addToOpenDataList(agency: "so-tnmt", slug: "gieng-khoan", title: "Giếng khoan", by: PortalService.commandLine)
        try await f.app.test(.router) { c in
            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let (_, _, page) = try await admin.get(c, "/admin/catalogue?lang=vi")
            let token = try #require(StaffBrowser.formToken(page))
            let (s1, _, p1) = try await admin.post(c, "/admin/catalogue/proposals/\(declined.id)/decline?lang=vi", [("csrf", token), ("comment", "   ")])
            #expect(s1 == .badRequest && p1.contains(Self.message("portal.proposal.reasonRequired")) && p1.contains("role=\"alert\""), "\(p1)")
            let (s2, _, p2) = try await admin.post(c, "/admin/catalogue/proposals/\(taken.id)/accept?lang=vi",
                                                   [("csrf", token), ("comment", "Đồng ý, cập nhật hằng năm")])
            #expect(s2 == .conflict && p2.contains(Self.message("portal.dataset.inCatalogue", ["dataset": "gieng-khoan"])), "\(p2)")
            #expect(p2.contains(">Đồng ý, cập nhật hằng năm</textarea>"))
            #expect(try portal.proposals(by: PortalService.commandLine).allSatisfy { $0.status == "pending" })
        }
    }
}
