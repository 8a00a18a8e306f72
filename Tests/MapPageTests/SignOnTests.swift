import Testing
import Foundation
import TestSupport

/// Issue 20: staff sign-in through an OpenID Connect provider, against a real provider on
/// loopback (`Tests/SignOn/provider.py`, authlib) and the real `bando serve --oidc-issuer …`.
/// In headless Chromium: the administrator pre-registers an editor's e-mail on
/// `/admin/identities`; the editor clicks the SSO button and lands signed in on the workspace;
/// signing out ends the provider's session too; a person nobody linked sees the "ask the
/// administrator" page and gets no session. Then, without a browser, each misbehaving answer of
/// the provider is refused with a clear page and no session: a token signed by another key, an
/// expired one, one for another audience, a replayed nonce, a replayed state. A key rotation (a
/// key id not seen yet) is followed; an ES256 key serves as well as RSA. Screenshots in `.build/screenshots/signon-*.png`.
@Suite(.serialized, .printsChildLogsOnFailure) struct SignOnTests {
    static let script = #"""
import sys, json, re, html, time, urllib.request, urllib.parse, urllib.error, http.cookiejar
from selenium import webdriver
from bando_browser import chromium, check_step
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
base, provider, shots, admin_password = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
out = {"errors": [], "violations": [], "shots": [], "steps": {}, "header": []}
def next_login(user, fault=""):
    req = urllib.request.Request(provider + "/_test/next", method="POST", data=json.dumps({"user": user, "fault": fault}).encode())
    urllib.request.urlopen(req).read()

d = chromium(vietnamese=True)
def check(name, status=None):
    # `status`: the page's own answer is that refusal on purpose (Chromium logs it as an error).
    check_step(d, out, name, f"{shots}/signon-{len(out['shots']) + 1:02d}-{name}.png",
               excused=lambda m: bool(status) and f"status of {status}" in m and "/callback" in m)
def wait_for(fragment, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if fragment in d.current_url: return True
        time.sleep(0.2)
    return False
def text():
    return d.find_element(By.TAG_NAME, "main").text
try:
    # The administrator names the e-mail the provider vouches for; linked at the first sign-in.
    d.get(base + "/signin")
    d.find_element(By.ID, "username").send_keys("quan-tri")
    d.find_element(By.ID, "password").send_keys(admin_password)
    d.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()
    wait_for("/admin")
    d.find_element(By.CSS_SELECTOR, "a[href^='/admin/identities']").click()
    wait_for("/admin/identities")
    Select(d.find_element(By.ID, "link-username")).select_by_value("bien-tap")
    d.find_element(By.ID, "link-email").send_keys("nguyen.van.a@hue.gov.vn")
    d.find_element(By.ID, "link-identity").click()
    wait_for("done=identity_linked")
    out["steps"]["identities"] = text()
    check("identities")
    d.find_element(By.CSS_SELECTOR, "form.signout button").click()
    wait_for("/signin")

    # The editor: one click on the province's SSO, and the workspace.
    next_login("nguyen-van-a")
    d.get(base + "/signin")
    out["steps"]["signin_buttons"] = [e.text for e in d.find_elements(By.CSS_SELECTOR, "ul.signon a.button")]
    check("signin")
    d.find_element(By.CSS_SELECTOR, "ul.signon a.button").click()
    out["steps"]["landed_workspace"] = wait_for("/workspace")
    out["steps"]["who"] = d.find_element(By.ID, "who").text
    check("workspace")
    # Signing out ends the provider's session as well, and comes back to the sign-in page.
    d.find_element(By.CSS_SELECTOR, "form.signout button").click()
    out["steps"]["back_after_signout"] = wait_for("/signin?out=1")
    check("signed-out")
    d.get(base + "/workspace")
    out["steps"]["workspace_after_signout"] = d.current_url

    # Someone the provider knows but nobody linked: the page says whom to ask; no session.
    next_login("tran-thi-b")
    d.get(base + "/signin")
    d.find_element(By.CSS_SELECTOR, "ul.signon a.button").click()
    wait_for("/callback")
    out["steps"]["unknown"] = text()
    check("unknown", status=403)
    d.get(base + "/workspace")
    out["steps"]["unknown_workspace"] = d.current_url
finally:
    d.quit()

# Without a browser: each misbehaving answer of the provider, and a replayed state.
def attempt(fault):
    next_login("nguyen-van-a", fault)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        r = opener.open(base + "/signin/oidc/1?lang=en")
        status, body = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read().decode()
    m = re.search(r'id="signon-refused"><p>(.*?)</p>', body)
    session = any(c.name == "bando_session" and c.value for c in jar)
    return {"status": status, "message": html.unescape(m.group(1)) if m else "", "session": session,
            "leaks": [w for w in ("eyJ", "Traceback", "JWTError", "bando_ses_") if w in body]}
for fault in ["other-key", "expired", "wrong-aud", "old-nonce", "rotated", "es256"]:
    out["steps"]["fault_" + fault] = json.dumps(attempt(fault))

class Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args): return None
next_login("nguyen-van-a")
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(Stay, urllib.request.HTTPCookieProcessor(jar))
def location(url):
    try: opener.open(url)
    except urllib.error.HTTPError as e: return e.headers["Location"]
to_provider = location(base + "/signin/oidc/1?lang=en")
callback = location(to_provider)
browser_cookie = [c.value for c in jar if c.name == "bando_signon"][0]
first = opener.open(callback)
first_session = "bando_session=bando_ses_" in (first.headers.get("Set-Cookie") or "") or any(c.name == "bando_session" and c.value for c in jar)
again = urllib.request.Request(callback, headers={"Cookie": "bando_signon=" + browser_cookie})
try:
    r = urllib.request.urlopen(again)
    status, body, cookie = r.status, r.read().decode(), r.headers.get("Set-Cookie") or ""
except urllib.error.HTTPError as e:
    status, body, cookie = e.code, e.read().decode(), e.headers.get("Set-Cookie") or ""
m = re.search(r'id="signon-refused"><p>(.*?)</p>', body)
out["steps"]["replayed_state"] = json.dumps({"first": first.status, "first_session": first_session, "status": status,
                                             "message": html.unescape(m.group(1)) if m else "", "session": "bando_ses_" in cookie})
out["steps"]["provider_log"] = json.dumps(json.loads(urllib.request.urlopen(provider + "/_test/log").read()))
print(json.dumps(out))
"""#

    struct Report: Decodable {
        var errors: [String]
        var violations: [String]
        var shots: [String]
        var header: [String]
        var steps: [String: StaffBrowserTests.Report.Steps]
        func step(_ name: String) -> String { steps[name]?.text ?? "" }
    }

    struct Attempt: Decodable {
        var status: Int
        var message: String
        var session: Bool
        var leaks: [String]?
    }

    @Test func signInThroughTheProvinceSSOAndEachRefusal() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium is missing: run `make deps`")
        let site = try MapPageTests.Site()
        let provider = try BackgroundProcess(TestPaths.python, [TestPaths.root.appendingPathComponent("Tests/SignOn/provider.py").path,
                                                                "bando-test", "bi-mat-cua-bando"],
                                             log: site.scratch.path("provider.log"))
        defer { provider.stop() }
        try provider.waitForLog("listening on ")
        let providerPort = try #require(provider.logText.split(separator: "\n").first { $0.hasPrefix("listening on ") }
            .flatMap { Int($0.dropFirst("listening on ".count).trimmingCharacters(in: .whitespaces)) })
        let issuer = "http://127.0.0.1:\(providerPort)"
        let secretFile = site.scratch.path("oidc-secret")
        try "bi-mat-cua-bando\n".write(toFile: secretFile, atomically: true, encoding: .utf8)

        let password = "mat-khau-quan-tri-\(UUID().uuidString.prefix(8))"
        for (args, stdin) in [(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"], nil),
                              (["users", "add", "quan-tri", "--role", "administrator", "--password-stdin"], password + "\n"),
                              (["users", "add", "bien-tap", "--role", "editor", "--agency", "so-tnmt", "--name", "Nguyễn Văn A", "--no-password"], nil)] as [([String], String?)] {
            let r = try Run.process(TestPaths.bandoBinary, args + ["--store", site.store], stdin: stdin.map { Data($0.utf8) })
            try #require(r.succeeded, "\(args.joined(separator: " ")): \(r.stderr)")
        }
        let (server, port) = try site.serve(["--oidc-issuer", issuer, "--oidc-client-id", "bando-test",
                                             "--oidc-client-secret-file", secretFile, "--oidc-name", "SSO Huế"])
        defer { server.stop() }
        let shots = TestPaths.root.appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        let r = try BrowserScript.run(Self.script, ["http://127.0.0.1:\(port)", issuer, shots.path, password])
        try #require(r.succeeded, "browser failed: \(r.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))

        #expect(report.step("identities").contains("chờ lần đăng nhập đầu tiên của nguyen.van.a@hue.gov.vn"), "\(report.step("identities"))")
        #expect(report.step("signin_buttons") == "Đăng nhập qua SSO Huế")
        #expect(report.step("landed_workspace") == "true")
        #expect(report.step("who").contains("Nguyễn Văn A") && report.step("who").contains("Sở Tài nguyên và Môi trường"), "\(report.step("who"))")
        #expect(report.step("back_after_signout") == "true")
        #expect(report.step("workspace_after_signout").contains("/signin"), "\(report.step("workspace_after_signout"))")
        #expect(report.step("unknown").contains("chưa được gắn với tài khoản nào") && report.step("unknown").contains("hue-sso-2002"),
                "\(report.step("unknown"))")
        #expect(report.step("unknown_workspace").contains("/signin"), "\(report.step("unknown_workspace"))")

        let expected: [(String, Int, String)] = [
            ("other-key", 401, "not signed by the provider's key"),
            ("expired", 401, "has expired"),
            ("wrong-aud", 401, "issued for another application"),
            ("old-nonce", 401, "does not belong to this sign-in"),
        ]
        for (fault, status, words) in expected {
            let a = try JSONDecoder().decode(Attempt.self, from: Data(report.step("fault_" + fault).utf8))
            #expect(a.status == status && a.message.contains(words), "\(fault): \(a)")
            #expect(!a.session, "\(fault) opened a session")
            #expect(a.leaks?.isEmpty == true, "\(fault): the page shows \(a.leaks ?? [])")
        }
        // A key the provider began to use after Bando read its keys: fetched again, accepted.
        let rotated = try JSONDecoder().decode(Attempt.self, from: Data(report.step("fault_rotated").utf8))
        #expect(rotated.status == 200 && rotated.session, "rotated key: \(rotated)")
        // An elliptic-curve key (ES256) of the provider's JWKS is accepted as well as RSA.
        let es256 = try JSONDecoder().decode(Attempt.self, from: Data(report.step("fault_es256").utf8))
        #expect(es256.status == 200 && es256.session, "ES256: \(es256)")

        struct Replay: Decodable { var first: Int; var first_session: Bool; var status: Int; var message: String; var session: Bool }
        let replay = try JSONDecoder().decode(Replay.self, from: Data(report.step("replayed_state").utf8))
        #expect(replay.first == 200 && replay.first_session, "the first use of the state signs in: \(replay)")
        // Nothing remembers this state any more, not even the page's language: Vietnamese, the default.
        #expect(replay.status == 400 && replay.message.contains("đã được dùng") && !replay.session, "replayed state: \(replay)")

        struct Event: Decodable { var event: String; var method: String?; var pkce: Bool?; var hint_ok: Bool? }
        let events = try JSONDecoder().decode([Event].self, from: Data(report.step("provider_log").utf8))
        let tokens = events.filter { $0.event == "token" }
        #expect(!tokens.isEmpty && tokens.allSatisfy { $0.pkce == true && $0.method == "client_secret_basic" }, "\(tokens)")
        #expect(events.contains { $0.event == "logout" && $0.hint_ok == true }, "the provider's sign-out got the ID token as a hint: \(events)")
        #expect(events.filter { $0.event == "jwks" }.count == 2, "keys read once, then again for the new key id: \(events)")

        #expect(report.errors.isEmpty, "console errors: \(report.errors)")
        #expect(report.violations.isEmpty, "axe: \(report.violations.joined(separator: "\n"))")
        #expect(report.header.isEmpty, "header layout: \(report.header.prefix(12).joined(separator: "\n"))")
        #expect(report.shots.count == 5 && report.shots.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }
}
