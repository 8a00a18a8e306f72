import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Catalogue
import Ingest
import Portal
import PublicErrors
@testable import Web
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import App

/// The report, dashboard and catalogue-administration pages over the staff fixture with one
/// published version (the Huế commune points as agency so-tnmt's `xa-hue`), through the real
/// router, signed in through the form as each role.
@Suite struct StaffReportPagesTests {
    static func fixture() throws -> StaffFixture {
        let f = try StaffFixture()
        _ = try Ingestor.run(IngestOptions(path: TestPaths.fixture("features/hue_commune_points.geojson").path,
                                           metadata: DatasetMetadata(slug: "xa-hue")), into: f.store)
        return f
    }

    /// Each `<svg …>…</svg>` of `page`, parsed as XML: nil when one is not well-formed.
    static func svgs(_ page: String) -> [String] {
        var out: [String] = []
        var rest = page[...]
        while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            out.append(String(rest[start.lowerBound..<end.upperBound]))
            rest = rest[end.upperBound...]
        }
        return out
    }

    static func wellFormed(_ xml: String) -> Bool { XMLParser(data: Data(xml.utf8)).parse() }

    /// RFC 4180 rows (quoted fields with commas, doubled quotes).
    static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" { if let n = it.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false } }
                else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { row.append(field); field = "" }
            else if c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// The administrator's report: a chart per agency (well-formed SVG with its label), the
    /// table beside it, and a CSV whose rows give the same standings as the page shows.
    @Test func theReportShowsAChartATableAndTheSameNumbersAsItsCSV() async throws {
        let f = try Self.fixture()
        let portal = f.portal
        try await f.app.test(.router) { c in
            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let q = Quarter(containing: Date()).description
            let (status, _, page) = try await admin.get(c, "/reports?quarter=\(q)&lang=vi")
            #expect(status == .ok && page.contains("<html lang=\"vi\">") && page.contains("Báo cáo tuân thủ quý \(q)"))
            let svgs = Self.svgs(page)
            #expect(svgs.count == 1 && svgs.allSatisfy(Self.wellFormed), "\(svgs)")
            #expect(svgs.first?.contains("role=\"img\"") == true && svgs.first?.contains("aria-label=\"Số bộ dữ liệu của từng cơ quan") == true)
            #expect(page.contains("href=\"/reports?quarter=\(q)&amp;format=csv&amp;lang=vi\""))
            // The printed page: the stylesheet hides the navigation and forms for print.
            let (_, _, css) = try await admin.get(c, "/web/portal.css")
            #expect(css.contains("@media print") && css.contains("header.site nav"))

            let (cs, ch, csv) = try await admin.get(c, "/reports?quarter=\(q)&format=csv")
            #expect(cs == .ok && ch[.contentType] == "text/csv; charset=utf-8")
            let rows = Self.csvRows(csv)
            #expect(rows.first?.starts(with: ["quarter", "agency", "agency_name", "dataset"]) == true)
            let lines = rows.dropFirst().filter { $0.count > 7 && $0[3] != "*" }
            #expect(Set(lines.map { $0[3] }) == ["xa-hue", "quy-hoach"])
            // Each agency's row of the page's table holds the counts of its CSV lines.
            for agency in ["Sở Tài nguyên và Môi trường", "Sở Xây dựng"] {
                let mine = lines.filter { $0[2] == agency }
                func n(_ s: String) -> Int { mine.filter { $0[7] == s }.count }
                let features = mine.reduce(0) { $0 + (Int($1[11]) ?? 0) }
                let expected = "<th scope=\"row\">\(agency)</th><td>\(mine.count)</td><td>\(n("on-time"))</td><td>\(n("late"))</td><td>\(n("missing"))</td><td>\(n("pending"))</td><td>\(n("not-due"))</td><td>\(features)</td>"
                #expect(page.contains(expected), "the page's row for \(agency) is not \(expected)")
            }
            #expect(lines.first { $0[3] == "xa-hue" }.map { Int($0[11]) ?? 0 } ?? 0 > 0, "the published version's features")
        }
    }

    /// Dashboards: four charts by agency with their tables; a group's link drills down to its
    /// datasets, and the CSV holds the rows shown.
    @Test func dashboardsDrillDownAndExportWhatTheyShow() async throws {
        let f = try Self.fixture()
        try await f.app.test(.router) { c in
            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let (status, _, page) = try await admin.get(c, "/dashboards?lang=en")
            #expect(status == .ok && page.contains("<html lang=\"en\">"))
            let svgs = Self.svgs(page)
            #expect(svgs.count == 4 && svgs.allSatisfy(Self.wellFormed))
            #expect(svgs.allSatisfy { $0.contains("role=\"img\"") && $0.contains("<title>") })
            #expect(page.contains("Sở Tài nguyên và Môi trường") && page.contains("Sở Xây dựng") && page.contains("quy-hoach"))
            let drill = try #require(page.range(of: #"href="(/dashboards\?[^"]*agency=so-tnmt[^"]*)""#, options: .regularExpression))
            let url = String(page[drill].dropFirst(6).dropLast()).replacingOccurrences(of: "&amp;", with: "&")
            let (_, _, drilled) = try await admin.get(c, url)
            #expect(drilled.contains("xa-hue") && !drilled.contains(">quy-hoach<") && !drilled.contains("Quy hoạch xây dựng"))
            #expect(drilled.contains("Agency: Sở Tài nguyên và Môi trường"))
            let (_, _, csv) = try await admin.get(c, url + "&format=csv")
            let rows = Self.csvRows(csv)
            #expect(rows.count == 2 && rows[1][1] == "xa-hue" && rows[1][7] == "yes")
            // A leader sees their own agency only.
            var leader = StaffBrowser()
            try await leader.signIn(c, "lanh-dao")
            let (ls, _, own) = try await leader.get(c, "/dashboards?by=theme")
            #expect(ls == .ok && own.contains("Ranh giới") && !own.contains("Xây dựng"))
            #expect(own.contains("Chưa có lượt sử dụng nào trong quý này"))
            // Use by channel (issue 17's statistics): two OGC API reads and a CKAN package read
            // of xa-hue show as a chart and a table; a dashboard filtered to the other agency has none.
            for path in ["/ogc/collections/xa-hue/items?limit=1", "/ogc/collections/xa-hue/items?limit=2", "/api/3/action/package_show?id=xa-hue"] {
                #expect(try await c.execute(uri: path, method: .get) { $0.status } == .ok, "\(path)")
            }
            let (_, _, used) = try await admin.get(c, "/dashboards?lang=en")
            #expect(Self.svgs(used).count == 5 && Self.svgs(used).allSatisfy(Self.wellFormed))
            #expect(used.contains("<th scope=\"row\">OGC API - Features (feature queries)</th><td>2</td>"), "\(used)")
            #expect(used.contains("<th scope=\"row\">CKAN (harvesting portals)</th><td>1</td>"))
            let (_, _, other) = try await admin.get(c, "/dashboards?lang=en&agency=so-xd")
            #expect(other.contains("No use yet this quarter") && !other.contains("OGC API - Features (feature queries)"))
        }
    }

    /// An editor opens none of the administration or report pages; a form without its token
    /// is refused and changes nothing; with it, the review is recorded.
    @Test func anEditorCannotOpenAdminPagesAndAFormWithoutItsTokenIsRefused() async throws {
        let f = try Self.fixture()
        let portal = f.portal
        try await f.app.test(.router) { c in
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            for path in ["/admin/catalogue", "/admin/audit", "/admin/harvest", "/reports", "/dashboards"] {
                let (s, _, page) = try await editor.get(c, path)
                #expect(s == .forbidden && page.contains("<html lang=\"vi\">"), "\(path): \(s)")
            }
            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let (s0, _, before) = try await admin.get(c, "/admin/catalogue")
            #expect(s0 == .ok && before.contains("Chưa rà soát"))
            let (s1, _, _) = try await admin.post(c, "/admin/catalogue/xa-hue/review", [("comment", "Không có mã")])
            #expect(s1 == .forbidden)
            #expect(try portal.yearlyReview(by: PortalService.commandLine).allSatisfy { $0.reviewedAt == nil })
            let token = try #require(StaffBrowser.formToken(before))
            let (s2, h2, _) = try await admin.post(c, "/admin/catalogue/xa-hue/review", [("csrf", token), ("comment", "Vẫn cần")])
            #expect(s2 == .seeOther && h2[.location]?.hasPrefix("/admin/catalogue?done=reviewed") == true)
            #expect(try portal.yearlyReview(by: PortalService.commandLine).first { $0.slug == "xa-hue" }?.reviewedBy == "quan-tri")
            // An editor posting the administrator's form with a valid token of their own is still refused.
            let (_, _, workspace) = try await editor.get(c, "/workspace/propose")
            let (s3, _, _) = try await editor.post(c, "/admin/catalogue/quy-hoach/review", [("csrf", StaffBrowser.formToken(workspace) ?? "")])
            #expect(s3 == .forbidden)
        }
    }

    /// An editor proposes a dataset with the form; the administrator accepts it with a comment,
    /// which the editor then reads; the audit log finds both steps and exports them as CSV.
    @Test func aProposalIsAcceptedWithACommentAndTheAuditLogFindsIt() async throws {
        let f = try Self.fixture()
        let portal = f.portal
        try await f.app.test(.router) { c in
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            let (_, _, form) = try await editor.get(c, "/workspace/propose")
            let token = try #require(StaffBrowser.formToken(form))
            let (s1, _, _) = try await editor.post(c, "/workspace/propose", [("csrf", token), ("title", "Giếng khoan"), ("slug", "gieng-khoan"),
                                                                            ("theme", "Nước"), ("frequency", "annual"), ("description", "Vị trí giếng")])
            #expect(s1 == .seeOther)
            // A bad short name comes back with the reason and what was typed.
            let (s2, _, refused) = try await editor.post(c, "/workspace/propose", [("csrf", token), ("title", "Sai tên"), ("slug", "Sai Tên!")])
            #expect(s2 == .badRequest && refused.contains("role=\"alert\"") && refused.contains("value=\"Sai tên\""))

            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let (_, _, adminPage) = try await admin.get(c, "/admin")
            #expect(adminPage.contains("href=\"/admin/catalogue?lang=vi\"") && adminPage.contains("href=\"/admin/audit?lang=vi\"")
                    && adminPage.contains("href=\"/admin/harvest?lang=vi\""))
            let (_, _, catalogue) = try await admin.get(c, "/admin/catalogue")
            #expect(catalogue.contains("Giếng khoan") && catalogue.contains("gieng-khoan"))
            let id = try #require(try portal.proposals(by: PortalService.commandLine).first { $0.slug == "gieng-khoan" }?.id)
            let (s3, _, _) = try await admin.post(c, "/admin/catalogue/proposals/\(id)/accept",
                                                  [("csrf", StaffBrowser.formToken(catalogue) ?? ""), ("comment", "Đồng ý, cập nhật hằng năm")])
            #expect(s3 == .seeOther)
            #expect(try portal.openDataList().contains { $0.slug == "gieng-khoan" })
            let (_, _, mine) = try await editor.get(c, "/workspace/propose")
            #expect(mine.contains("đã chấp nhận") && mine.contains("Đồng ý, cập nhật hằng năm"))
            // A second proposal, declined.
            let p2 = try portal.propose(agency: "so-tnmt", slug: "cay-xanh", title: "Cây xanh", by: try portal.authenticate(
                token: portal.login(username: "bien-tap", password: StaffFixture.password, client: "t").token))
            let (s4, _, _) = try await admin.post(c, "/admin/catalogue/proposals/\(p2.id)/decline",
                                                  [("csrf", StaffBrowser.formToken(catalogue) ?? ""), ("comment", "Đã có ở Sở Xây dựng")])
            #expect(s4 == .seeOther)

            let (as1, _, audit) = try await admin.get(c, "/admin/audit?dataset=gieng-khoan")
            #expect(as1 == .ok && audit.contains("proposal.accept") && audit.contains("catalogue.propose") && !audit.contains("cay-xanh"))
            let (_, _, declined) = try await admin.get(c, "/admin/audit?action=proposal.decline&user=quan-tri")
            #expect(declined.contains("cay-xanh") && declined.contains("Đã có ở Sở Xây dựng") && !declined.contains("gieng-khoan"))
            let (_, _, csv) = try await admin.get(c, "/admin/audit?dataset=gieng-khoan&format=csv")
            let rows = Self.csvRows(csv)
            #expect(rows.first?.first == "id" && rows.dropFirst().map { $0[4] } == ["catalogue.propose", "catalogue.add", "proposal.accept"])
            let (bad, _, badPage) = try await admin.get(c, "/admin/audit?from=30/11/2026")
            #expect(bad == .badRequest && badPage.contains("không phải là một ngày"))
        }
    }

    /// The harvest page says a failed pull in the reader's language; the metadata form saves
    /// field descriptions, and an "on change" dataset records its change and deadline.
    @Test func harvestStatusInPlainWordsAndTheMetadataForm() async throws {
        let f = try Self.fixture()
        let (portal, store) = (f.portal, f.store)
        try portal.addToOpenDataList(agency: "so-tnmt", slug: "ranh-gioi", title: "Ranh giới", frequency: .onChange, by: PortalService.commandLine)
        try await f.app.test(.router) { c in
            var editor = StaffBrowser()
            try await editor.signIn(c, "bien-tap")
            // The workspace links to the harvest, proposal and metadata pages.
            let (_, _, workspace) = try await editor.get(c, "/workspace")
            #expect(workspace.contains("href=\"/workspace/harvest?lang=vi\"") && workspace.contains("href=\"/workspace/propose?lang=vi\"")
                    && workspace.contains("href=\"/workspace/datasets/xa-hue/metadata?lang=vi\""))
            let (s0, _, empty) = try await editor.get(c, "/workspace/harvest")
            let token = try #require(StaffBrowser.formToken(empty))
            #expect(s0 == .ok && empty.contains("Chưa thiết lập nguồn thu thập nào.") && !empty.contains("quy-hoach"))
            let (s1, _, _) = try await editor.post(c, "/workspace/harvest", [("csrf", token), ("dataset", "xa-hue"),
                                                                            ("url", "http://127.0.0.1:9/xa.geojson"), ("kind", "geojson"), ("hours", "6")])
            #expect(s1 == .seeOther)
            let (s2, h2, _) = try await editor.post(c, "/workspace/harvest/xa-hue/run", [("csrf", token)])
            #expect(s2 == .seeOther && h2[.location]?.contains("done=harvest_failed") == true)
            let (_, _, failed) = try await editor.get(c, "/workspace/harvest")
            #expect(failed.contains("mỗi 6 giờ") && failed.contains("Lần lấy gần nhất thất bại (1 lần liên tiếp)"))
            #expect(failed.contains("Không đọc được nguồn dữ liệu."), "\(failed)")
            #expect(!failed.contains("could not be read"))
            var admin = StaffBrowser()
            try await admin.signIn(c, "quan-tri")
            let (_, _, all) = try await admin.get(c, "/admin/harvest?lang=en")
            #expect(all.contains("127.0.0.1:9/xa.geojson") && all.contains("every 6 hour(s)"))

            let (m0, _, form) = try await editor.get(c, "/workspace/datasets/xa-hue/metadata")
            #expect(m0 == .ok && form.contains("name=\"field.commune_vn\""), "\(form)")
            let (m1, _, _) = try await editor.post(c, "/workspace/datasets/xa-hue/metadata",
                                                  [("csrf", token), ("title_en", "Commune centres"), ("keywords", "xã, Huế"),
                                                   ("spatial_label", "Thành phố Huế"), ("field.commune_vn", "Tên xã, phường")])
            #expect(m1 == .seeOther)
            let saved = try CatalogueReader(store: store).metadataOf("xa-hue")
            #expect(saved.titleEN == "Commune centres" && saved.keywords == ["xã", "Huế"] && saved.fieldDescriptions?["commune_vn"] == "Tên xã, phường")
            let (m2, _, wrong) = try await editor.post(c, "/workspace/datasets/xa-hue/metadata", [("csrf", token), ("contact_email", "khong dung")])
            #expect(m2 == .badRequest && wrong.contains("role=\"alert\"") && wrong.contains("value=\"khong dung\""))
            // Another agency's editor may not open it.
            var other = StaffBrowser()
            try await other.signIn(c, "bien-tap-xd")
            let (os, _, _) = try await other.get(c, "/workspace/datasets/xa-hue/metadata")
            #expect(os == .forbidden)

            let (_, _, onChange) = try await editor.get(c, "/workspace/datasets/ranh-gioi/metadata")
            #expect(onChange.contains("name=\"changed_on\""))
            let yesterday = PortalCalendar.dayString(Date().addingTimeInterval(-86_400))
            let (c1, _, _) = try await editor.post(c, "/workspace/datasets/ranh-gioi/changes", [("csrf", token), ("changed_on", yesterday),
                                                                                               ("note", "Nghị quyết sáp nhập")])
            #expect(c1 == .seeOther)
            let (_, _, recorded) = try await editor.get(c, "/workspace/datasets/ranh-gioi/metadata")
            #expect(recorded.contains("Nghị quyết sáp nhập"))
        }
    }

    /// The report, dashboard and administration pages in Vietnamese, for each role that opens
    /// them: no English text of the page catalogue left, no unfilled placeholder, no Swift "nil".
    @Test func noEnglishTextIsLeftOnTheReportAndAdministrationPages() async throws {
        let f = try Self.fixture()
        try f.portal.addToOpenDataList(agency: "so-tnmt", slug: "ranh-gioi", title: "Ranh giới", frequency: .onChange, by: PortalService.commandLine)
        let vi = PageTexts.shared.all(.vi), en = PageTexts.shared.all(.en)
        let english = en.filter { key, text in !key.hasPrefix("fmt_") && text != vi[key] && text.count >= 4 }
        try await f.app.test(.router) { c in
            let pages: [(String, [String])] = [
                ("quan-tri", ["/reports", "/dashboards", "/dashboards?by=district", "/admin/catalogue", "/admin/audit", "/admin/harvest"]),
                ("lanh-dao", ["/reports", "/dashboards?by=theme"]),
                ("bien-tap", ["/workspace/harvest", "/workspace/propose", "/workspace/datasets/xa-hue/metadata",
                              "/workspace/datasets/ranh-gioi/metadata"]),
            ]
            var seen: [(String, String)] = []
            for (user, paths) in pages {
                var b = StaffBrowser()
                try await b.signIn(c, user)
                for path in paths {
                    let (status, _, html) = try await b.get(c, path + (path.contains("?") ? "&" : "?") + "lang=vi")
                    #expect(status == .ok, "\(path) as \(user): \(status)")
                    seen.append(("\(path) as \(user)", html))
                }
            }
            for (page, html) in seen {
                let problems = VietnamesePages.problems(html, page: page, english: english, vietnamese: vi)
                #expect(problems.isEmpty, "\(problems)")
            }
        }
    }
}
