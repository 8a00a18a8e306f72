"""The served surface on both engines, end to end (issue 21).

The same data loaded through the real command line into a SpatiaLite file and into a PostGIS
schema must be served the same: a province that moves to PostgreSQL must not see its public
answers change. This script
  1. loads both stores with the same commands (`bando agencies add`, `bando users add`,
     `bando ingest` of the Huế communes, their centre points and a VN-2000 TM-3 shapefile,
     `bando metadata`), then starts `bando serve` on each with the same `--public-url`;
  2. asks both servers the same battery of public requests — OGC API - Features (with bbox,
     CQL2 text and JSON, spatial filters, sortby, properties, paging, another CRS, a wrong
     filter), the analysis API, tiles, downloads, the catalogue documents (DCAT, CKAN,
     /api/datasets), /stats and the portal's public pages — and compares the answers: status,
     media type and body; tiles, GeoJSON and CSV downloads byte for byte; the shapefile,
     GeoPackage and KML downloads by their content read through GDAL (`ogr2ogr -f GeoJSON`),
     since a GeoPackage holds the time it was written; documents and pages as text;
  3. runs one portal workflow through HTTP on each (a catalogue entry, an editor's upload and
     submission, an approver's approval) and asks the whole battery again, the new dataset in it.
What is masked before comparing, and only that: date-times and dates of the days the two
loads ran (UTC and Vietnam's day), written as ISO 8601 (`2026-11-30T23:59:01.123Z`,
`2026-11-30`) or as Vietnamese and English pages show them (`30/11/2026`); they are when each
load happened, and the loads happen seconds apart. Besides them, in JSON answers, each
request's `request_id` (new for every request by design), and the SHA-256 of the GeoPackage and
of the zipped shapefile where the catalogue lists them (the GeoPackage holds the time it was
written, a zip the time of each entry; their content is compared through GDAL).

Prints a JSON report on stdout: how many requests were compared and every difference, by URL.
Exits non-zero only when the run itself could not be made (a command or a server failed).

usage: engine_parity.py BANDO FIXTURES WORKDIR POSTGRES_STORE_URL
"""
import datetime, difflib, json, os, re, subprocess, sys, threading, time, urllib.error, urllib.parse, urllib.request
from processes import PROCS, free_port, stop_all, tile_of
from processes import fail as stop_and_fail

BANDO, FIXTURES, WORK, PG_STORE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(WORK, exist_ok=True)
SQLITE_STORE = os.path.join(WORK, "bando.sqlite")
PUBLIC_URL = "https://bando.hue.example"
PASSWORD = "mat-khau-du-dai-1"
STARTED = datetime.datetime.now(datetime.timezone.utc)


def fail(reason):
    stop_and_fail(reason, WORK, ("sqlite.log", "postgis.log"))


# --- 1. the same loads through the command line ---

LOAD_FAILURES = []
# A small dataset with what the fixtures lack: a date field, a date-time field, nulls, a
# boolean-like integer and text with every Vietnamese tone mark; written here so it is the same
# file for both loads.
WORKS = os.path.join(WORK, "cong-trinh.geojson")
with open(WORKS, "w", encoding="utf-8") as f:
    names = ["Nhà văn hoá", "Trường học", "Trạm y tế", "Chợ Đông Ba", "Cầu Trường Tiền", "Bến xe phía Nam",
             "Sân vận động", "Bưu điện", "Thư viện", "Nhà thờ", "Chùa Thiên Mụ", "Lăng Tự Đức"]
    json.dump({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {
            "ma": 100 + i, "ten": name, "ngay_cap": f"2024-{1 + i % 12:02d}-{1 + (7 * i) % 28:02d}",
            "cap_luc": None if i % 5 == 4 else f"2024-{1 + i % 12:02d}-{1 + (7 * i) % 28:02d}T{(3 * i) % 24:02d}:15:00Z",
            "dien_tich": None if i % 4 == 3 else round(120.1 + 37.13 * i, 2), "con_han": i % 2},
         "geometry": {"type": "Point", "coordinates": [round(107.55 + 0.011 * i, 6), round(16.44 + 0.007 * (i % 5), 6)]}}
        for i, name in enumerate(names)]}, f, ensure_ascii=False)


def load(store):
    def run(args, stdin=None):
        if LOAD_FAILURES:
            return
        p = subprocess.run([BANDO] + args + ["--store", store], input=stdin, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            LOAD_FAILURES.append(f"bando {' '.join(args)} on {store.split('?')[0]} failed: {p.stderr[-2000:]}")
    run(["agencies", "add", "so-tnmt", "--name", "Sở Tài nguyên và Môi trường"])
    for user, role in [("quan-tri", "administrator"), ("bien-tap", "editor"), ("lanh-dao", "approver")]:
        extra = [] if role == "administrator" else ["--agency", "so-tnmt"]
        run(["users", "add", user, "--role", role, "--password-stdin"] + extra, stdin=PASSWORD + "\n")
    agency = ["--agency", "Sở Tài nguyên và Môi trường", "--by", "quan-tri",
              "--attribution", "Ranh giới hành chính: censusVN2009 (Marc Choisy, MIT)"]
    run(["ingest", os.path.join(FIXTURES, "features", "hue_communes.geojson"), "--dataset", "xa-hue",
         "--title", "Xã, phường tỉnh Thừa Thiên Huế"] + agency)
    run(["ingest", os.path.join(FIXTURES, "features", "hue_commune_points.geojson"), "--dataset", "diem-xa",
         "--title", "Điểm trung tâm xã"] + agency)
    run(["ingest", os.path.join(FIXTURES, "vn2000", "hue_tm3_esri.shp"), "--dataset", "xa-vn2000",
         "--title", "Xã Phú Vang (VN-2000 TM-3)"] + agency)
    run(["ingest", WORKS, "--dataset", "cong-trinh", "--title", "Công trình được cấp phép"] + agency)
    run(["metadata", "xa-hue", "--title-en", "Communes of Thua Thien Hue", "--description-en", "Commune boundaries.",
         "--keyword", "ranh giới", "--keyword", "hành chính", "--contact-name", "Phòng Đo đạc",
         "--contact-email", "dodac@hue.example", "--temporal-start", "2009-04-01", "--spatial", "Thừa Thiên Huế",
         "--identity-field", "commune_id", "--field-description", "population=Dân số (2009)"])


class Server:
    def __init__(self, name, store):
        self.name, self.port = name, free_port()
        log = open(os.path.join(WORK, f"{name}.log"), "w")
        self.proc = subprocess.Popen([BANDO, "serve", "--store", store, "--port", str(self.port), "--public-url", PUBLIC_URL,
                                      "--tiles", os.path.join(WORK, "no-tilesets"),
                                      "--downloads-cache", os.path.join(WORK, f"downloads-{name}"),
                                      "--harvest-tick-seconds", "0", "--access-log", "off", "--verify-every-hours", "0"],
                                     stdout=log, stderr=log)
        PROCS.append(self.proc)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self):
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1).read()
                return
            except Exception:
                if self.proc.poll() is not None:
                    fail(f"the {self.name} server ended at start (exit {self.proc.returncode})")
                time.sleep(0.05)
        fail(f"the {self.name} server did not answer in 120 s")

    def request(self, path, body=None, ctype="application/json", token=None, method=None):
        req = urllib.request.Request(self.base + path, data=body, method=method or ("POST" if body is not None else "GET"))
        if body is not None:
            req.add_header("Content-Type", ctype)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        req.add_header("Accept-Language", "vi")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()


# --- masking: only the times of the two loads ---

def run_days():
    days = set()
    now = datetime.datetime.now(datetime.timezone.utc)
    for moment in (STARTED, now):
        for offset in (0, 7):
            days.add((moment + datetime.timedelta(hours=offset)).date())
    return days


DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
DMY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def mask(text):
    days = run_days()

    def iso(m):
        try:
            d = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return m.group(0)
        return ("<load-time>" if m.group(4) else "<load-day>") if d in days else m.group(0)

    def dmy(m):
        try:
            d = datetime.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return m.group(0)
        return "<load-day>" if d in days else m.group(0)
    return DMY.sub(dmy, DATETIME.sub(iso, text))


# --- comparing two answers ---

def content_through_gdal(name, data, suffix):
    """A download's features as GeoJSON text read by GDAL, without the container's own times."""
    path = os.path.join(WORK, f"{name}{suffix}")
    with open(path, "wb") as f:
        f.write(data)
    source = ("/vsizip/" + path) if suffix.endswith(".zip") else path
    p = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", source], capture_output=True, timeout=120)
    if p.returncode != 0:
        return "ogr2ogr could not read it: " + p.stderr.decode(errors="replace")[-300:]
    return p.stdout.decode(errors="replace")


def without_request_ids(value):
    """Each answer's request id is new by design (for finding its log line), on every server."""
    if isinstance(value, dict):
        return {k: ("<request-id>" if k == "request_id" else without_request_ids(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [without_request_ids(v) for v in value]
    return value


def normalise(text, ctype, server):
    text = mask(text)
    # A GeoPackage holds the time it was written (gpkg_contents.last_change) and a zip the time
    # of each entry, so their checksums are the ones that differ; their content is compared
    # through GDAL instead.
    for digest in CONTAINER_DIGESTS[server]:
        text = text.replace(digest, "<container-sha256>")
    if "json" in ctype:
        try:
            return json.dumps(without_request_ids(json.loads(text)), ensure_ascii=False, indent=1, sort_keys=False)
        except ValueError:
            return text
    return text


def first_difference(a, b):
    lines = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "sqlite", "postgis", n=1, lineterm=""))
    return "\n".join(line[:300] for line in lines[:24])


DIFFERENCES, COMPARED, STATUSES, REFUSED = [], [], {}, []
CONTAINER_DIGESTS = {0: set(), 1: set()}


def learn_container_digests(datasets):
    for i, server in enumerate(SERVERS):
        for d in datasets:
            for ext in ("gpkg", "shp.zip"):
                status, _, data = server.request(f"/downloads/{d}/latest.{ext}.sha256")
                if status != 200:
                    fail(f"the {ext} checksum of {d} on {server.name}: {status}")
                CONTAINER_DIGESTS[i].add(data.decode().split()[0])


def compare(label, path, body=None, ctype="application/json"):
    a = SERVERS[0].request(path, body, ctype)
    b = SERVERS[1].request(path, body, ctype)
    COMPARED.append(f"{label} {path}")
    STATUSES[str(a[0])] = STATUSES.get(str(a[0]), 0) + 1
    if a[0] >= 300 and label == "loaded":
        REFUSED.append(f"{a[0]} {path}")
    where = f"{'POST' if body is not None else 'GET'} {path}"
    if a[0] != b[0]:
        DIFFERENCES.append({"url": where, "what": "status", "sqlite": a[0], "postgis": b[0]})
        return a
    if a[1] != b[1]:
        DIFFERENCES.append({"url": where, "what": "content type", "sqlite": a[1], "postgis": b[1]})
        return a
    kind = next((k for k in (".shp.zip", ".gpkg", ".kml") if urllib.parse.urlparse(path).path.endswith(k)), None)
    if kind:
        left = content_through_gdal("sqlite-" + str(len(COMPARED)), a[2], kind)
        right = content_through_gdal("postgis-" + str(len(COMPARED)), b[2], kind)
    elif path.startswith("/downloads/"):
        # GeoJSON, CSV and their checksum files: byte for byte, as a client's checksum sees them.
        if a[2] != b[2]:
            DIFFERENCES.append({"url": where, "what": f"bytes ({len(a[2])} and {len(b[2])})",
                                "diff": first_difference(a[2].decode(errors="replace"), b[2].decode(errors="replace"))})
        return a
    elif any(t in a[1] for t in ("json", "html", "text", "csv", "xml")):
        left = normalise(a[2].decode("utf-8", errors="replace"), a[1], 0)
        right = normalise(b[2].decode("utf-8", errors="replace"), b[1], 1)
    else:
        if a[2] != b[2]:
            DIFFERENCES.append({"url": where, "what": f"bytes ({len(a[2])} and {len(b[2])})"})
        return a
    if left != right:
        DIFFERENCES.append({"url": where, "what": "body", "diff": first_difference(left, right)})
    return a


# --- the battery ---

HUE = (107.585, 16.465)
TILES = [tile_of(*HUE, z) for z in range(5, 15)] + [tile_of(107.70, 16.50, 13), tile_of(107.45, 16.60, 11)]
SQUARE = "POLYGON((107.55 16.44,107.62 16.44,107.62 16.50,107.55 16.50,107.55 16.44))"
EPSG3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
VN2000_TM3 = "http://www.opengis.net/def/crs/EPSG/0/9214"
CQL2_JSON = json.dumps({"op": "and", "args": [
    {"op": ">", "args": [{"property": "population"}, 10000]},
    {"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[
        [107.5, 16.4], [107.7, 16.4], [107.7, 16.6], [107.5, 16.6], [107.5, 16.4]]]}]}]}, ensure_ascii=False)


def q(path, **params):
    hyphenated = {"bbox_crs": "bbox-crs", "filter_lang": "filter-lang", "filter_crs": "filter-crs"}
    return path + "?" + urllib.parse.urlencode({hyphenated.get(k, k): v for k, v in params.items()})


def battery(label, datasets):
    learn_container_digests(datasets)
    for path in ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/api", "/api/datasets", "/api/catalog",
                 "/catalog.jsonld", "/api/3", "/api/3/action/package_list", "/api/3/action/organization_list",
                 q("/api/3/action/package_search", q="xã", rows=10), q("/api/3/action/package_search", fq='tags:"ranh giới"'),
                 q("/api/3/action/package_search", q="Huế", sort="title_string asc"), q("/api/3/action/current_package_list_with_resources", limit=10),
                 q("/ogc/collections/xa-hue/items", datetime="2020-01-01/.."),
                 q("/api/3/action/organization_show", id="so-tnmt", include_datasets="true"), "/api/3/action/tag_list",
                 "/api/3/action/group_list", q("/ogc/collections", f="html"), q("/ogc/collections/xa-hue", f="html"),
                 "/tiles", "/tileMatrixSets", "/styles/default.json",
                 "/", q("/", lang="en"), "/datasets", q("/datasets", q="hue"), q("/datasets", lang="en", sort="downloads"),
                 q("/datasets", agency="so-tnmt"), "/stats", "/developers", "/feedback", "/map"]:
        compare(label, path)
    for d in datasets:
        for path in [f"/ogc/collections/{d}", f"/ogc/collections/{d}/queryables", f"/ogc/collections/{d}/schema",
                     q(f"/ogc/collections/{d}/items", limit=3), f"/ogc/collections/{d}/items/1",
                     q(f"/ogc/collections/{d}/items/1", f="html"),
                     f"/api/catalog/{d}", q("/api/3/action/package_show", id=d), f"/api/datasets/{d}/downloads",
                     f"/datasets/{d}", q(f"/datasets/{d}", lang="en"),
                     f"/tiles/{d}.json", f"/collections/{d}/tiles"]:
            compare(label, path)
        for z, x, y in TILES:
            compare(label, f"/tiles/{d}/{z}/{x}/{y}.mvt")
        z, x, y = TILES[7]
        compare(label, f"/collections/{d}/tiles/WebMercatorQuad/{z}/{y}/{x}")
        for ext in ("geojson", "csv", "shp.zip", "gpkg", "kml"):
            compare(label, f"/downloads/{d}/latest.{ext}")
            if ext in ("geojson", "csv"):
                compare(label, f"/downloads/{d}/v1.{ext}.sha256")
                compare(label, f"/downloads/{d}/v1.{ext}")
    items = "/ogc/collections/xa-hue/items"
    for params in [dict(bbox="107.55,16.44,107.62,16.50", limit=100),
                   dict(bbox="11976000,1857000,11980000,1860000", bbox_crs=EPSG3857, limit=50),
                   dict(filter="population > 10000 AND district_vn LIKE 'Thành phố%'", limit=100),
                   dict(filter="ACCENTI(CASEI(commune_vn)) LIKE '%phu%'", sortby="commune_id", limit=100),
                   dict(filter=f"S_INTERSECTS(geometry, {SQUARE})", limit=100),
                   dict(filter=f"S_WITHIN(geometry, {SQUARE}) OR commune_id IN (4110101, 4110103)", limit=100),
                   dict(filter="area BETWEEN 100 AND 500 AND NOT (population < 5000)", sortby="-population,commune_vn"),
                   dict(filter=CQL2_JSON, filter_lang="cql2-json", limit=100),
                   dict(sortby="-population", limit=10),
                   dict(properties="commune_vn,population", limit=20, offset=40),
                   dict(limit=10, offset=145),
                   dict(district_vn="Thành phố Huế", limit=100),
                   dict(crs=EPSG3857, limit=5), dict(crs=VN2000_TM3, limit=5, offset=7),
                   dict(filter="S_CONTAINS(geometry, POINT(107.58 16.46)) OR S_CROSSES(geometry, LINESTRING(107.5 16.4,107.7 16.6))", limit=100),
                   dict(f="html", limit=5),
                   dict(filter="S_INTERSECTS(geometry, POLYGON((11976000 1857000,11980000 1857000,11980000 1860000,11976000 1860000,11976000 1857000)))",
                        filter_crs=EPSG3857, limit=100),
                   dict(filter=json.dumps({"op": "like", "args": [{"op": "casei", "args": [{"property": "commune_vn"}]},
                                                                   {"op": "casei", "args": ["%thủy%"]}]}, ensure_ascii=False),
                        filter_lang="cql2-json", sortby="-commune_vn"),
                   dict(filter="commune_vn IN ('Phường Phú Thuận', 'Xã Hương Long') OR commune LIKE 'Phu\\_%'"),
                   dict(bbox="106.0,10.0,106.1,10.1"), dict(limit=5, offset=500), dict(limit=0),
                   dict(filter="shape_area > 0.00009 AND district_id <> 41101", sortby="shape_area"),
                   dict(filter="population >", limit=5), dict(filter="khong_co = 1"),
                   dict(filter="commune_vn > 5"), dict(sortby="khong_co")]:
        compare(label, q(items, **params))
    works = "/ogc/collections/cong-trinh/items"
    for params in [dict(datetime="2024-03-01/2024-09-30"), dict(datetime="../2024-04-15", sortby="-ngay_cap"),
                   dict(datetime="2024-05-08"), dict(filter="ngay_cap >= DATE('2024-06-01')", sortby="ten"),
                   dict(filter="cap_luc < TIMESTAMP('2024-06-01T00:00:00Z') OR cap_luc IS NULL"),
                   dict(filter="T_AFTER(ngay_cap, DATE('2024-10-01'))"), dict(filter="dien_tich IS NULL OR dien_tich > 300"),
                   dict(filter="ACCENTI(CASEI(ten)) LIKE '%truong%'"), dict(sortby="-dien_tich,ma"),
                   dict(filter="con_han = 1 AND ma BETWEEN 102 AND 110", properties="ten,ngay_cap"), dict(crs=VN2000_TM3)]:
        compare(label, q(works, **params))
    compare(label, q("/ogc/collections/xa-vn2000/items", filter="name_ascii LIKE 'Phu%'", sortby="-population"))
    compare(label, q("/ogc/collections/diem-xa/items", bbox="107.5,16.4,107.7,16.6", sortby="commune_id", limit=200))
    for path in [q("/api/analysis/point-in-area", dataset="xa-hue", lon=107.58, lat=16.48),
                 q("/api/analysis/point-in-area", dataset="xa-hue", lon=100, lat=10),
                 q("/api/analysis/within-distance", dataset="diem-xa", lon=107.58, lat=16.47, distance=3000),
                 q("/api/analysis/within-distance", dataset="diem-xa", lon=107.58, lat=16.47, distance=5000, format="csv"),
                 q("/api/analysis/nearest", dataset="diem-xa", lon=107.6, lat=16.45, k=5),
                 q("/api/analysis/nearest", dataset="xa-vn2000", lon=107.7, lat=16.5, k=3, format="csv"),
                 q("/api/analysis/aggregate", dataset="diem-xa", areas="xa-hue", field="population"),
                 q("/api/analysis/aggregate", dataset="diem-xa", areas="xa-vn2000", field="population", format="csv"),
                 q("/api/analysis/aggregate", dataset="diem-xa", areas="xa-hue"),
                 q("/api/analysis/aggregate", dataset="cong-trinh", areas="xa-hue", field="dien_tich"),
                 q("/api/analysis/aggregate", dataset="cong-trinh", areas="xa-vn2000", field="dien_tich", format="csv"),
                 q("/api/analysis/nearest", dataset="cong-trinh", lon=107.6, lat=16.46, k=12),
                 q("/api/analysis/within-distance", dataset="xa-hue", lon=107.6, lat=16.46, distance=2500)]:
        compare(label, path)
    compare(label, "/api/analysis/point-in-area?dataset=xa-hue",
            json.dumps({"points": [[107.58, 16.48], [107.6, 16.45], [106, 10]]}).encode())
    compare(label, "/api/analysis/within-distance",
            json.dumps({"dataset": "diem-xa", "distance": 1500, "geometry": {"type": "LineString",
                        "coordinates": [[107.55, 16.45], [107.62, 16.49]]}}).encode())
    # Last, so that every use above is counted (the counters are flushed before they are read).
    compare(label, q("/api/stats", by="dataset"))
    compare(label, q("/api/stats", by="channel", format="csv"))


# --- 3. the portal's workflow through HTTP ---

def login(server, user):
    req = urllib.request.Request(server.base + "/api/portal/login", method="POST",
                                 data=json.dumps({"username": user, "password": PASSWORD}).encode())
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            cookie = r.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as e:
        fail(f"{user} could not sign in on {server.name}: {e.code} {e.read()[:300]!r}")
    return cookie.split("bando_session=", 1)[1].split(";", 1)[0]


def workflow(server):
    """A catalogue entry, then two versions each uploaded, submitted and approved: the second
    drops five communes, adds five and changes one, so the dataset has a change summary."""
    def call(path, body, token, ctype="application/json"):
        status, _, data = server.request(path, body, ctype, token)
        if status >= 300:
            fail(f"POST {path} on {server.name} answered {status}: {data[:500]!r}")
        return json.loads(data) if data else None
    admin = login(server, "quan-tri")
    call("/api/portal/catalogue", json.dumps({"agency": "so-tnmt", "slug": "xa-duyet", "title": "Xã, phường (duyệt qua cổng)"}).encode(), admin)
    with open(os.path.join(FIXTURES, "hue", "communes.geojson"), encoding="utf-8") as f:
        communes = json.load(f)["features"]
    second = json.loads(json.dumps(communes[5:35]))
    for name, value in second[0]["properties"].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            second[0]["properties"][name] = value + 1
            break
    editor, approver = login(server, "bien-tap"), login(server, "lanh-dao")
    numbers = []
    for features in (communes[:30], second):
        draft = call("/api/portal/datasets/xa-duyet/uploads?filename=xa.geojson",
                     json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode(), editor, "application/geo+json")
        call(f"/api/portal/datasets/xa-duyet/versions/{draft['number']}/submit", b"", editor)
        call(f"/api/portal/datasets/xa-duyet/versions/{draft['number']}/approve", b"", approver)
        numbers.append(draft["number"])
    return numbers


# The two loads at once: each command is mostly the binary's start.
loads = [threading.Thread(target=load, args=(store,)) for store in (SQLITE_STORE, PG_STORE)]
for t in loads:
    t.start()
for t in loads:
    t.join()
if LOAD_FAILURES:
    fail("\n".join(LOAD_FAILURES))
print(f"loaded {time.time()-STARTED.timestamp():.1f}", file=sys.stderr)
SERVERS = [Server("sqlite", SQLITE_STORE), Server("postgis", PG_STORE)]
for s in SERVERS:
    s.wait()
DATASETS = ["xa-hue", "diem-xa", "xa-vn2000", "cong-trinh"]
print(f"started {time.time()-STARTED.timestamp():.1f}", file=sys.stderr)
battery("loaded", DATASETS)
print(f"battery 1 {time.time()-STARTED.timestamp():.1f}", file=sys.stderr)
numbers = [workflow(s) for s in SERVERS]
if numbers[0] != numbers[1]:
    DIFFERENCES.append({"url": "POST /api/portal/datasets/xa-duyet/uploads", "what": "version number", "sqlite": numbers[0], "postgis": numbers[1]})
battery("approved", DATASETS + ["xa-duyet"])
approved_served = []
for s in SERVERS:
    status, _, data = s.request("/ogc/collections/xa-duyet/items?limit=1")
    approved_served.append(status == 200 and json.loads(data).get("numberMatched") == 30)
stop_all()
print(json.dumps({"compared": len(COMPARED), "statuses": STATUSES, "refusedBeforeTheWorkflow": REFUSED, "approvedVersionServed": approved_served, "differences": DIFFERENCES,
                  "seconds": round((datetime.datetime.now(datetime.timezone.utc) - STARTED).total_seconds(), 1)},
                 ensure_ascii=False, indent=1))
