import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Portal
@testable import App

/// The Department's second review before open publication (Huế 2024 art. 26.4, 30.2), through
/// the pages and through the JSON API: the same service calls, the same audit.
@Suite struct DepartmentReviewPagesTests {
    /// The administrator switches the review on at `/approvals`; the approver's approval then
    /// publishes nothing (no tiles, no OGC items, no dataset page) and the version waits in the
    /// Department's queue; the administrator returns it with a comment the editor sees, then
    /// after resubmission and approval publishes it, and the public routes serve it.
    @Test func anApprovedVersionWaitsForTheDepartmentThroughThePages() async throws {
        let f = try StaffFixture()
        let communes = try Data(contentsOf: TestPaths.fixture("hue/communes.geojson"))
        let portal = f.portal
        try await f.app.test(.router) { c in
            var admin = StaffBrowser(), editor = StaffBrowser(), approver = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            try await editor.signIn(c, "bien-tap")
            try await approver.signIn(c, "lanh-dao")

            // The switch, off in a new store; the administrator's navigation offers the queue.
            let (s0, _, queue0) = try await admin.get(c, "/approvals?lang=vi")
            #expect(s0 == .ok && queue0.contains("Sở duyệt trước khi công bố") && queue0.contains("href=\"/approvals?lang=vi\" aria-current=\"page\""))
            #expect(queue0.contains(#"value="off" checked"#) && queue0.contains("Không có phiên bản nào đang chờ Sở duyệt."))
            let setting = try #require(StaffBrowser.action(queue0, startingWith: "/approvals/department-review"))
            let (s1, h1, _) = try await admin.post(c, setting, [("csrf", StaffBrowser.formToken(queue0) ?? ""), ("review", "on")])
            #expect(s1 == .seeOther && h1[.location] == "/approvals?done=department_review_on&lang=vi")
            #expect(try portal.departmentReviewIsOn())
            // An approver cannot switch it.
            let (_, _, own) = try await approver.get(c, "/approvals?lang=vi")
            let (s1b, _, _) = try await approver.post(c, "/approvals/department-review?lang=vi", [("csrf", StaffBrowser.formToken(own) ?? ""), ("review", "off")])
            let stillOn = try portal.departmentReviewIsOn()
            #expect(s1b == .forbidden && stillOn)

            // Upload, submit, approve: the approver's button says where the version goes next.
            let (_, _, ws) = try await editor.get(c, "/workspace?lang=vi")
            let upload = try #require(StaffBrowser.action(ws, startingWith: "/workspace/xa-hue/upload"))
            _ = try await editor.upload(c, upload, filename: "communes.geojson", communes)
            let (_, _, draft) = try await editor.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            _ = try await editor.post(c, "/workspace/xa-hue/versions/1/submit?lang=vi", [("csrf", StaffBrowser.formToken(draft) ?? "")])
            let (_, _, review) = try await approver.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            #expect(review.contains("Phê duyệt và chuyển Sở duyệt") && !review.contains("Phê duyệt và công bố"))
            let approve = try #require(StaffBrowser.action(review, startingWith: "/approvals/xa-hue/versions/1/approve"))
            let (s2, h2, _) = try await approver.post(c, approve, [("csrf", StaffBrowser.formToken(review) ?? "")])
            #expect(s2 == .seeOther && h2[.location] == "/approvals?done=approved_department&lang=vi")

            // Not public: no OGC items, no tiles, no dataset page.
            try await expectPublic(c, false)
            let (_, _, waiting) = try await editor.get(c, "/workspace?lang=vi")
            #expect(waiting.contains("chờ Sở duyệt"))
            // The approver has nothing more to do on it.
            let (_, _, after) = try await approver.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            #expect(!after.contains("/approvals/xa-hue/versions/1/approve") && !after.contains("/approvals/xa-hue/versions/1/return"))

            // The Department's queue and review page; a return with a comment the editor sees.
            let (_, _, queue1) = try await admin.get(c, "/approvals?lang=vi")
            #expect(queue1.contains("Xã, phường Huế") && queue1.contains("Sở Tài nguyên và Môi trường") && queue1.contains("lanh-dao"))
            #expect(queue1.contains("href=\"/workspace/xa-hue/versions/1?lang=vi\""))
            let (_, _, adminReview) = try await admin.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            #expect(adminReview.contains("Công bố (Sở duyệt)") && adminReview.contains("phê duyệt"))
            let back = try #require(StaffBrowser.action(adminReview, startingWith: "/approvals/xa-hue/versions/1/return"))
            let (s3, h3, _) = try await admin.post(c, back, [("csrf", StaffBrowser.formToken(adminReview) ?? ""), ("comment", "Thiếu nguồn dữ liệu")])
            #expect(s3 == .seeOther && h3[.location] == "/approvals?done=returned&lang=vi")
            let (_, _, returned) = try await editor.get(c, "/workspace?lang=vi")
            #expect(returned.contains("bị trả lại") && returned.contains("Thiếu nguồn dữ liệu"))
            try await expectPublic(c, false)

            // Again: submitted, approved, then published by the Department.
            let (_, _, again) = try await editor.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            _ = try await editor.post(c, "/workspace/xa-hue/versions/1/submit?lang=vi", [("csrf", StaffBrowser.formToken(again) ?? "")])
            let (_, _, review2) = try await approver.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            _ = try await approver.post(c, approve, [("csrf", StaffBrowser.formToken(review2) ?? "")])
            // The agency's approver cannot publish it.
            let (s4, _, _) = try await approver.post(c, "/approvals/xa-hue/versions/1/publish?lang=vi", [("csrf", StaffBrowser.formToken(review2) ?? "")])
            #expect(s4 == .forbidden)
            try await expectPublic(c, false)
            let (_, _, adminReview2) = try await admin.get(c, "/workspace/xa-hue/versions/1?lang=vi")
            let publish = try #require(StaffBrowser.action(adminReview2, startingWith: "/approvals/xa-hue/versions/1/publish"))
            let (s5, h5, _) = try await admin.post(c, publish, [("csrf", StaffBrowser.formToken(adminReview2) ?? "")])
            #expect(s5 == .seeOther && h5[.location] == "/approvals?done=published&lang=vi")
            try await expectPublic(c, true)
            let history = try portal.versionHistory(dataset: "xa-hue", number: 1, by: PortalService.commandLine).map(\.action)
            #expect(history == ["upload", "submit", "approve", "return", "submit", "approve", "publish"])
        }
    }

    /// The JSON API takes the same path: an approval answers `approved` and publishes nothing;
    /// only the administrator publishes (`…/publish`) or switches the review (`/department-review`).
    @Test func theJSONAPIGoesThroughTheSameReview() async throws {
        let f = try StaffFixture()
        let communes = try Data(contentsOf: TestPaths.fixture("hue/communes.geojson"))
        try await f.app.test(.router) { c in
            var admin = StaffBrowser(), editor = StaffBrowser(), approver = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            try await editor.signIn(c, "bien-tap")
            try await approver.signIn(c, "lanh-dao")
            func api(_ b: StaffBrowser, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> (HTTPResponse.Status, String) {
                var h: HTTPFields = [.cookie: b.cookieHeader]
                if body != nil { h[.contentType] = "application/json" }
                let r = try await c.execute(uri: "/api/portal/" + path, method: method, headers: h, body: body.map { ByteBuffer(string: $0) })
                return (r.status, String(buffer: r.body))
            }
            let (s0, _) = try await api(approver, .put, "department-review", #"{"on":true}"#)
            #expect(s0 == .forbidden)
            let (s1, b1) = try await api(admin, .put, "department-review", #"{"on":true}"#)
            #expect(s1 == .ok && b1.contains(#""on":true"#))

            let (_, _, ws) = try await editor.get(c, "/workspace?lang=vi")
            _ = try await editor.upload(c, try #require(StaffBrowser.action(ws, startingWith: "/workspace/xa-hue/upload")), filename: "c.geojson", communes)
            #expect(try await api(editor, .post, "datasets/xa-hue/versions/1/submit").0 == .ok)
            let (s2, b2) = try await api(approver, .post, "datasets/xa-hue/versions/1/approve")
            #expect(s2 == .ok && b2.contains(#""status":"approved""#))
            try await expectPublic(c, false)
            let (s3, b3) = try await api(admin, .get, "department-review")
            #expect(s3 == .ok && b3.contains(#""dataset":"xa-hue""#) && b3.contains(#""approvedBy":"lanh-dao""#))
            #expect(try await api(approver, .post, "datasets/xa-hue/versions/1/publish").0 == .forbidden)
            #expect(try await api(approver, .get, "department-review").0 == .forbidden)
            let (s4, b4) = try await api(admin, .post, "datasets/xa-hue/versions/1/publish")
            #expect(s4 == .ok && b4.contains(#""status":"published""#))
            try await expectPublic(c, true)
            // Published once: a second publish is a conflict.
            #expect(try await api(admin, .post, "datasets/xa-hue/versions/1/publish").0 == .conflict)
        }
    }

    /// Whether the Huế communes are public: OGC items, the tileset, the dataset page.
    func expectPublic(_ c: some TestClientProtocol, _ visible: Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let items = try await c.execute(uri: "/ogc/collections/xa-hue/items?limit=1", method: .get)
        let tiles = try await c.execute(uri: "/tiles/xa-hue.json", method: .get)
        let page = try await c.execute(uri: visible ? "/datasets/xa-hue?lang=en" : "/datasets/xa-hue?lang=vi", method: .get)
        if visible {
            #expect(items.status == .ok && String(buffer: items.body).contains("\"numberMatched\":152"), sourceLocation: sourceLocation)
            #expect(tiles.status == .ok && page.status == .ok, sourceLocation: sourceLocation)
        } else {
            #expect(items.status == .notFound && tiles.status == .notFound && page.status == .notFound,
                    "items \(items.status), tiles \(tiles.status), page \(page.status)", sourceLocation: sourceLocation)
        }
    }
}
