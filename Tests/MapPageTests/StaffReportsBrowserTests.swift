import Testing
import Foundation
import TestSupport

/// The Department's and leaders' pages in a real browser (headless Chromium driven by Selenium,
/// the real `bando serve`): the administrator signs in with the form and opens the compliance
/// report (on screen, then as the printer sees it), the dashboards and a drill-down, the
/// catalogue administration and the audit log; the agency's leader opens the report of their
/// agency. Each page: a screenshot in `.build/screenshots/staff-*.png`, no console error,
/// no serious or critical axe violation, and the staff header laid out whole, on the desktop and
/// on phones (360–414 px, both languages; `staff-PAGE-LANG-phone.png` at 390 px).
@Suite(.serialized, .printsChildLogsOnFailure) struct StaffReportsBrowserTests {
    static let script = #"""
import sys, json, time, base64, urllib.request, urllib.parse
from selenium import webdriver
from bando_browser import chromium, check_step, header_problems
from selenium.webdriver.common.by import By
base, shots, password = sys.argv[1], sys.argv[2], sys.argv[3]
out = {"errors": [], "violations": [], "shots": [], "pages": {}, "header": [], "headers": 0}
def api(path, body, cookie=None):
    headers = {"Content-Type": "application/json"}
    if cookie: headers["Authorization"] = "Bearer " + cookie
    r = urllib.request.urlopen(urllib.request.Request(base + path, method="POST", headers=headers, data=json.dumps(body).encode()))
    return r
# The Department puts the communes into agency so-tnmt's catalogue (the JSON API, as a script would).
login = api("/api/portal/login", {"username": "quan-tri", "password": password})
admin_token = login.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
api("/api/portal/catalogue", {"agency": "so-tnmt", "slug": "xa-phuong-hue", "title": "Xã, phường Huế", "theme": "Ranh giới"}, admin_token)
api("/api/portal/catalogue", {"agency": "so-tnmt", "slug": "gieng-khoan", "title": "Giếng khoan", "theme": "Nước", "frequency": "annual"}, admin_token)
def check(name):
    check_step(d, out, name, f"{shots}/staff-{name}.png")
    out["pages"][name] = {"title": d.title, "h1": d.find_element(By.TAG_NAME, "h1").text, "lang": d.find_element(By.TAG_NAME, "html").get_attribute("lang"),
                          "svgs": len(d.find_elements(By.CSS_SELECTOR, "svg.chart")), "tables": len(d.find_elements(By.CSS_SELECTOR, "table.data"))}
def sign_in(user, next_page):
    # Straight to the page asked for (the form's `next`), as after following a link while signed out.
    d.delete_all_cookies()
    d.get(base + "/signin?next=" + urllib.parse.quote(next_page, safe=""))
    d.find_element(By.ID, "username").send_keys(user)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    time.sleep(0.5)
d = chromium(vietnamese=True)
try:
    sign_in("quan-tri", "/reports")
    out["landed"] = d.current_url
    # Reports: pick the quarter with the form, then the printed view.
    d.find_element(By.CSS_SELECTOR, "form.picker button[type=submit]").click()
    time.sleep(0.3)
    check("reports")
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    out["print_nav_visible"] = d.find_element(By.CSS_SELECTOR, "header.site nav").is_displayed()
    out["print_picker_visible"] = d.find_element(By.CSS_SELECTOR, "form.picker").is_displayed()
    out["print_table_visible"] = d.find_element(By.CSS_SELECTOR, "table.data").is_displayed()
    m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    png = d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                            "clip": {"x": 0, "y": 0, "width": m["width"], "height": m["height"], "scale": 1}})
    open(f"{shots}/staff-reports-print.png", "wb").write(base64.b64decode(png["data"]))
    out["shots"].append(f"{shots}/staff-reports-print.png")
    pdf = d.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
    out["pdf_bytes"] = len(base64.b64decode(pdf["data"]))
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # Dashboards, then a click on an agency's link: its datasets by theme.
    d.get(base + "/dashboards")
    check("dashboards")
    d.find_element(By.CSS_SELECTOR, "section.dashboard-chart table.data tbody a").click()
    time.sleep(0.3)
    out["drill_url"] = d.current_url
    check("dashboards-drilled")
    d.get(base + "/admin/catalogue")
    check("admin-catalogue")
    d.find_element(By.CSS_SELECTOR, "form.inline button[type=submit]").click()
    time.sleep(0.3)
    out["review_notice"] = d.find_element(By.CSS_SELECTOR, "[role=status]").text
    d.get(base + "/admin/audit")
    check("admin-audit")
    d.find_element(By.ID, "au-dataset").send_keys("gieng-khoan")
    d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    time.sleep(0.3)
    out["audit_rows"] = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")]
    check("admin-audit-search")
    d.get(base + "/admin/audit?lang=en")
    check("admin-audit-en")
    # The same pages on phones, both languages: the staff header (the longer name, the "who" row
    # under it) laid out whole; a picture of each at 390 px for people to look at.
    for lang in ["vi", "en"]:
        for width in [360, 390, 414]:
            d.set_window_size(width, 844)
            for name, path in [("reports", "/reports"), ("dashboards", "/dashboards"), ("admin-catalogue", "/admin/catalogue"), ("admin-audit", "/admin/audit")]:
                d.get(base + path + "?lang=" + lang)
                if width == 390: d.save_screenshot(f"{shots}/staff-{name}-{lang}-phone.png")
                found = header_problems(d)
                out["header"] += [f"{name} {lang} {width}px: {p}" for p in (["no site header"] if found is None else found)]
                out["headers"] += 1
    d.set_window_size(1280, 900)
    # The agency's leader: the report of the agency.
    sign_in("lanh-dao", "/reports")
    check("reports-leader")
    out["leader_sections"] = [h.text for h in d.find_elements(By.CSS_SELECTOR, "section.agency-report h2")]
finally:
    d.quit()
print(json.dumps(out))
"""#

    struct Report: Decodable {
        struct Page: Decodable { var title: String; var h1: String; var lang: String; var svgs: Int; var tables: Int }
        var errors: [String]
        var violations: [String]
        var shots: [String]
        var header: [String]
        var headers: Int
        var pages: [String: Page]
        var print_nav_visible: Bool
        var print_picker_visible: Bool
        var print_table_visible: Bool
        var pdf_bytes: Int
        var drill_url: String
        var landed: String
        var review_notice: String
        var audit_rows: [String]
        var leader_sections: [String]
    }

    @Test func theDepartmentReadsReportsDashboardsCatalogueAndAuditLogInABrowser() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium is missing: run `make deps`")
        let site = try MapPageTests.Site()
        let password = "mat-khau-\(UUID().uuidString.prefix(8))"
        func cli(_ arguments: [String], stdin: String? = nil) throws {
            let r = try Run.process(TestPaths.bandoBinary, arguments + ["--store", site.store], stdin: stdin.map { Data($0.utf8) })
            try #require(r.succeeded, "\(arguments.joined(separator: " ")): \(r.stderr)")
        }
        try cli(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"])
        try cli(["users", "add", "quan-tri", "--role", "administrator", "--password-stdin"], stdin: password + "\n")
        try cli(["users", "add", "lanh-dao", "--role", "approver", "--agency", "so-tnmt", "--password-stdin"], stdin: password + "\n")
        let (server, port) = try site.serve()
        defer { server.stop() }
        let shots = TestPaths.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        let r = try BrowserScript.run(Self.script, ["http://127.0.0.1:\(port)", shots.path, password])
        try #require(r.succeeded, "browser failed: \(r.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        #expect(report.landed.contains("/reports"), "signed in, landed on \(report.landed)")
        let reports = try #require(report.pages["reports"])
        #expect(reports.lang == "vi" && reports.h1.hasPrefix("Báo cáo tuân thủ quý") && reports.svgs == 1 && reports.tables >= 2)
        // Printed: no navigation, no quarter form, the tables stay; the browser makes a PDF of it.
        #expect(!report.print_nav_visible && !report.print_picker_visible && report.print_table_visible)
        #expect(report.pdf_bytes > 1000)
        #expect(report.pages["dashboards"]?.svgs == 4 && report.pages["dashboards"]?.tables ?? 0 >= 5)
        #expect(report.drill_url.contains("agency=so-tnmt"), "\(report.drill_url)")
        #expect(report.pages["dashboards-drilled"]?.svgs == 4)
        #expect(report.pages["admin-catalogue"]?.h1 == "Danh mục dữ liệu đã phê duyệt")
        #expect(report.review_notice.contains("đã rà soát"), "\(report.review_notice)")
        // The entry the administrator just reviewed (the first in the list), and its adding to the catalogue.
        #expect(report.audit_rows.count == 2 && report.audit_rows[0].contains("catalogue.review") && report.audit_rows[1].contains("catalogue.add"),
                "\(report.audit_rows)")
        #expect(report.pages["admin-audit-en"]?.lang == "en" && report.pages["admin-audit-en"]?.h1 == "Audit log")
        #expect(report.leader_sections == ["Sở Tài nguyên và Môi trường"])
        #expect(report.errors.isEmpty, "console errors: \(report.errors)")
        #expect(report.violations.isEmpty, "axe: \(report.violations.joined(separator: "\n"))")
        // The header of every page above on the desktop (8) and of four pages in two languages at three phone widths (24).
        #expect(report.headers == 32, "staff headers measured: \(report.headers)")
        #expect(report.header.isEmpty, "header layout: \(report.header.prefix(12).joined(separator: "\n"))")
        #expect(report.shots.count == 9 && report.shots.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }
}
