"""Two `bando serve` processes on one PostGIS database, behind nginx (issue 21).

A province that outgrows one machine runs several servers on one PostgreSQL + PostGIS database
behind a load balancer. What must hold: a version approved through one server is what the
other serves in its very next tile and download, with no restart and no wait.

  1. The command line (on the shared database) adds an agency and three accounts.
  2. Two servers, A and B, start on the database; nginx balances between them (round robin).
  3. Through A: an administrator opens a catalogue entry; an editor uploads a first version
     (10 communes), submits it; an approver approves it.
  4. Through B: its tile and its download are that first version.
  5. Through A: a second version (25 communes) is uploaded, submitted and approved.
  6. At once (the next request after the approval's answer), B's tile is A's tile of the new
     version, B's download holds 25 features, and so does every answer through nginx.
Prints a JSON report on stdout; exits non-zero with the reason when something does not hold.

usage: two_servers.py BANDO FIXTURES WORKDIR STORE_URL
"""
import json, os, shutil, subprocess, sys, time, urllib.error, urllib.request
from processes import PROCS, free_port, stop_all, tile_of
from processes import fail as stop_and_fail

BANDO, FIXTURES, WORK, STORE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
COMMUNES = os.path.join(FIXTURES, "hue", "communes.geojson")
PASSWORD = "mat-khau-du-dai-1"
os.makedirs(WORK, exist_ok=True)


def fail(reason):
    stop_and_fail(reason, WORK, ("a.log", "b.log", "nginx-error.log"))


def run(args, stdin=None):
    p = subprocess.run([BANDO] + args + ["--store", STORE], input=stdin, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        fail(f"bando {' '.join(args)} failed: {p.stderr}")
    return p.stdout


def wait_http(url, proc, name):
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            if proc.poll() is not None:
                fail(f"{name} ended at start (exit {proc.returncode})")
            time.sleep(0.05)
    fail(f"{name} did not answer in 120 s")


class Server:
    def __init__(self, name):
        self.name, self.port = name, free_port()
        log = open(os.path.join(WORK, f"{name}.log"), "w")
        # Downloads are produced into one folder both servers share (files appear by atomic rename).
        self.proc = subprocess.Popen([BANDO, "serve", "--store", STORE, "--port", str(self.port),
                                      "--tiles", os.path.join(WORK, "no-tilesets"), "--downloads-cache", os.path.join(WORK, "downloads"),
                                      "--harvest-tick-seconds", "0", "--access-log", "off", "--verify-every-hours", "0",
                                      "--tile-cache-mb", "64"],
                                     stdout=log, stderr=log)
        PROCS.append(self.proc)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def call(base, method, path, body=None, token=None, ctype="application/json"):
    req = urllib.request.Request(base + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", ctype)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            data = r.read()
            return json.loads(data) if data else None
    except urllib.error.HTTPError as e:
        fail(f"{method} {path} answered {e.code}: {e.read()[:500]!r}")


def login(base, user):
    req = urllib.request.Request(base + "/api/portal/login", method="POST",
                                 data=json.dumps({"username": user, "password": PASSWORD}).encode())
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        cookie = r.headers.get("Set-Cookie", "")
    return cookie.split("bando_session=", 1)[1].split(";", 1)[0]


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read(), r.headers.get("X-Upstream", "")


with open(COMMUNES, encoding="utf-8") as f:
    FEATURES = json.load(f)["features"]
if len(FEATURES) < 25:
    fail("the fixture needs at least 25 communes")


def first_position(geometry):
    c = geometry["coordinates"]
    while isinstance(c[0], list):
        c = c[0]
    return c


def body(k):
    return json.dumps({"type": "FeatureCollection", "features": FEATURES[:k]}, ensure_ascii=False).encode()


# A tile that holds a commune of the second version only: it changes with the approval.
Z, X, Y = tile_of(*first_position(FEATURES[20]["geometry"]), 12)
TILE = f"/tiles/xa-duyet/{Z}/{X}/{Y}.mvt"
DOWNLOAD = "/downloads/xa-duyet/latest.geojson"


def feature_count(data):
    return len(json.loads(data)["features"])


# 1. Accounts, from the command line on the shared database.
run(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"])
for user, role in [("quan-tri", "administrator"), ("bien-tap", "editor"), ("lanh-dao", "approver")]:
    extra = [] if role == "administrator" else ["--agency", "so-tnmt"]
    run(["users", "add", user, "--role", role, "--password-stdin"] + extra, stdin=PASSWORD + "\n")

# 2. Two servers and nginx in front.
a, b = Server("a"), Server("b")
wait_http(a.url("/healthz"), a.proc, "server A")
wait_http(b.url("/healthz"), b.proc, "server B")
nginx_port = free_port()
conf = os.path.join(WORK, "nginx.conf")
with open(conf, "w") as f:
    f.write(f"""worker_processes 1;
daemon off;
pid {WORK}/nginx.pid;
error_log {WORK}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  upstream bando {{ server 127.0.0.1:{a.port}; server 127.0.0.1:{b.port}; }}
  server {{
    listen 127.0.0.1:{nginx_port};
    location / {{
      proxy_pass http://bando;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      add_header X-Upstream $upstream_addr always;
    }}
  }}
}}
""")
nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", conf, "-e", os.path.join(WORK, "nginx-error.log")],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "nginx-error.log"), "a"))
PROCS.append(nginx)
NGINX = f"http://127.0.0.1:{nginx_port}"
wait_http(NGINX + "/healthz", nginx, "nginx")


def approve(number):
    approver = login(A, "lanh-dao")
    return call(A, "POST", f"/api/portal/datasets/xa-duyet/versions/{number}/approve", b"", approver)


def upload_and_submit(k):
    editor = login(A, "bien-tap")
    draft = call(A, "POST", "/api/portal/datasets/xa-duyet/uploads?filename=xa.geojson", body(k), editor, "application/geo+json")
    call(A, "POST", f"/api/portal/datasets/xa-duyet/versions/{draft['number']}/submit", b"", editor)
    return draft["number"]


A, B = a.url(""), b.url("")
# 3. First version, through A.
admin = login(A, "quan-tri")
call(A, "POST", "/api/portal/catalogue", json.dumps({"agency": "so-tnmt", "slug": "xa-duyet", "title": "Xã, phường"}).encode(), admin)
approve(upload_and_submit(10))

# 4. B serves it.
b_tile_1, _ = get(B + TILE)
b_download_1, _ = get(B + DOWNLOAD)
if feature_count(b_download_1) != 10:
    fail(f"B's download of the first version holds {feature_count(b_download_1)} features, not 10")

# 5. Second version, through A; 6. at once, B and nginx serve it.
number = upload_and_submit(25)
approve(number)
b_tile_2, _ = get(B + TILE)
b_download_2, _ = get(B + DOWNLOAD)
a_tile_2, _ = get(A + TILE)
through_nginx = []
for _ in range(6):
    data, upstream = get(NGINX + DOWNLOAD)
    tile, tile_upstream = get(NGINX + TILE)
    through_nginx.append({"download": upstream, "features": feature_count(data), "tile": tile_upstream, "tileIsNew": tile == a_tile_2})

report = {
    "tile": TILE,
    "versionApproved": number,
    "bTileChanged": b_tile_1 != b_tile_2,
    "bTileEqualsA": b_tile_2 == a_tile_2,
    "bDownloadFeatures": [feature_count(b_download_1), feature_count(b_download_2)],
    "throughNginx": through_nginx,
    "upstreams": sorted({r["download"] for r in through_nginx} | {r["tile"] for r in through_nginx}),
}
stop_all()
print(json.dumps(report))
