"""Kill -9, many times (issue 17).

Kills `bando` with SIGKILL at a random moment of four kinds of work, again and again on one
store that grows from run to run:
  ingest   - `bando ingest` publishing a new version from the command line;
  backup   - `bando backup` copying the store;
  approve  - `bando serve` answering an approver's POST .../approve (the upload and submission
             before it through the same server);
  harvest  - `bando serve` pulling an agency's GeoJSON source that changed ("run now").
After every kill, before anything else touches the store:
  - `PRAGMA integrity_check` says ok;
  - every version that was published before the kill is still there, and a sample of them
    exports byte for byte as it did when first seen (`bando export`, the code the download
    route runs);
  - `bando verify --all` passes: every version's checksum and the audit log's hash chain;
  - every published version has its `publish`/`approve` row in the audit log.
Prints one line per run to stderr and a JSON summary on stdout.

usage: kill9.py BANDO FIXTURES WORKDIR RUNS SEED
"""
import hashlib, http.server, json, os, random, signal, socket, sqlite3, subprocess, sys, threading, time, urllib.request

BANDO, FIXTURES, WORK, RUNS, SEED = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(SEED)
STORE = os.path.join(WORK, "s.sqlite")
COMMUNES = os.path.join(FIXTURES, "hue", "communes.geojson")
DISTRICTS = os.path.join(FIXTURES, "hue", "districts.zip")
PASSWORD = "mat-khau-du-dai-1"
os.makedirs(WORK, exist_ok=True)


def run(args, check=True, stdin=None):
    p = subprocess.run([BANDO] + args + ["--store", STORE] if "--store" not in args else [BANDO] + args,
                       input=stdin, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise SystemExit(f"bando {' '.join(args)} failed: {p.stderr}")
    return p


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


# --- the agency's own endpoint for harvests: a GeoJSON that changes on every pull ---
source_state = {"n": 0}
with open(COMMUNES, encoding="utf-8") as f:
    COMMUNE_FEATURES = json.load(f)["features"]


class Source(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        source_state["n"] += 1
        k = 5 + source_state["n"] % 40
        body = json.dumps({"type": "FeatureCollection", "features": COMMUNE_FEATURES[:k]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


source = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Source)
threading.Thread(target=source.serve_forever, daemon=True).start()
SOURCE_URL = f"http://127.0.0.1:{source.server_address[1]}/xa.geojson"


# --- the server, started when a run needs it ---
class Server:
    def __init__(self):
        self.proc = None
        self.port = None

    def start(self):
        if self.proc and self.proc.poll() is None:
            return
        self.port = free_port()
        log = open(os.path.join(WORK, "serve.log"), "a")
        self.proc = subprocess.Popen([BANDO, "serve", "--store", STORE, "--port", str(self.port), "--tiles", os.path.join(WORK, "none"),
                                      "--harvest-allow", "127.0.0.1", "--harvest-tick-seconds", "0", "--access-log", "off",
                                      "--verify-every-hours", "0"],
                                     stdout=log, stderr=log, cwd=os.path.dirname(os.path.dirname(FIXTURES)))
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return
            except Exception:
                if self.proc.poll() is not None:
                    raise SystemExit("bando serve ended at start: see serve.log")
                time.sleep(0.05)
        raise SystemExit("bando serve did not answer in 120 s")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def call(self, method, path, body=None, token=None, ctype="application/json", timeout=120):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", ctype)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
            return json.loads(data) if data else None

    def login(self, user):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/portal/login", method="POST",
                                     data=json.dumps({"username": user, "password": PASSWORD}).encode())
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60) as r:
            cookie = r.headers.get("Set-Cookie", "")
        return cookie.split("bando_session=", 1)[1].split(";", 1)[0]


server = Server()


def setup():
    run(["ingest", DISTRICTS, "--dataset", "huyen"])
    run(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"])
    for user, role in [("quan-tri", "administrator"), ("bien-tap", "editor"), ("lanh-dao", "approver")]:
        extra = [] if role == "administrator" else ["--agency", "so-tnmt"]
        run(["users", "add", user, "--role", role, "--password-stdin"] + extra, stdin=PASSWORD + "\n")
    server.start()
    admin = server.login("quan-tri")
    for slug, title in [("xa-duyet", "Xã, phường (duyệt)"), ("xa-thu-thap", "Xã, phường (thu thập)")]:
        server.call("POST", "/api/portal/catalogue", json.dumps({"agency": "so-tnmt", "slug": slug, "title": title}).encode(), admin)
    editor = server.login("bien-tap")
    server.call("PUT", "/api/portal/datasets/xa-thu-thap/harvest-source",
                json.dumps({"url": SOURCE_URL, "kind": "geojson", "intervalSeconds": 86400}).encode(), editor)
    server.kill()


# --- what must hold after every kill ---
seen = {}  # (slug, number) -> (checksum, sha256 of the GeoJSON export)


def published_versions():
    db = sqlite3.connect(f"file:{STORE}?mode=ro", uri=True)
    try:
        return db.execute("""SELECT d.slug, v.number, v.checksum FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id
                             WHERE v.status IN ('published', 'superseded') ORDER BY d.slug, v.number""").fetchall()
    finally:
        db.close()


def export_sha(slug, number):
    out = os.path.join(WORK, "export.geojson")
    if os.path.exists(out):
        os.remove(out)
    run(["export", slug, "--version", str(number), "--format", "geojson", "--output", out])
    with open(out, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check(run_no):
    problems = []
    db = sqlite3.connect(STORE)  # read-write: recovers the WAL as the next bando process would
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems.append(f"integrity_check: {integrity[:3]}")
        audit = {(r[0], r[1]) for r in db.execute(
            "SELECT dataset_slug, version_number FROM audit_log WHERE action IN ('ingest.publish', 'approve') AND dataset_slug IS NOT NULL")}
    finally:
        db.close()
    now = {(s, n): c for s, n, c in published_versions()}
    for key, (checksum, _) in seen.items():
        if now.get(key) != checksum:
            problems.append(f"{key[0]} v{key[1]} published before the kill is {'gone' if key not in now else 'changed'}")
    for key in now:
        if key not in audit:
            problems.append(f"{key[0]} v{key[1]} is published with no ingest.publish or approve row in the audit log")
    new = [k for k in now if k not in seen]
    for key in new:
        seen[key] = (now[key], export_sha(*key))
    old = [k for k in seen if k not in new]
    for key in rng.sample(old, min(1, len(old))):
        if export_sha(*key) != seen[key][1]:
            problems.append(f"{key[0]} v{key[1]} no longer exports byte for byte as before")
    v = run(["verify", "--all"], check=False)
    if v.returncode != 0:
        problems.append("verify --all: " + " | ".join(l for l in v.stdout.splitlines() if "MISMATCH" in l)[:400] + v.stderr[:200])
    return problems, len(now)


# --- the four kinds of work, each killed after a random delay ---
durations = {}


def timed(kind, start, wait):
    """Kills what `start` started after a random delay within the work's usual length."""
    usual = durations.get(kind, 1.0)
    delay = rng.uniform(0, usual * 1.2)
    t0 = time.time()
    proc = start()
    finished = wait(proc, delay)
    if finished:
        durations[kind] = max(0.05, 0.7 * durations.get(kind, time.time() - t0) + 0.3 * (time.time() - t0))
    return delay, finished


def kill_process_after(p, delay):
    """True when the command had ended by itself; else SIGKILL."""
    try:
        p.wait(timeout=delay); return True
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL); p.wait(); return False


def kill_server_after(t, delay):
    """True when the request had been answered; the server is killed either way."""
    t.join(timeout=delay)
    done = not t.is_alive()
    server.kill()
    return done


def command(args):
    return lambda: subprocess.Popen([BANDO] + args + ["--store", STORE], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def request(method, path, token):
    def start():
        t = threading.Thread(target=lambda: _quiet(lambda: server.call(method, path, b"", token)), daemon=True)
        t.start(); return t
    return start


def ingest_work(i):
    return timed("ingest", command(["ingest", COMMUNES, "--dataset", "xa-dong-lenh"]), kill_process_after)


def backup_work(i):
    return timed("backup", command(["backup", "--to", os.path.join(WORK, "backups"), "--keep", "3"]), kill_process_after)


def approve_work(i):
    server.start()
    editor = server.login("bien-tap")
    with open(COMMUNES, "rb") as f:
        body = f.read()
    draft = server.call("POST", "/api/portal/datasets/xa-duyet/uploads?filename=xa.geojson", body, editor, "application/geo+json")
    number = draft["number"]
    server.call("POST", f"/api/portal/datasets/xa-duyet/versions/{number}/submit", b"", editor)
    approver = server.login("lanh-dao")
    return timed("approve", request("POST", f"/api/portal/datasets/xa-duyet/versions/{number}/approve", approver), kill_server_after)


def harvest_work(i):
    server.start()
    editor = server.login("bien-tap")
    return timed("harvest", request("POST", "/api/portal/datasets/xa-thu-thap/harvest", editor), kill_server_after)


def _quiet(f):
    try:
        f()
    except Exception:
        pass


WORKS = [("ingest", ingest_work), ("backup", backup_work), ("approve", approve_work), ("harvest", harvest_work)]

setup()
report, failures = [], 0
for i in range(RUNS):
    kind, work = WORKS[i % len(WORKS)]
    delay, finished = work(i)
    server.kill()
    problems, published = check(i)
    failures += bool(problems)
    line = {"run": i + 1, "work": kind, "killedAfterSeconds": round(delay, 3), "finishedBeforeKill": finished,
            "publishedVersions": published, "problems": problems}
    report.append(line)
    print(f"run {i + 1:2d} {kind:8s} kill after {delay:6.3f} s {'(had finished)' if finished else '(interrupted)'}: "
          f"{published} published versions, {'OK' if not problems else 'PROBLEMS: ' + '; '.join(problems)}", file=sys.stderr, flush=True)

source.shutdown()
interrupted = sum(1 for r in report if not r["finishedBeforeKill"])
print(json.dumps({"runs": len(report), "interrupted": interrupted, "failedRuns": failures,
                  "byWork": {k: sum(1 for r in report if r["work"] == k) for k, _ in WORKS}, "report": report}))
