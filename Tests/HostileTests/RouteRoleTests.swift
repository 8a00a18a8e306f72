import Foundation
import Testing
import TestSupport

/// Issue 16: every route of `Sources/App/Routes+*.swift` asked by each kind of caller —
/// anonymous, the editor and the approver of agency A, those of agency B, the administrator —
/// against the real `bando serve`; the answers must match the table below. Agency A owns the
/// workflow dataset and the Huế communes, agency B the commune points.
@Suite(.serialized) struct RouteRoleTests {
    /// What one caller must get from one route: one of `statuses`, and `check` (nil: fine) on the answer.
    struct Expect: Sendable {
        var statuses: Set<Int>
        var check: (@Sendable (WireAnswer) -> String?)? = nil
        var text: String { statuses.sorted().map(String.init).joined(separator: "|") }
    }

    struct Row: Sendable {
        var method: String
        var path: @Sendable (Caller) -> String
        var label: String
        var json: (@Sendable (Caller) -> String)? = nil
        var upload: Bool = false
        /// The token to send instead of the caller's own session (e.g. a second session to end).
        var token: (@Sendable (Caller) -> String?)? = nil
        var expect: [Caller: Expect]
    }

    // MARK: the expectations of one row, by who may do it

    static func all(_ s: Int...) -> [Caller: Expect] { Dictionary(uniqueKeysWithValues: Caller.allCases.map { ($0, Expect(statuses: Set(s))) }) }
    static func signedIn(_ s: Int...) -> [Caller: Expect] {
        var e = Dictionary(uniqueKeysWithValues: Caller.allCases.map { ($0, Expect(statuses: Set(s))) })
        e[.anonymous] = Expect(statuses: [401])
        return e
    }
    /// Only `allowed` get `s`; other signed-in callers 403, anonymous 401.
    static func only(_ allowed: Set<Caller>, _ s: Int...) -> [Caller: Expect] {
        Dictionary(uniqueKeysWithValues: Caller.allCases.map { c in
            (c, Expect(statuses: c == .anonymous ? [401] : allowed.contains(c) ? Set(s) : [403]))
        })
    }
    static let agencyA: Set<Caller> = [.editorA, .approverA]

    static let workflow = "quy-trinh-a"
    static let draftOnly = "nhap-a"
    static let tinyGeoJSON = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"Điểm 1"},"geometry":{"type":"Point","coordinates":[107.58,16.46]}},{"type":"Feature","properties":{"ten":"Điểm 2"},"geometry":{"type":"Point","coordinates":[107.6,16.47]}}]}"#

    /// Version numbers of `workflow` set aside per caller: drafts to submit, submissions to approve and to return.
    static func version(_ base: Int, _ c: Caller) -> Int { base + Caller.allCases.firstIndex(of: c)! }
    static let submitBase = 2, approveBase = 8, returnBase = 14, draftCount = 18

    /// Per-run state the paths refer to: token ids, proposal ids, feedback ids, second sessions.
    final class State: @unchecked Sendable {
        var ownToken: [Caller: Int] = [:]
        var victimToken = 0
        var acceptProposal: [Caller: Int] = [:]
        var declineProposal: [Caller: Int] = [:]
        var feedback: [Caller: Int] = [:]
        var spareSession: [Caller: String] = [:]
    }

    static func rows(_ st: State, root: URL) -> [Row] {
        let A = BandoSite.datasetA, B = BandoSite.datasetB, W = workflow
        func get(_ p: String, _ e: [Caller: Expect]) -> Row { Row(method: "GET", path: { _ in p }, label: "GET \(p)", expect: e) }
        let vendorBuilt = FileManager.default.fileExists(atPath: root.appendingPathComponent("Public/vendor/maplibre/maplibre-gl.js").path)
        let fontsBuilt = FileManager.default.fileExists(atPath: root.appendingPathComponent("Public/fonts/DejaVu Sans Book/0-255.pbf").path)
        /// Harvest sources: an agency's users see their own agency's only (issue 16), administrators all.
        let harvestList: @Sendable (Caller) -> Expect = { c in
            let foreign: String? = switch c {
            case .editorA, .approverA: B
            case .editorB, .approverB: W
            default: nil
            }
            let own: String? = switch c {
            case .editorA, .approverA: W
            case .editorB, .approverB: B
            default: nil
            }
            guard c != .anonymous else { return Expect(statuses: [401]) }
            if c == .admin {
                return Expect(statuses: [200]) { a in a.text.contains("\"\(W)\"") && a.text.contains("\"\(B)\"") ? nil : "the administrator must see every agency's sources" }
            }
            return Expect(statuses: [200, 403]) { a in
                if a.status == 403 { return nil }
                if let foreign, a.text.contains("\"\(foreign)\"") { return "lists another agency's harvest source ('\(foreign)')" }
                if let own, !a.text.contains("\"\(own)\"") { return "does not list its own agency's source ('\(own)')" }
                return nil
            }
        }

        var rows: [Row] = [
            // Routes+DatasetList, Routes+Downloads
            get("/healthz", all(200)),
            get("/metrics", all(200)),
            get("/api/stats", all(200)),
            get("/api/stats?format=csv&by=agency", all(200)),
            get("/api/datasets", all(200)),
            get("/api/datasets/\(A)/downloads", all(200)),
            get("/downloads/\(A).geojson", all(301)),
            get("/downloads/\(A)/latest.geojson", all(200)),
            Row(method: "HEAD", path: { _ in "/downloads/\(A)/latest.geojson" }, label: "HEAD /downloads/\(A)/latest.geojson", expect: all(200)),
            get("/downloads/\(A)/v1.csv", all(200)),
            get("/downloads/\(A)/v1.geojson.sha256", all(200)),
            get("/downloads/\(B)/latest.kml", all(200)),
            get("/downloads/\(draftOnly)/latest.geojson", all(404)),
            // Routes+Tiles
            get("/tiles", all(200)),
            get("/tiles/\(A).json", all(200)),
            get(BandoSite.tilePath, all(200)),
            get("/tiles/\(draftOnly).json", all(404)),
            get("/tileMatrixSets", all(200)),
            get("/tileMatrixSets/WebMercatorQuad", all(200)),
            get("/tileMatrixSets/Other", all(404)),
            get("/collections/\(A)/tiles", all(200)),
            get("/collections/\(A)/tiles/WebMercatorQuad", all(200)),
            get("/collections/\(A)/tiles/WebMercatorQuad/9/232/409", all(200)),
            // Routes+Map
            get("/map", all(200)),
            get("/map.js", all(200)),
            get("/styles/default.json", all(200)),
            get("/fonts/DejaVu%20Sans%20Book/0-255.pbf", all(fontsBuilt ? 200 : 404)),
            get("/vendor/maplibre/maplibre-gl.js", all(vendorBuilt ? 200 : 404)),
            // Routes+Basemap: the built-in basemap (made at start from Fixtures/basemap) and the place search
            get("/basemap/style.json", all(200)),
            get("/basemap/tiles.json", all(200)),
            get("/basemap/tiles/7/102/58.mvt", all(200)),
            get("/api/places?q=hue", all(200)),
            // Routes+Web: the portal's pages are public
            get("/", all(200)),
            get("/datasets?q=hue", all(200)),
            get("/datasets/\(A)", all(200)),
            get("/datasets/\(draftOnly)", all(404)),
            get("/web/portal.css", all(200)),
            get("/developers", all(200)),
            get("/web/map.css", all(200)),
            get("/web/dataset-map.js", all(200)),
            get("/feedback?dataset=\(A)", all(200)),
            // The page's form (urlencoded, as browsers send it): anyone, and back to the receipt.
            Row(method: "POST", path: { _ in "/feedback" }, label: "POST /feedback",
                json: { _ in "category=quality&dataset=\(A)&message=Sai+t%C3%AAn+x%C3%A3" }, expect: all(303)),
            get("/stats", all(200)),
            // Routes+OGCFeatures
            get("/ogc", all(200)),
            get("/ogc/api", all(200)),
            get("/ogc/conformance", all(200)),
            get("/ogc/collections", all(200)),
            get("/ogc/collections/\(A)", all(200)),
            get("/ogc/collections/\(A)/queryables", all(200)),
            get("/ogc/collections/\(A)/schema", all(200)),
            get("/ogc/collections/\(A)/items?limit=2", all(200)),
            get("/ogc/collections/\(A)/items/1", all(200)),
            get("/ogc/collections/\(draftOnly)", all(404)),
            get("/ogc/collections/\(W)/items?limit=1", all(200)),
            // Routes+Analysis
            get("/api/analysis/point-in-area?dataset=\(A)&lon=107.58&lat=16.46", all(200)),
            get("/api/analysis/within-distance?dataset=\(B)&lon=107.58&lat=16.46&distance=2000", all(200)),
            get("/api/analysis/nearest?dataset=\(B)&lon=107.58&lat=16.46&k=3", all(200)),
            get("/api/analysis/aggregate?dataset=\(B)&areas=\(A)", all(200)),
            Row(method: "POST", path: { _ in "/api/analysis/nearest" }, label: "POST /api/analysis/nearest",
                json: { _ in #"{"dataset":"\#(B)","lon":107.58,"lat":16.46,"k":2}"# }, expect: all(200)),
            Row(method: "POST", path: { _ in "/api/analysis/point-in-area" }, label: "POST /api/analysis/point-in-area",
                json: { _ in #"{"dataset":"\#(A)","points":[[107.58,16.46],[107.6,16.47]]}"# }, expect: all(200)),
            Row(method: "POST", path: { _ in "/api/analysis/within-distance" }, label: "POST /api/analysis/within-distance",
                json: { _ in #"{"dataset":"\#(B)","lon":107.58,"lat":16.46,"distance":2000}"# }, expect: all(200)),
            Row(method: "POST", path: { _ in "/api/analysis/aggregate" }, label: "POST /api/analysis/aggregate",
                json: { _ in #"{"dataset":"\#(B)","areas":"\#(A)"}"# }, expect: all(200)),
            // Routes+CatalogueAPI
            get("/api/catalog", all(200)),
            get("/api/catalog/\(A)", all(200)),
            get("/api/catalog/\(draftOnly)", all(404)),
            get("/catalog.jsonld", all(200)),
            get("/api/3", all(200)),
            get("/api/3/action/package_list", all(200)),
            get("/api/action/package_show?id=\(A)", all(200)),
            Row(method: "POST", path: { _ in "/api/3/action/package_search" }, label: "POST /api/3/action/package_search",
                json: { _ in #"{"q":"Huế"}"# }, expect: all(200)),
            Row(method: "POST", path: { _ in "/api/action/package_show" }, label: "POST /api/action/package_show",
                json: { _ in #"{"id":"\#(A)"}"# }, expect: all(200)),
            get("/khong-co-route-nay", all(404)),
        ]

        // Routes+Portal: sign-in and tokens
        rows += [
            Row(method: "POST", path: { _ in "/api/portal/login" }, label: "POST /api/portal/login (wrong password)",
                json: { c in #"{"username":"\#(c.username ?? "khong-co")","password":"sai-mat-khau"}"# }, expect: all(401)),
            Row(method: "POST", path: { _ in "/api/portal/logout" }, label: "POST /api/portal/logout (a second session)",
                token: { c in st.spareSession[c] }, expect: all(204)),
            get("/api/portal/me", signedIn(200)),
            get("/api/portal/tokens", signedIn(200)),
            Row(method: "POST", path: { _ in "/api/portal/tokens" }, label: "POST /api/portal/tokens",
                json: { c in #"{"name":"script-\#(c)"}"# }, expect: signedIn(201)),
            Row(method: "DELETE", path: { c in "/api/portal/tokens/\(st.ownToken[c] ?? 999_999)" }, label: "DELETE /api/portal/tokens/{own}",
                expect: signedIn(204)),
            Row(method: "DELETE", path: { _ in "/api/portal/tokens/\(st.victimToken)" }, label: "DELETE /api/portal/tokens/{editor A's}",
                expect: only([.editorA, .admin], 204)),
        ]
        // agencies and users
        rows += [
            get("/api/portal/agencies", all(200)),
            Row(method: "POST", path: { _ in "/api/portal/agencies" }, label: "POST /api/portal/agencies",
                json: { c in #"{"slug":"co-quan-\#(c.rawValue.lowercased())","name":"Cơ quan mới"}"# }, expect: only([.admin], 201)),
            get("/api/portal/users", only([.admin], 200)),
            Row(method: "POST", path: { _ in "/api/portal/users" }, label: "POST /api/portal/users",
                json: { c in #"{"username":"moi-\#(c.rawValue.lowercased())","password":"mat-khau-moi-16","role":"editor","agency":"so-a"}"# },
                expect: only([.admin], 201)),
            Row(method: "POST", path: { c in "/api/portal/users/nguoi-\(c.rawValue.lowercased())/disable" }, label: "POST /api/portal/users/{u}/disable",
                expect: only([.admin], 204)),
            Row(method: "POST", path: { c in "/api/portal/users/nguoi-\(c.rawValue.lowercased())/enable" }, label: "POST /api/portal/users/{u}/enable",
                expect: only([.admin], 204)),
            Row(method: "POST", path: { c in "/api/portal/users/nguoi-\(c.rawValue.lowercased())/password" }, label: "POST /api/portal/users/{u}/password",
                json: { _ in #"{"password":"mat-khau-khac-16"}"# }, expect: only([.admin], 204)),
        ]
        // catalogue and proposals
        rows += [
            get("/api/portal/catalogue", all(200)),
            Row(method: "POST", path: { _ in "/api/portal/catalogue" }, label: "POST /api/portal/catalogue",
                json: { c in #"{"agency":"so-a","slug":"muc-\#(c.rawValue.lowercased())","title":"Mục mới"}"# }, expect: only([.admin], 201)),
            get("/api/portal/proposals", signedIn(200)),
            Row(method: "POST", path: { _ in "/api/portal/proposals" }, label: "POST /api/portal/proposals (for agency A)",
                json: { c in #"{"agency":"so-a","slug":"de-xuat-\#(c.rawValue.lowercased())","title":"Đề xuất"}"# }, expect: only(agencyA, 201)),
            Row(method: "POST", path: { c in "/api/portal/proposals/\(st.acceptProposal[c] ?? 999_999)/accept" }, label: "POST /api/portal/proposals/{id}/accept",
                expect: only([.admin], 200)),
            Row(method: "POST", path: { c in "/api/portal/proposals/\(st.declineProposal[c] ?? 999_999)/decline" }, label: "POST /api/portal/proposals/{id}/decline",
                json: { _ in #"{"comment":"không"}"# }, expect: only([.admin], 200)),
        ]
        // versions: upload, submit, approve, return
        rows += [
            get("/api/portal/datasets/\(W)/versions", only([.editorA, .approverA, .admin], 200)),
            Row(method: "POST", path: { _ in "/api/portal/datasets/\(W)/uploads" }, label: "POST /api/portal/datasets/{A's}/uploads",
                upload: true, expect: only(agencyA, 201)),
            Row(method: "POST", path: { c in "/api/portal/datasets/\(W)/versions/\(version(submitBase, c))/submit" }, label: "POST …/versions/{draft}/submit",
                expect: only(agencyA, 200)),
            Row(method: "POST", path: { c in "/api/portal/datasets/\(W)/versions/\(version(approveBase, c))/approve" }, label: "POST …/versions/{submitted}/approve",
                expect: only([.approverA], 200)),
            Row(method: "POST", path: { c in "/api/portal/datasets/\(W)/versions/\(version(returnBase, c))/return" }, label: "POST …/versions/{submitted}/return",
                json: { _ in #"{"comment":"sửa lại"}"# }, expect: only([.approverA], 200)),
            // The Department's second review (off on this server): only the administrator may
            // publish, and a version its agency has not approved is a conflict.
            Row(method: "POST", path: { _ in "/api/portal/datasets/\(W)/versions/1/publish" }, label: "POST …/versions/{not approved}/publish",
                expect: only([.admin], 409)),
            get("/api/portal/department-review", only([.admin], 200)),
            Row(method: "PUT", path: { _ in "/api/portal/department-review" }, label: "PUT /api/portal/department-review (off, as it is)",
                json: { _ in #"{"on":false}"# }, expect: only([.admin], 200)),
            get("/api/portal/datasets/\(W)/metadata", signedIn(200)),
            Row(method: "PUT", path: { _ in "/api/portal/datasets/\(W)/metadata" }, label: "PUT /api/portal/datasets/{A's}/metadata",
                json: { c in #"{"titleEN":"Workflow \#(c)"}"# }, expect: only(agencyA, 200)),
        ]
        // harvesting
        rows += [
            Row(method: "GET", path: { _ in "/api/portal/harvest-sources" }, label: "GET /api/portal/harvest-sources",
                expect: Dictionary(uniqueKeysWithValues: Caller.allCases.map { ($0, harvestList($0)) })),
            Row(method: "PUT", path: { _ in "/api/portal/datasets/\(W)/harvest-source" }, label: "PUT /api/portal/datasets/{A's}/harvest-source",
                json: { _ in #"{"url":"https://du-lieu.example.org/quy-trinh.geojson","kind":"geojson"}"# }, expect: only(agencyA, 200)),
            // The source cannot be reached from the test machine: the agency's users get the
            // harvest's own answer (502 "could not be read"), the others are refused first.
            Row(method: "POST", path: { _ in "/api/portal/datasets/\(W)/harvest" }, label: "POST /api/portal/datasets/{A's}/harvest",
                expect: only(agencyA, 502, 201, 200)),
        ]
        // audit, reports, feedback
        rows += [
            get("/api/portal/audit", only([.admin], 200)),
            get("/api/portal/audit?format=csv", only([.admin], 200)),
            // An agency's leader (its approver) reads the report of that agency only.
            Row(method: "GET", path: { _ in "/api/portal/reports/quarterly" }, label: "GET /api/portal/reports/quarterly",
                expect: only([.admin, .approverA, .approverB], 200).merging([
                    .approverA: Expect(statuses: [200]) { a in a.text.contains("\"so-b\"") ? "approver A sees agency B's section" : nil },
                    .approverB: Expect(statuses: [200]) { a in a.text.contains("\"so-a\"") ? "approver B sees agency A's section" : nil },
                ]) { _, new in new }),
            Row(method: "POST", path: { _ in "/api/portal/feedback" }, label: "POST /api/portal/feedback",
                json: { _ in #"{"dataset":"\#(A)","category":"quality","message":"Ranh giới xã sai"}"# }, expect: all(201)),
            get("/api/portal/feedback", all(200)),
            get("/api/portal/feedback/queue", signedIn(200)),
            Row(method: "POST", path: { c in "/api/portal/feedback/\(st.feedback[c] ?? 999_999)/answer" }, label: "POST /api/portal/feedback/{A's}/answer",
                json: { _ in #"{"answer":"Đã sửa"}"# }, expect: only(agencyA, 200)),
        ]
        // Routes+Staff*.swift: the staff pages. Anonymous callers are sent to the sign-in page
        // (303); these requests carry no form token, so every staff form is refused (403) to
        // everyone signed in, and the sign-in form without its own cookie too.
        func page(_ e: [Caller: Expect]) -> [Caller: Expect] { var e = e; e[.anonymous] = Expect(statuses: [303]); return e }
        rows += [
            get("/signin", all(200)),
            Row(method: "POST", path: { _ in "/signin" }, label: "POST /signin (without the form's cookie)",
                json: { c in "username=\(c.username ?? "x")&password=\(BandoSite.password)" }, expect: all(403)),
            Row(method: "POST", path: { _ in "/signout" }, label: "POST /signout (without a form token)", expect: page(signedIn(403))),
            // Single sign-on (issue 20): this server has no provider configured.
            get("/signin/oidc/1", all(404)),
            get("/signin/oidc/1/callback?code=x&state=y", all(404)),
            get("/admin/identities", page(only([.admin], 200))),
            Row(method: "POST", path: { _ in "/admin/identities" }, label: "POST /admin/identities (without a form token)",
                json: { _ in "username=bien-tap&provider=1&email=a%40b.vn" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/identities/1/remove" }, label: "POST /admin/identities/1/remove (without a form token)",
                expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/identities/1/password-off" }, label: "POST /admin/identities/1/password-off (without a form token)",
                expect: page(signedIn(403))),
            get("/inbox", page(signedIn(200))),
            Row(method: "POST", path: { c in "/inbox/\(st.feedback[c] ?? 999_999)/answer" }, label: "POST /inbox/{A's}/answer (without a form token)",
                json: { _ in "answer=x" }, expect: page(signedIn(403))),
            get("/web/staff-upload.js", all(200)),
            get("/workspace", page(only([.editorA, .approverA, .editorB, .approverB], 200))),
            Row(method: "POST", path: { _ in "/workspace/\(W)/upload" }, label: "POST /workspace/{A's}/upload (without a form token)",
                upload: true, expect: page(signedIn(403))),
            get("/workspace/\(W)/versions/1", page(only([.editorA, .approverA, .admin], 200))),
            get("/workspace/\(W)/versions/1/features.geojson", page(only([.editorA, .approverA, .admin], 200))),
            get("/web/staff-review-map.js", all(200)),
            Row(method: "POST", path: { _ in "/workspace/\(W)/versions/1/submit" }, label: "POST /workspace/{A's}/versions/1/submit (without a form token)",
                expect: page(signedIn(403))),
            // For the administrator: the Department's second review.
            get("/approvals", page(only([.approverA, .approverB, .admin], 200))),
            Row(method: "POST", path: { _ in "/approvals/\(W)/versions/1/publish" }, label: "POST /approvals/{A's}/versions/1/publish (without a form token)",
                expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/approvals/department-review" }, label: "POST /approvals/department-review (without a form token)",
                json: { _ in "review=on" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/approvals/\(W)/versions/1/approve" }, label: "POST /approvals/{A's}/versions/1/approve (without a form token)",
                expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/approvals/\(W)/versions/1/return" }, label: "POST /approvals/{A's}/versions/1/return (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            get("/admin", page(only([.admin], 200))),
            Row(method: "POST", path: { _ in "/admin/agencies" }, label: "POST /admin/agencies (without a form token)",
                json: { _ in "slug=so-moi&name=S%E1%BB%9F+M%E1%BB%9Bi" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/users" }, label: "POST /admin/users (without a form token)",
                json: { _ in "username=moi&password=mat-khau-moi-1&role=editor&agency=so-a" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/users/nguoi-admin/disable" }, label: "POST /admin/users/{name}/disable (without a form token)",
                expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/users/nguoi-admin/enable" }, label: "POST /admin/users/{name}/enable (without a form token)",
                expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/users/nguoi-admin/password" }, label: "POST /admin/users/{name}/password (without a form token)",
                json: { _ in "password=mat-khau-moi-2" }, expect: page(signedIn(403))),
        ]
        // Routes+StaffReports.swift, Routes+StaffAdministration.swift: reports and dashboards for the
        // administrator and each agency's leader; the catalogue's administration for the
        // administrator; harvest, metadata and proposals for an agency's own staff.
        let leaders: Set<Caller> = [.admin, .approverA, .approverB]
        rows += [
            get("/reports", page(only(leaders, 200))),
            get("/reports?format=csv", page(only(leaders, 200))),
            get("/dashboards?by=theme", page(only(leaders, 200))),
            get("/admin/catalogue", page(only([.admin], 200))),
            get("/admin/audit?action=approve", page(only([.admin], 200))),
            get("/admin/audit?format=csv", page(only([.admin], 200))),
            get("/admin/harvest", page(only([.admin], 200))),
            get("/workspace/harvest", page(only([.editorA, .approverA, .editorB, .approverB], 200))),
            get("/workspace/propose", page(only([.editorA, .approverA, .editorB, .approverB], 200))),
            get("/workspace/datasets/\(W)/metadata", page(only(agencyA, 200))),
        ]
        rows += [
            Row(method: "POST", path: { _ in "/admin/catalogue/proposals/1/accept" }, label: "POST /admin/catalogue/proposals/1/accept (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/catalogue/proposals/1/decline" }, label: "POST /admin/catalogue/proposals/1/decline (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/admin/catalogue/\(W)/review" }, label: "POST /admin/catalogue/\(W)/review (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/workspace/harvest" }, label: "POST /workspace/harvest (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/workspace/harvest/\(W)/run" }, label: "POST /workspace/harvest/\(W)/run (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/workspace/datasets/\(W)/metadata" }, label: "POST /workspace/datasets/\(W)/metadata (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/workspace/datasets/\(W)/changes" }, label: "POST /workspace/datasets/\(W)/changes (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
            Row(method: "POST", path: { _ in "/workspace/propose" }, label: "POST /workspace/propose (without a form token)",
                json: { _ in "comment=x" }, expect: page(signedIn(403))),
        ]
        return rows
    }

    static func multipart(_ content: String) -> ([UInt8], (String, String)) {
        let boundary = "bando-role-table"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"diem.geojson\"\r\nContent-Type: application/geo+json\r\n\r\n\(content)\r\n--\(boundary)--\r\n"
        return (Array(body.utf8), ("Content-Type", "multipart/form-data; boundary=\(boundary)"))
    }

    static func number(_ a: WireAnswer, _ key: String) -> Int? {
        (try? JSONSerialization.jsonObject(with: Data(a.body)) as? [String: Any])?[key] as? Int
    }

    @Test func everyRouteAnswersEachRoleAsTheTableSays() throws {
        let site = try BandoSite()
        // The workflow dataset: v1 published, then drafts set aside per caller; a dataset never published.
        let tiny = site.scratch.path("diem.geojson")
        try Self.tinyGeoJSON.write(toFile: tiny, atomically: true, encoding: .utf8)
        try site.cli(["ingest", tiny, "--dataset", Self.workflow, "--title", "Quy trình A"])
        for _ in 0..<Self.draftCount { try site.cli(["ingest", tiny, "--dataset", Self.workflow, "--draft"]) }
        try site.cli(["ingest", tiny, "--dataset", Self.draftOnly, "--title", "Nháp A", "--draft"])
        for c in Caller.allCases {
            try site.cli(["users", "add", "nguoi-\(c.rawValue.lowercased())", "--role", "editor", "--agency", "so-b", "--password-stdin"],
                         stdin: BandoSite.password + "\n")
        }

        try site.start()
        try site.signInEveryone()
        try site.catalogueDatasets()
        let adopt = site.call("POST", "/api/portal/catalogue", as: .admin,
                              json: #"{"agency":"so-a","slug":"\#(Self.workflow)","title":"Quy trình A","theme":"test"}"#)
        try #require(adopt.status == 201, "catalogue \(Self.workflow): \(adopt.summary)")
        let setupProblems = try Self.setUp(site)
        try #require(setupProblems.isEmpty, "setting up failed:\n\(setupProblems.joined(separator: "\n"))")

        let st = State()
        let rows = Self.rows(st, root: TestPaths.root)
        var mismatches: [String] = []
        var asked = 0
        for caller in Caller.allCases {
            // A fresh process per caller: in-memory throttles (sign-in, feedback) start empty,
            // so one caller's requests do not change another's answers.
            try site.restart()
            try Self.prepare(site, caller, st)
            for row in rows {
                guard let expect = row.expect[caller] else { continue }
                let path = row.path(caller)
                var headers: [(String, String)] = []
                var body: [UInt8] = []
                if let json = row.json { body = Array(json(caller).utf8); headers.append(("Content-Type", "application/json")) }
                if row.upload { let (b, h) = Self.multipart(Self.tinyGeoJSON); body = b; headers.append(h) }
                let token = row.token.map { $0(caller) } ?? site.tokens[caller]
                let a = Wire.exchange(port: site.port, Wire.request(row.method, path, port: site.port, headers: headers, body: body, bearer: token),
                                      deadline: 120)[0]
                asked += 1
                let status = a.status ?? -1
                var problem: String? = nil
                if !expect.statuses.contains(status) { problem = "expected \(expect.text), got \(a.outcome == .answered ? String(status) : a.summary)" }
                else if let check = expect.check, let p = check(a) { problem = "\(status) but \(p)" }
                if let problem {
                    mismatches.append("\(row.label) as \(caller): \(problem); body: \(a.summary.prefix(200))")
                }
                if !site.isRunning { mismatches.append("\(row.label) as \(caller) killed the server"); try site.restart(); try Self.prepare(site, caller, st) }
            }
        }
        let report = "Route × role table: \(rows.count) routes × \(Caller.allCases.count) callers = \(asked) answers, \(mismatches.count) differ from the table\n"
            + mismatches.map { "  " + $0 }.joined(separator: "\n")
        try? report.write(to: TestPaths.root.appendingPathComponent(".build/route-role-report.txt"), atomically: true, encoding: .utf8)
        print(report)
        #expect(mismatches.isEmpty, "\(mismatches.count) answers differ from the table:\n\(mismatches.joined(separator: "\n"))")
    }

    /// Once, before the table: submissions to approve and return, harvest sources of both agencies.
    static func setUp(_ site: BandoSite) throws -> [String] {
        var problems: [String] = []
        func expect(_ a: WireAnswer, _ s: Int, _ what: String) { if a.status != s { problems.append("\(what): \(a.summary)") } }
        for c in Caller.allCases {
            for base in [approveBase, returnBase] {
                expect(site.call("POST", "/api/portal/datasets/\(workflow)/versions/\(version(base, c))/submit", as: .editorA), 200, "submit v\(version(base, c))")
            }
        }
        expect(site.call("PUT", "/api/portal/datasets/\(workflow)/harvest-source", as: .editorA,
                         json: #"{"url":"https://du-lieu.example.org/a.geojson","kind":"geojson"}"#), 200, "harvest source of A")
        expect(site.call("PUT", "/api/portal/datasets/\(BandoSite.datasetB)/harvest-source", as: .editorB,
                         json: #"{"url":"https://du-lieu.example.org/b.geojson","kind":"geojson"}"#), 200, "harvest source of B")
        return problems
    }

    /// Before each caller's pass: the things that pass uses up (a token of its own, proposals
    /// to decide, feedback to answer, a second session to end).
    static func prepare(_ site: BandoSite, _ caller: Caller, _ st: State) throws {
        if caller != .anonymous {
            let t = site.call("POST", "/api/portal/tokens", as: caller, json: #"{"name":"own-\#(caller)"}"#)
            let info = (try? JSONSerialization.jsonObject(with: Data(t.body)) as? [String: Any])?["info"] as? [String: Any]
            let own: Int = try #require(info?["id"] as? Int, "token of \(caller): \(t.summary)")
            st.ownToken[caller] = own
            st.spareSession[caller] = try site.signIn(caller)
        }
        let victim = site.call("POST", "/api/portal/tokens", as: .editorA, json: #"{"name":"victim-\#(caller)"}"#)
        let victimInfo = (try? JSONSerialization.jsonObject(with: Data(victim.body)) as? [String: Any])?["info"] as? [String: Any]
        st.victimToken = try #require(victimInfo?["id"] as? Int, "editor A's token: \(victim.summary)")
        for (i, accept) in [true, false].enumerated() {
            let slug = "de-xuat-\(caller.rawValue.lowercased())-\(i)"
            let p = site.call("POST", "/api/portal/proposals", as: .editorA, json: #"{"agency":"so-a","slug":"\#(slug)","title":"Đề xuất"}"#)
            let id = try #require(number(p, "id"), "proposal: \(p.summary)")
            if accept { st.acceptProposal[caller] = id } else { st.declineProposal[caller] = id }
        }
        let f = site.call("POST", "/api/portal/feedback", json: #"{"dataset":"\#(BandoSite.datasetA)","category":"quality","message":"Thiếu xã"}"#)
        let feedbackID: Int = try #require(number(f, "id"), "feedback: \(f.summary)")
        st.feedback[caller] = feedbackID
    }
}
