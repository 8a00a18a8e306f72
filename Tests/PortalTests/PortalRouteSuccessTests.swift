import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import App
@testable import Portal

/// Issue 24: the success path of the portal routes whose refusals alone were tested — tokens,
/// agencies, users (list, disable, enable, password), proposals (list, accept, decline),
/// harvest sources and harvests, the quarterly CSV and the JSON audit — through the router,
/// each checked by what the user then sees through another route, on either engine's store.
@Suite struct PortalRouteSuccessTests {
    static func list(_ r: TestResponse) -> [[String: Any]] { (json(r) as? [[String: Any]]) ?? [] }
    static func object(_ r: TestResponse) -> [String: Any] { (json(r) as? [String: Any]) ?? [:] }

    @Test(arguments: Engine.all) func tokensAreListedAndARevokedOneStopsWorking(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(.router) { c in
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            #expect(Self.list(try await c.send(.get, "/api/portal/tokens", as: editor)).isEmpty)
            let made = try await c.send(.post, "/api/portal/tokens", as: editor, json: #"{"name":"cron nightly"}"#)
            #expect(made.status == .created)
            let secret = try #require(Self.object(made)["token"] as? String)
            let id = try #require((Self.object(made)["info"] as? [String: Any])?["id"] as? Int)

            let listed = Self.list(try await c.send(.get, "/api/portal/tokens", as: editor))
            #expect(listed.map { $0["name"] as? String } == ["cron nightly"])
            #expect(listed.first?["revoked"] as? Bool == false)
            #expect(!String(describing: listed).contains(secret), "the list must not show the secret")
            #expect(Self.object(try await c.send(.get, "/api/portal/me", as: .bearer(secret)))["username"] as? String == "editor-tnmt")

            let gone = try await c.send(.delete, "/api/portal/tokens/\(id)", as: editor)
            #expect(gone.status == .noContent)
            #expect(Self.list(try await c.send(.get, "/api/portal/tokens", as: editor)).first?["revoked"] as? Bool == true)
            #expect(try await c.send(.get, "/api/portal/me", as: .bearer(secret)).status == .unauthorized)
        }
    }

    @Test(arguments: Engine.all) func agenciesAndUsersAreListedAsCreated(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(.router) { c in
            let agencies = Self.list(try await c.send(.get, "/api/portal/agencies"))
            #expect(agencies.compactMap { $0["slug"] as? String } == ["so-gtvt", "so-tnmt"])
            #expect(agencies.first { $0["slug"] as? String == "so-tnmt" }?["name"] as? String == "Sở Tài nguyên và Môi trường")

            let admin = try await c.login("admin", "password-admin")
            #expect(try await c.send(.post, "/api/portal/agencies", as: admin, json: #"{"slug":"so-xd","name":"Sở Xây dựng"}"#).status == .created)
            #expect(Self.list(try await c.send(.get, "/api/portal/agencies")).compactMap { $0["slug"] as? String } == ["so-gtvt", "so-tnmt", "so-xd"])

            let users = Self.list(try await c.send(.get, "/api/portal/users", as: admin))
            #expect(Set(users.compactMap { $0["username"] as? String })
                    == ["admin", "editor-tnmt", "leader-tnmt", "deputy-tnmt", "editor-gtvt", "leader-gtvt"])
            #expect(users.first { $0["username"] as? String == "leader-gtvt" }?["role"] as? String == "approver")
            #expect(!String(describing: users).contains("password"), "no hash or password in the list")
            let tnmt = Self.list(try await c.send(.get, "/api/portal/users?agency=so-tnmt", as: admin))
            #expect(Set(tnmt.compactMap { $0["username"] as? String }) == ["editor-tnmt", "leader-tnmt", "deputy-tnmt"])
        }
    }

    /// Disabling ends the account's sessions and sign-ins until it is enabled again.
    @Test(arguments: Engine.all) func disableThenEnableAnAccount(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(.router) { c in
            let admin = try await c.login("admin", "password-admin")
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            #expect(try await c.send(.get, "/api/portal/me", as: editor).status == .ok)

            #expect(try await c.send(.post, "/api/portal/users/editor-tnmt/disable", as: admin).status == .noContent)
            #expect(try await c.send(.get, "/api/portal/me", as: editor).status == .unauthorized)
            let refused = try await c.send(.post, "/api/portal/login", json: #"{"username":"editor-tnmt","password":"password-editor-tnmt"}"#)
            #expect(refused.status == .unauthorized && refused.headers[.setCookie] == nil)
            let listed = Self.list(try await c.send(.get, "/api/portal/users?agency=so-tnmt", as: admin))
            #expect(listed.first { $0["username"] as? String == "editor-tnmt" }?["disabled"] as? Bool == true)

            #expect(try await c.send(.post, "/api/portal/users/editor-tnmt/enable", as: admin).status == .noContent)
            let back = try await c.login("editor-tnmt", "password-editor-tnmt")
            #expect(try await c.send(.get, "/api/portal/me", as: back).status == .ok)
            let again = Self.list(try await c.send(.get, "/api/portal/users?agency=so-tnmt", as: admin))
            #expect(again.first { $0["username"] as? String == "editor-tnmt" }?["disabled"] as? Bool == false)
        }
    }

    /// A reset password replaces the old one and ends the user's sessions.
    @Test(arguments: Engine.all) func passwordResetByAnAdministrator(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(.router) { c in
            let admin = try await c.login("admin", "password-admin")
            let editor = try await c.login("editor-gtvt", "password-editor-gtvt")
            let reset = try await c.send(.post, "/api/portal/users/editor-gtvt/password", as: admin, json: #"{"password":"mat-khau-moi-2026"}"#)
            #expect(reset.status == .noContent)
            #expect(try await c.send(.get, "/api/portal/me", as: editor).status == .unauthorized)
            #expect(try await c.send(.post, "/api/portal/login", json: #"{"username":"editor-gtvt","password":"password-editor-gtvt"}"#).status == .unauthorized)
            let fresh = try await c.login("editor-gtvt", "mat-khau-moi-2026")
            #expect(Self.object(try await c.send(.get, "/api/portal/me", as: fresh))["username"] as? String == "editor-gtvt")
        }
    }

    /// An agency proposes, the administrator accepts one (it enters the catalogue) and declines
    /// another (it does not); the agency sees both decisions.
    @Test(arguments: Engine.all) func proposalsAreListedAcceptedAndDeclined(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try await fx.app.test(.router) { c in
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            let admin = try await c.login("admin", "password-admin")
            var ids: [String: Int] = [:]
            for (slug, title) in [("quy-hoach-dat", "Quy hoạch sử dụng đất"), ("diem-rac", "Điểm tập kết rác")] {
                let r = try await c.send(.post, "/api/portal/proposals", as: editor,
                                         json: #"{"agency":"so-tnmt","slug":"\#(slug)","title":"\#(title)","frequency":"annual"}"#)
                #expect(r.status == .created, "\(String(buffer: r.body))")
                #expect(Self.object(r)["status"] as? String == "pending")
                ids[slug] = Self.object(r)["id"] as? Int
            }
            let pending = Self.list(try await c.send(.get, "/api/portal/proposals", as: admin))
            #expect(Set(pending.compactMap { $0["slug"] as? String }) == ["quy-hoach-dat", "diem-rac"])
            #expect(pending.allSatisfy { $0["status"] as? String == "pending" })

            let accept = try await c.send(.post, "/api/portal/proposals/\(try #require(ids["quy-hoach-dat"]))/accept", as: admin)
            #expect(accept.status == .ok && Self.object(accept)["status"] as? String == "accepted")
            let decline = try await c.send(.post, "/api/portal/proposals/\(try #require(ids["diem-rac"]))/decline", as: admin,
                                           json: #"{"comment":"Đã có trong bộ dữ liệu môi trường"}"#)
            #expect(decline.status == .ok && Self.object(decline)["status"] as? String == "declined")

            let catalogue = Self.list(try await c.send(.get, "/api/portal/catalogue"))
            let entry = catalogue.first { $0["slug"] as? String == "quy-hoach-dat" }
            #expect(entry?["title"] as? String == "Quy hoạch sử dụng đất")
            #expect(entry?["agency"] as? String == "so-tnmt")
            #expect(entry?["frequency"] as? String == "annual")
            #expect(!catalogue.contains { $0["slug"] as? String == "diem-rac" })

            let seen = Self.list(try await c.send(.get, "/api/portal/proposals", as: editor))
            #expect(seen.first { $0["slug"] as? String == "diem-rac" }?["decisionComment"] as? String == "Đã có trong bộ dữ liệu môi trường")
            #expect(seen.first { $0["slug"] as? String == "quy-hoach-dat" }?["status"] as? String == "accepted")
        }
    }

    /// An editor sets the agency's endpoint, harvests it (a submission with the file's features),
    /// harvests again unchanged (nothing new), and the list shows the source and its last run.
    @Test(arguments: Engine.all) func harvestSourceIsSetListedAndHarvested(_ engine: Engine) async throws {
        let scratch = ScratchDirectory("harvest-success")
        let server = try FixtureServer(root: scratch.url.appendingPathComponent("www"))
        let features = (1...4).map { #"{"type":"Feature","properties":{"ten":"Cầu \#($0)"},"geometry":{"type":"Point","coordinates":[107.5\#($0),16.4]}}"# }
        try server.put("cau.geojson", #"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#)
        let fx = try PortalHTTPFixture(engine, harvestFetcher: loopbackFetcher())
        try fx.f.portal.addToOpenDataList(agency: "so-gtvt", slug: "cau", title: "Cầu", by: fx.f.admin)
        try await fx.app.test(.router) { c in
            let editor = try await c.login("editor-gtvt", "password-editor-gtvt")
            let set = try await c.send(.put, "/api/portal/datasets/cau/harvest-source", as: editor,
                                       json: #"{"url":"\#(server.url("cau.geojson"))","kind":"geojson","intervalSeconds":3600}"#)
            #expect(set.status == .ok, "\(String(buffer: set.body))")
            #expect(Self.object(set)["url"] as? String == server.url("cau.geojson"))

            let sources = Self.list(try await c.send(.get, "/api/portal/harvest-sources", as: editor))
            #expect(sources.map { $0["dataset"] as? String } == ["cau"])
            #expect(sources.first?["kind"] as? String == "geojson")
            #expect(sources.first?["intervalSeconds"] as? Int == 3600)

            let pulled = try await c.send(.post, "/api/portal/datasets/cau/harvest", as: editor)
            #expect(pulled.status == .created, "\(String(buffer: pulled.body))")
            #expect(Self.object(pulled)["outcome"] as? String == "submitted")
            let versions = Self.list(try await c.send(.get, "/api/portal/datasets/cau/versions", as: editor))
            #expect(versions.count == 1)
            #expect(versions.first?["status"] as? String == "submitted")
            #expect(versions.first?["featureCount"] as? Int == 4)

            let again = try await c.send(.post, "/api/portal/datasets/cau/harvest", as: editor)
            #expect(again.status == .ok && Self.object(again)["outcome"] as? String == "unchanged")
            #expect(Self.list(try await c.send(.get, "/api/portal/datasets/cau/versions", as: editor)).count == 1)
            let after = Self.list(try await c.send(.get, "/api/portal/harvest-sources", as: editor)).first
            #expect(after?["lastRunAt"] as? String != nil)
            #expect(after?["lastError"] == nil || after?["lastError"] is NSNull)
        }
    }

    /// The quarterly report as CSV (what the Department opens in a spreadsheet) and the audit
    /// log as JSON, after a publication.
    @Test(arguments: Engine.all) func quarterlyCSVAndJSONAudit(_ engine: Engine) async throws {
        let fx = try PortalHTTPFixture(engine)
        try fx.f.portal.addToOpenDataList(agency: "so-tnmt", slug: "ranh-gioi", title: "Ranh giới xã", by: fx.f.admin)
        try await fx.app.test(.router) { c in
            let admin = try await c.login("admin", "password-admin")
            let editor = try await c.login("editor-tnmt", "password-editor-tnmt")
            let approver = try await c.login("leader-tnmt", "password-leader-tnmt")
            let (body, type) = multipart("ranh-gioi.geojson", featureCollection(3))
            #expect(try await c.send(.post, "/api/portal/datasets/ranh-gioi/uploads", as: editor, body: body, contentType: type).status == .created)
            #expect(try await c.send(.post, "/api/portal/datasets/ranh-gioi/versions/1/submit", as: editor).status == .ok)
            #expect(try await c.send(.post, "/api/portal/datasets/ranh-gioi/versions/1/approve", as: approver).status == .ok)

            let csv = try await c.send(.get, "/api/portal/reports/quarterly?quarter=2026Q3&format=csv", as: admin)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(csv.headers[.contentDisposition] == #"attachment; filename="compliance-2026Q3.csv""#)
            let rows = String(buffer: csv.body).split(separator: "\n").map(String.init)
            #expect(rows.first == "quarter,agency,agency_name,dataset,title,frequency,deadline,status,first_published_at,last_published_at,versions_published,features_published")
            let row = try #require(rows.first { $0.contains(",ranh-gioi,") }, "\(rows)")
            #expect(row.hasPrefix("2026Q3,so-tnmt,"))
            #expect(row.contains(",on-time,"))
            #expect(row.hasSuffix(",1,3"), "one version, three features: \(row)")

            let audit = try await c.send(.get, "/api/portal/audit?dataset=ranh-gioi", as: admin)
            #expect(audit.status == .ok)
            #expect(audit.headers[.contentType]?.hasPrefix("application/json") == true)
            let entries = Self.list(audit)
            #expect(entries.compactMap { $0["action"] as? String } == ["catalogue.add", "upload", "submit", "approve"])
            #expect(entries.compactMap { $0["username"] as? String } == ["admin", "editor-tnmt", "editor-tnmt", "leader-tnmt"])
            #expect(entries.last?["versionNumber"] as? Int == 1)
        }
    }
}
