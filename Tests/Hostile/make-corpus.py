#!/usr/bin/env python3
"""Writes the hostile-input corpus: Tests/Hostile/manifest.jsonl and the small data files under
Tests/Hostile/files/. Run it again after changing a case; its output is committed, so a review
sees every byte the server is sent. Big inputs (zip bombs, 100,000 zip entries) are not
committed: the manifest names a generator in make-large.py that the test runs at test time.

Each manifest line is one case:
  name      unique, used in failure reports
  surface   the part of the server under attack (upload, geojson, shapefile, cql2-text, ...)
  what      what is wrong with the input
  method, path, headers, auth (anonymous, editorA, admin ...)
  body | bodyHex | bodyFile | bodyGen     the request body (inline text, hex, a file here, or
                                          a file make-large.py writes at test time)
  multipart the file name to wrap the body in as a multipart/form-data upload
  raw | rawHex  bytes sent as they are on a fresh connection ({host} is the server's address)
  expect    "4xx" (default), or statuses such as "400|404", "close" = the server may also just
            close the connection, "201" for inputs that are odd but valid
  message   whether the body must say what was wrong (false only for raw protocol errors,
            where the HTTP parser answers before any route)
  slow      true: the case may take up to a minute (a half-sent request the server must time out)

Only the standard library: run with any python3.
"""
import io, json, os, struct, sys, zipfile, urllib.parse

# Long inputs are written as runs so the manifest stays small: rep(s, n) stands for s * n, and
# every string in the manifest is either text or a list of [text, count] runs.
RS, RM, RE = "\ue000", "\ue001", "\ue002"


def rep(s, n):
    return f"{RS}{n}{RM}{s}{RE}"


def runs(s):
    """[(text, count)] of a string that may hold rep() markers."""
    out, i = [], 0
    while True:
        j = s.find(RS, i)
        if j < 0:
            if i < len(s):
                out.append((s[i:], 1))
            return out
        if j > i:
            out.append((s[i:j], 1))
        m, e = s.index(RM, j), s.index(RE, j)
        out.append((s[m + 1:e], int(s[j + 1:m])))
        i = e + 1


def packed(s):
    """A manifest value: the string itself, or its runs when it holds repeats."""
    if not isinstance(s, str) or RS not in s:
        return s
    return [[t, n] for t, n in runs(s)]


def expand(s):
    return "".join(t * n for t, n in runs(s))


HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")
cases = []
names = set()

DS = "xa-hue"          # published polygons of agency A (upload target, items, tiles)
PTS = "diem-hue"       # published points of agency B (nearest)
ITEMS = f"/ogc/collections/{DS}/items"
UPLOAD = f"/api/portal/datasets/{DS}/uploads"


def add(name, surface, what, **kw):
    assert name not in names, name
    names.add(name)
    c = {"name": name, "surface": surface, "what": what}
    c.update(kw)
    # A request line or header over the server's 32 KB head limit is refused before any route
    # reads it: 431, with a message, instead of the route's own 400.
    head = len(expand(c.get("path", ""))) + sum(len(expand(v)) for v in c.get("headers", {}).values())
    if head > 32 * 1024 and c.get("expect", "").split("|")[0] in ("400", "401") and "431" not in c["expect"]:
        c["expect"] = c["expect"] + "|431"
    c.setdefault("method", "GET" if "raw" not in c and "rawHex" not in c else None)
    if c["method"] is None:
        del c["method"]
    cases.append(c)


def write(rel, data):
    path = os.path.join(FILES, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return "files/" + rel


def q(s):
    return "".join(rep(urllib.parse.quote(t, safe=""), n) if n > 1 else urllib.parse.quote(t, safe="") for t, n in runs(s))


def upload(name, surface, what, data, filename, expect="4xx", **kw):
    """A file uploaded by agency A's editor as a multipart form, as the portal page sends it."""
    if isinstance(data, str):
        add(name, surface, what, method="POST", path=UPLOAD, auth="editorA", body=data, multipart=filename, expect=expect, **kw)
        return
    ext = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    rel = write(f"{surface}/{name}.{ext}", data)
    add(name, surface, what, method="POST", path=UPLOAD, auth="editorA", bodyFile=rel, multipart=filename,
        expect=expect, **kw)


# ---------------------------------------------------------------- shapefile bytes

def shp_header(shape_type, file_words, bbox=(0, 0, 0, 0)):
    return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, file_words) + struct.pack("<2i", 1000, shape_type)
            + struct.pack("<8d", bbox[0], bbox[1], bbox[2], bbox[3], 0, 0, 0, 0))


def point_shapefile(points, shape_type=1, dbf_count=None, shp_words=None, record_words=None, record_shape=None,
                    extra_records=b""):
    """.shp, .shx, .dbf of points with one numeric field `id`; every header field overridable."""
    recs, index, off = b"", b"", 50
    for i, (x, y) in enumerate(points):
        content = struct.pack("<i2d", record_shape if record_shape is not None else shape_type, x, y)
        words = record_words if record_words is not None else len(content) // 2
        recs += struct.pack(">2i", i + 1, words) + content
        index += struct.pack(">2i", off, len(content) // 2)
        off += 4 + len(content) // 2
    recs += extra_records
    finite = [p for p in points if all(abs(v) < 1e300 for v in p)] or [(0, 0)]
    bbox = (min(p[0] for p in finite), min(p[1] for p in finite), max(p[0] for p in finite), max(p[1] for p in finite))
    shp = shp_header(shape_type, shp_words if shp_words is not None else (100 + len(recs)) // 2, bbox) + recs
    shx = shp_header(shape_type, (100 + len(index)) // 2, bbox) + index
    dbf = dbf_bytes([[str(i + 1)] for i in range(len(points))], count=dbf_count)
    return shp, shx, dbf


def dbf_bytes(rows, count=None, fields=(("ID", "N", 10, 0),), header_len=None, record_len=None):
    rl = 1 + sum(f[2] for f in fields)
    hl = 32 + 32 * len(fields) + 1
    head = struct.pack("<B3BIHH20x", 3, 124, 1, 1, len(rows) if count is None else count,
                       hl if header_len is None else header_len, rl if record_len is None else record_len)
    for fname, ftype, flen, fdec in fields:
        head += fname.encode().ljust(11, b"\0") + ftype.encode() + b"\0" * 4 + bytes([flen, fdec]) + b"\0" * 14
    head += b"\r"
    body = b"".join(b" " + b"".join(v.encode().rjust(f[2])[: f[2]] for v, f in zip(r, fields)) for r in rows)
    return head + body + b"\x1a"


WGS84_PRJ = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
             'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')


def zip_of(members, compress=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compress) as z:
        for n, d in members:
            z.writestr(n, d)
    return b.getvalue()


def shapefile_zip(shp, shx, dbf, prj=WGS84_PRJ, stem="diem", drop=()):
    parts = [(f"{stem}.shp", shp), (f"{stem}.shx", shx), (f"{stem}.dbf", dbf)]
    if prj is not None:
        parts.append((f"{stem}.prj", prj))
    return zip_of([p for p in parts if p[0].rsplit(".", 1)[1] not in drop])


GOOD_PTS = [(107.58, 16.46), (107.59, 16.47)]

# ---------------------------------------------------------------- uploads: kinds, zips, multipart

upload("upload-zero-byte", "upload", "a zero-byte file", b"", "empty.geojson")
upload("upload-whitespace", "upload", "only whitespace", b" \n\t\r\n" * 100, "blank.geojson")
upload("upload-png-magic", "upload", "a PNG image named .zip", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "ranh-gioi.zip")
upload("upload-pdf-magic", "upload", "a PDF named .geojson", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "ranh-gioi.geojson")
upload("upload-gzip-magic", "upload", "a gzip stream, not a zip", b"\x1f\x8b\x08\x00" + b"\0" * 100, "ranh-gioi.zip")
upload("upload-tar", "upload", "a tar archive", b"diem.shp".ljust(100, b"\0") + b"0000644\0" + b"\0" * 404, "ranh-gioi.zip")
upload("upload-7z-magic", "upload", "a 7z archive", b"7z\xbc\xaf\x27\x1c\0\x04" + b"\0" * 100, "ranh-gioi.zip")
upload("upload-rar-magic", "upload", "a RAR archive", b"Rar!\x1a\x07\x01\x00" + b"\0" * 100, "ranh-gioi.zip")
upload("upload-elf", "upload", "an executable", b"\x7fELF\x02\x01\x01" + b"\0" * 200, "ranh-gioi.geojson")
upload("upload-sqlite", "upload", "a GeoPackage (SQLite file), not an accepted format", b"SQLite format 3\0" + b"\0" * 200, "ranh-gioi.gpkg")
upload("upload-kml", "upload", "a KML document, not an accepted format", b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "ranh-gioi.kml")
upload("upload-html", "upload", "an HTML page", b"<!doctype html><html><body>not data</body></html>", "ranh-gioi.geojson")
upload("upload-csv", "upload", "a CSV table", "x,y,ten\n107.5,16.4,Huế\n".encode(), "ranh-gioi.csv")
upload("upload-utf16-bom", "upload", "UTF-16 BOM then UTF-8 JSON", b"\xff\xfe" + b'{"type":"FeatureCollection","features":[]}', "ranh-gioi.geojson")
upload("upload-utf32-bom", "upload", "UTF-32 BOM", b"\x00\x00\xfe\xff" + b'{"type":"FeatureCollection","features":[]}', "ranh-gioi.geojson")
upload("upload-json-array", "upload", "a JSON array, not a GeoJSON object", b'[{"type":"Feature"}]', "ranh-gioi.geojson")
upload("upload-json-null", "upload", "JSON null", b"null", "ranh-gioi.geojson")
upload("upload-zip-pk-only", "upload", "the 4 magic bytes of a zip and nothing else", b"PK\x03\x04", "ranh-gioi.zip")
upload("upload-zip-truncated-header", "upload", "a zip cut inside its first local header", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ranh-gioi.zip")
good_zip = shapefile_zip(*point_shapefile(GOOD_PTS))
upload("upload-zip-truncated-half", "upload", "a valid shapefile zip cut in half (no central directory)", good_zip[: len(good_zip) // 2], "diem.zip")
upload("upload-zip-truncated-eocd", "upload", "a zip whose end-of-central-directory record is cut", good_zip[:-10], "diem.zip")
upload("upload-zip-empty-eocd", "upload", "an empty zip (end record only)", b"PK\x05\x06" + b"\0" * 18, "diem.zip")
upload("upload-zip-local-only", "upload", "a zip with a local header and no central directory", good_zip[:60] + b"\0" * 40, "diem.zip")
# Central directory corrupted: flip the signature of the first central header.
cd = good_zip.find(b"PK\x01\x02")
upload("upload-zip-bad-central-signature", "upload", "the central directory signature is damaged",
       good_zip[:cd] + b"PK\x09\x09" + good_zip[cd + 4:], "diem.zip")
# The end record points past the end of the file.
eo = good_zip.rfind(b"PK\x05\x06")
bad = bytearray(good_zip); struct.pack_into("<I", bad, eo + 16, 0x7FFFFFF0)
upload("upload-zip-cd-offset-beyond", "upload", "the central directory offset points past the end", bytes(bad), "diem.zip")
bad = bytearray(good_zip); struct.pack_into("<HH", bad, eo + 8, 0xFFFF, 0xFFFF)
upload("upload-zip-entry-count-huge", "upload", "the end record declares 65,535 entries for 4", bytes(bad), "diem.zip")
bad = bytearray(good_zip); struct.pack_into("<I", bad, eo + 12, 0x7FFFFFFF)
upload("upload-zip-cd-size-huge", "upload", "the end record declares a 2 GB central directory", bytes(bad), "diem.zip")
# Declared uncompressed size far above the real one, in the central header of the .shp.
bad = bytearray(good_zip); struct.pack_into("<I", bad, cd + 24, 0xFFFFFFF0)
upload("upload-zip-declared-4gb", "upload", "the .shp entry declares 4 GB uncompressed", bytes(bad), "diem.zip")
bad = bytearray(good_zip); struct.pack_into("<H", bad, cd + 10, 99)
upload("upload-zip-unknown-method", "upload", "the .shp entry uses compression method 99", bytes(bad), "diem.zip")
bad = bytearray(good_zip); struct.pack_into("<I", bad, cd + 16, 0xDEADBEEF); struct.pack_into("<I", bad, 14, 0xDEADBEEF)
upload("upload-zip-crc-mismatch", "upload", "the .shp entry's CRC-32 does not match its bytes", bytes(bad), "diem.zip")
bad = bytearray(good_zip); struct.pack_into("<H", bad, cd + 8, 0x0001); struct.pack_into("<H", bad, 6, 0x0001)
upload("upload-zip-encrypted-flag", "upload", "the .shp entry claims to be encrypted", bytes(bad), "diem.zip")
shp, shx, dbf = point_shapefile(GOOD_PTS)
for nm, path in [("dotdot", "../diem.shp"), ("dotdot-deep", "../../../../etc/cron.d/diem.shp"),
                 ("absolute", "/etc/diem.shp"), ("backslash", "..\\..\\diem.shp"), ("drive", "C:\\Windows\\diem.shp"),
                 ("dotdot-middle", "data/../../diem.shp"), ("dotdot-dbf", "../diem.dbf")]:
    members = [(path, shp) if path.endswith(".shp") else ("diem.shp", shp), ("diem.shx", shx),
               (path, dbf) if path.endswith(".dbf") else ("diem.dbf", dbf)]
    upload(f"upload-zip-path-{nm}", "upload", f"a zip entry named {path!r} escapes the folder", zip_of(members), "diem.zip")
# A symbolic link entry (Unix mode 0120777 in the external attributes).
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    for n, d in [("diem.shp", shp), ("diem.shx", shx)]:
        z.writestr(n, d)
    zi = zipfile.ZipInfo("diem.dbf"); zi.external_attr = (0o120777 << 16); z.writestr(zi, "/etc/passwd")
upload("upload-zip-symlink", "upload", "a zip entry that is a symbolic link to /etc/passwd", b.getvalue(), "diem.zip")
upload("upload-zip-nul-in-name", "upload", "a zip entry name holding a NUL byte",
       zip_of([("diem.shp\0.txt", shp), ("diem.shx", shx), ("diem.dbf", dbf)]), "diem.zip")
upload("upload-zip-long-name", "upload", "a zip entry name of 60,000 characters",
       zip_of([("a" * 60000 + ".shp", shp), ("diem.shx", shx), ("diem.dbf", dbf)]), "diem.zip", expect="201|4xx")
upload("upload-zip-nested", "upload", "a zip holding only another zip", zip_of([("inner.zip", good_zip)]), "diem.zip")
upload("upload-zip-nested-deep", "upload", "a zip in a zip in a zip ... 20 deep",
       (lambda: [globals().__setitem__("_z", good_zip)] and [globals().__setitem__("_z", zip_of([("z.zip", globals()["_z"])])) for _ in range(20)] and globals()["_z"])(),
       "diem.zip")
upload("upload-zip-readme-only", "upload", "a zip holding no shapefile", zip_of([("README.txt", "không có dữ liệu")]), "diem.zip")
upload("upload-zip-dirs-only", "upload", "a zip of empty folders", zip_of([("a/", b""), ("a/b/", b"")]), "diem.zip")
upload("upload-zip-geojson-inside", "upload", "a zip holding a broken GeoJSON", zip_of([("x.geojson", b'{"type":"FeatureCollection","features":[')]), "x.zip")
upload("upload-zip-duplicate-names", "upload", "a zip with two different entries named diem.shp",
       zip_of([("diem.shp", shp), ("diem.shp", b"\0" * 100), ("diem.shx", shx), ("diem.dbf", dbf)]), "diem.zip")
upload("upload-zip-stored-garbage", "upload", "a zip whose shapefile parts are random bytes",
       zip_of([("diem.shp", os.urandom(0) + bytes(range(256)) * 4), ("diem.shx", bytes(range(256))), ("diem.dbf", bytes(range(255, -1, -1)))]), "diem.zip")
# Multipart framing.
add("upload-multipart-no-file-part", "upload", "a multipart form with a field but no file", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    body='--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--XyZ--\r\n')
add("upload-multipart-wrong-boundary", "upload", "the body uses another boundary than the header says", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    body='--Other\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"\r\n\r\n{"type":"FeatureCollection","features":[]}\r\n--Other--\r\n')
add("upload-multipart-unclosed", "upload", "the file part never reaches its closing boundary", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    body='--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"\r\n\r\n{"type":"FeatureCollection","features":[' + '{"type":"Feature"},' * 50)
add("upload-multipart-empty-boundary", "upload", "boundary= with nothing after it", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary="},
    body='--\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"\r\n\r\n{}\r\n----\r\n')
add("upload-multipart-no-boundary-param", "upload", "multipart/form-data without a boundary", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data"}, body='--X\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"\r\n\r\n{}\r\n--X--\r\n')
add("upload-multipart-endless-headers", "upload", "a part whose headers never end (100 KB)", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    body='--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"\r\n' + rep("X-Filler: " + "a" * 90 + "\r\n", 1000))
add("upload-multipart-empty-file", "upload", "a file part with no bytes", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    body='--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"\r\n\r\n\r\n--XyZ--\r\n')
add("upload-multipart-only-closing", "upload", "only the closing delimiter", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"}, body="--XyZ--\r\n")
add("upload-multipart-boundary-1000", "upload", "a 1,000-character boundary that never appears", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=" + rep("b", 1000)}, body=rep("x", 5000))
add("upload-raw-garbage", "upload", "a body of random-looking bytes without multipart", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "application/octet-stream"}, bodyBytes=rep(bytes(range(256)).decode("latin-1"), 8))
add("upload-filename-traversal", "upload", "a file name with ../ and a broken GeoJSON", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
    body='--XyZ\r\nContent-Disposition: form-data; name="file"; filename="../../../../etc/a.geojson"\r\n\r\n{"type":"FeatureCollection","features":[{"type":"Feature"\r\n--XyZ--\r\n')
add("upload-declared-600mb", "upload", "Content-Length declares 600 MB, over the upload limit", method="POST", path=UPLOAD, auth="editorA",
    headers={"Content-Type": "application/octet-stream", "Content-Length": str(600 * 1024 * 1024)}, body="PK\x03\x04", expect="413")
add("upload-unknown-dataset", "upload", "an upload to a dataset that does not exist", method="POST", path="/api/portal/datasets/khong-co/uploads",
    auth="editorA", headers={"Content-Type": "application/octet-stream"}, body="{}", expect="404")
add("upload-bad-dataset-slug", "upload", "an upload to a dataset name with ../", method="POST", path="/api/portal/datasets/..%2F..%2Fetc/uploads",
    auth="editorA", headers={"Content-Type": "application/octet-stream"}, body="{}", expect="400|404")
add("upload-other-agency", "upload", "agency B's editor uploads garbage to agency A's dataset", method="POST", path=UPLOAD,
    auth="editorB", headers={"Content-Type": "application/octet-stream"}, body="garbage", expect="403")
add("upload-anonymous", "upload", "an anonymous upload", method="POST", path=UPLOAD, headers={"Content-Type": "application/octet-stream"},
    body="garbage", expect="401")
add("upload-bogus-bearer", "upload", "a made-up bearer token", method="POST", path=UPLOAD, headers={"Authorization": "Bearer " + "A" * 64},
    body="garbage", expect="401")
add("upload-bearer-100kb", "upload", "a 60 KB bearer token", method="POST", path=UPLOAD, headers={"Authorization": "Bearer " + rep("A", 60000)},
    body="garbage", expect="401|431|400")
for gen, what in [("zip-bomb-ratio", "a 1 MB zip that inflates to 1 GB (one .shp of zeros)"),
                  ("zip-bomb-entries", "a zip of 100,000 empty entries"),
                  ("zip-bomb-nested", "a zip of 10 zips each inflating to 100 MB"),
                  ("zip-bomb-dbf", "a zip whose .dbf inflates to 1 GB of blank records")]:
    add(f"upload-{gen}", "upload", what, method="POST", path=UPLOAD, auth="editorA", bodyGen=gen, multipart="diem.zip")

# ---------------------------------------------------------------- GeoJSON oddities

def fc(features):
    return json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True)


def feat(geom, props=None):
    return {"type": "Feature", "properties": props if props is not None else {"ten": "a"}, "geometry": geom}


def gj(name, what, text, expect="4xx", **kw):
    upload(name, "geojson", what, text, "du-lieu.geojson", expect=expect, **kw)


P = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"a"},"geometry":{"type":"Point","coordinates":[%s]}}]}'
gj("geojson-point-1e400", "a point at (1e400, -1e400): both overflow to infinity", P % "1e400,-1e400")
gj("geojson-point-x-1e400", "a point with x = 1e400", P % "1e400,16.4")
gj("geojson-point-y-neg-1e400", "a point with y = -1e400", P % "107.5,-1e400")
gj("geojson-point-1e309", "a point with x = 1e309 (just past the largest double)", P % "1e309,16.4")
gj("geojson-point-NaN-literal", "NaN as a bare word", P % "NaN,16.4")
gj("geojson-point-Infinity-literal", "Infinity as a bare word", P % "Infinity,16.4")
gj("geojson-point-neg-Infinity", "-Infinity as a bare word", P % "107.5,-Infinity")
gj("geojson-point-NaN-string", "\"NaN\" as a string coordinate", P % '"NaN","NaN"')
gj("geojson-point-string-coords", "coordinates as strings", P % '"107.5","16.4"')
gj("geojson-point-null-coords", "null coordinates", P % "null,null")
gj("geojson-point-bool-coords", "true/false as coordinates", P % "true,false")
gj("geojson-point-one-number", "a point with one number", P % "107.5")
gj("geojson-point-empty", "a point with no numbers", P % "")
gj("geojson-point-lon-200", "a longitude of 200 degrees", P % "200,16.4")
gj("geojson-point-lat-95", "a latitude of 95 degrees", P % "107.5,95")
gj("geojson-point-lat-1e300", "a latitude of 1e300", P % "107.5,1e300")
gj("geojson-point-nested-array", "a position that is an array of arrays", P % "[107.5,16.4]")
gj("geojson-point-object-coords", "a position that is an object", P % '{"x":107.5,"y":16.4}')
gj("geojson-polygon-1e400", "a polygon ring holding 1e400",
   fc([feat({"type": "Polygon", "coordinates": [[[107.5, 16.4], [107.6, 16.4], [1, 1], [107.5, 16.4]]]})]).replace("[1, 1]", "[1e400, 1]"))
gj("geojson-line-nan", "a line with NaN", fc([feat({"type": "LineString", "coordinates": [[107.5, 16.4], [107.6, 16.5]]})]).replace("16.5", "NaN"))
gj("geojson-multipoint-inf", "a multipoint holding -Infinity", fc([feat({"type": "MultiPoint", "coordinates": [[107.5, 16.4], [107.6, 16.5]]})]).replace("16.5", "-Infinity"))
gj("geojson-coords-deep-10000", "coordinates nested 10,000 arrays deep",
   '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":' + rep("[", 10000) + "1,2" + rep("]", 10000) + "}}]}")
gj("geojson-coords-deep-100000", "coordinates nested 100,000 arrays deep",
   '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":' + rep("[", 100000) + rep("]", 100000) + "}}]}")
gj("geojson-properties-deep-10000", "a property nested 10,000 objects deep",
   '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[107.5,16.4]},"properties":{"a":' + rep('{"a":', 10000) + "1" + rep("}", 10000) + "}}]}")
gj("geojson-properties-deep-arrays", "a property nested 50,000 arrays deep",
   '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[107.5,16.4]},"properties":{"a":' + rep("[", 50000) + rep("]", 50000) + "}}]}")
gj("geojson-document-deep", "the document itself nested 100,000 objects deep", rep('{"a":', 100000) + "1" + rep("}", 100000))
gj("geojson-type-number", "\"type\": 5", '{"type":5,"features":[]}')
gj("geojson-type-unknown", "an unknown top-level type", '{"type":"FeatureSoup","features":[]}')
gj("geojson-features-object", "features is an object", '{"type":"FeatureCollection","features":{"a":1}}')
gj("geojson-features-string", "features is a string", '{"type":"FeatureCollection","features":"none"}')
gj("geojson-features-null-items", "features holds nulls and numbers", '{"type":"FeatureCollection","features":[null,1,"x"]}')
gj("geojson-geometry-string", "a geometry given as WKT text", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":"POINT(107.5 16.4)"}]}')
gj("geojson-geometry-type-circle", "an unknown geometry type", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Circle","coordinates":[107.5,16.4],"radius":5}}]}')
gj("geojson-geometry-type-number", "a geometry whose type is a number", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":1,"coordinates":[107.5,16.4]}}]}')
gj("geojson-polygon-numbers", "a polygon whose coordinates are plain numbers", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[107.5,16.4]}}]}')
gj("geojson-properties-array", "properties is an array", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":[1,2],"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}')
gj("geojson-huge-position", "one position with 1,000,000 numbers (RFC 7946: SHOULD NOT; refused or read, never a crash)",
   '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[' + rep("1,", 999999) + "1" + "]}}]}", expect="201|4xx")
gj("geojson-huge-array-strings", "coordinates holding 200,000 strings",
   '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[' + rep('"x",', 199999) + '"x"' + "]}}]}")
for n, cut in [("truncated-1", 1), ("truncated-25", 25), ("truncated-60", 60), ("truncated-mid-number", None)]:
    text = fc([feat({"type": "Point", "coordinates": [107.5123, 16.4123]})])
    if cut is None:
        cut = text.index("107.51") + 4
    gj(f"geojson-{n}", f"a FeatureCollection cut after {cut} bytes", text[:cut])
gj("geojson-truncated-string", "cut inside a string", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"Hu')
gj("geojson-trailing-garbage", "a valid collection followed by garbage", fc([feat({"type": "Point", "coordinates": [107.5, 16.4]})]) + "}}]]garbage")
gj("geojson-trailing-comma", "a trailing comma in the features array", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[107.5,16.4]}},]}')
gj("geojson-single-quotes", "single-quoted JSON", "{'type':'FeatureCollection','features':[]}")
gj("geojson-unquoted-keys", "unquoted keys", "{type:\"FeatureCollection\",features:[]}")
gj("geojson-comments", "JavaScript comments", '{/* x */"type":"FeatureCollection","features":[]}')
gj("geojson-control-chars", "raw control characters in a string", b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"a\x01\x02\x1f"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]')
gj("geojson-bom-truncated", "a UTF-8 BOM then a cut document", b"\xef\xbb\xbf" + b'{"type":"FeatureCollection","features":[{')
gj("geojson-double-bom", "two UTF-8 BOMs", b"\xef\xbb\xbf\xef\xbb\xbf" + fc([feat({"type": "Point", "coordinates": [107.5, 16.4]})]).encode())
gj("geojson-invalid-utf8-structure", "an invalid UTF-8 byte between tokens", b'{"type":"FeatureCollection",\xff"features":[]}')
gj("geojson-invalid-utf8-key", "an invalid UTF-8 sequence in a property name",
   b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"t\xc0\xafn":"a"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}', expect="201|4xx")
gj("geojson-invalid-utf8-value", "an overlong UTF-8 sequence in a value (odd: refused or replaced, never a crash)",
   b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"\xe0\x80\xaf"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}', expect="201|4xx")
gj("geojson-lone-surrogate", "a lone UTF-16 surrogate escape (odd: refused or replaced, never a crash)",
   '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"\\ud800"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}', expect="201|4xx")
gj("geojson-bad-escape", "an invalid escape \\x", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"\\x41"},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}')
gj("geojson-number-garbage", "a number with two dots", P % "107.5.1,16.4")
gj("geojson-number-hex", "a hexadecimal coordinate", P % "0x6B,16.4")
gj("geojson-number-leading-plus", "a coordinate with a leading +", P % "+107.5,16.4")
gj("geojson-huge-integer", "a coordinate of 400 digits", P % (rep("9", 400) + ",16.4"))
gj("geojson-empty-object", "an empty object", "{}")
gj("geojson-only-brace", "a lone brace", "{")
gj("geojson-feature-no-type", "a feature without type (odd: refused or read, never a crash)", '{"type":"FeatureCollection","features":[{"properties":{},"geometry":{"type":"Point","coordinates":[107.5,16.4]}}]}', expect="201|4xx")
gj("geojson-bbox-strings", "a bbox member of strings", '{"type":"FeatureCollection","bbox":["a","b","c","d"],"features":[' + json.dumps(feat({"type": "Point", "coordinates": [1e400, 1]})).replace("Infinity", "1e400") + "]}")
gj("geojson-mixed-nan-feature", "the 3rd of 3 features has NaN", fc([feat({"type": "Point", "coordinates": [107.5, 16.4]}),
                                                                     feat({"type": "Point", "coordinates": [107.6, 16.4]}),
                                                                     feat({"type": "Point", "coordinates": [float("nan"), 16.4]})]))
gj("geojson-geometrycollection-inf", "a GeometryCollection holding an infinite point",
   fc([feat({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [107.5, 16.4]},
                                                         {"type": "Point", "coordinates": [float("inf"), 16.4]}]})]))
gj("geojson-geometrycollection-deep", "GeometryCollections nested 5,000 deep",
   '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":' + rep('{"type":"GeometryCollection","geometries":[', 5000) + rep("]}", 5000) + "}]}")

# ---------------------------------------------------------------- shapefile oddities (zipped)

def sz(name, what, data, **kw):
    upload(name, "shapefile", what, data, "diem.zip", **kw)


for nm, pts in [("nan-x", [(float("nan"), 16.4)]), ("nan-y", [(107.5, float("nan"))]), ("inf-x", [(float("inf"), 16.4)]),
                ("neg-inf-y", [(107.5, float("-inf"))]), ("nan-second", [(107.5, 16.4), (float("nan"), float("nan"))]),
                ("x-1e300", [(1e300, 16.4)]), ("max-double", [(1.7976931348623157e308, -1.7976931348623157e308)])]:
    sz(f"shp-{nm}", f"a point shapefile with coordinates {pts}", shapefile_zip(*point_shapefile(pts)))
sz("shp-nan-no-prj", "NaN coordinates and no .prj (the CRS must be inferred)", shapefile_zip(*point_shapefile([(float("nan"), 1.0)]), prj=None))
sz("shp-lat-95-wgs84", "a latitude of 95 in a WGS 84 shapefile", shapefile_zip(*point_shapefile([(107.5, 95.0)])))
sz("shp-lon-500-wgs84", "a longitude of 500 in a WGS 84 shapefile", shapefile_zip(*point_shapefile([(500.0, 16.4)])))
sz("shp-missing-dbf", "no .dbf beside the .shp", shapefile_zip(*point_shapefile(GOOD_PTS), drop=("dbf",)))
sz("shp-missing-shx", "no .shx beside the .shp", shapefile_zip(*point_shapefile(GOOD_PTS), drop=("shx",)))
sz("shp-missing-shp", "only the .dbf and .shx", shapefile_zip(*point_shapefile(GOOD_PTS), drop=("shp",)))
sz("shp-only-prj", "only a .prj", zip_of([("diem.prj", WGS84_PRJ)]))
sh, sx, db = point_shapefile(GOOD_PTS)
sz("shp-zero-byte-shp", "a zero-byte .shp", shapefile_zip(b"", sx, db))
sz("shp-zero-byte-dbf", "a zero-byte .dbf", shapefile_zip(sh, sx, b""))
sz("shp-zero-byte-shx", "a zero-byte .shx", shapefile_zip(sh, b"", db))
sz("shp-header-only", "a .shp of its 100-byte header claiming records", shapefile_zip(sh[:100], sx, db))
sz("shp-truncated-record", "a .shp cut inside its second record", shapefile_zip(sh[:100 + 28 + 10], sx, db))
sz("shp-bad-file-code", "the .shp file code is not 9994", shapefile_zip(struct.pack(">i", 1234) + sh[4:], sx, db))
sz("shp-bad-shape-type", "shape type 99 in the header and records", shapefile_zip(*point_shapefile(GOOD_PTS, shape_type=99)))
sz("shp-record-type-mismatch", "the header says Point, the records say Polygon", shapefile_zip(*point_shapefile(GOOD_PTS, record_shape=5)))
sz("shp-record-length-huge", "each record declares 2^30 words", shapefile_zip(*point_shapefile(GOOD_PTS, record_words=1 << 30)))
sz("shp-record-length-negative", "each record declares -1 words", shapefile_zip(*point_shapefile(GOOD_PTS, record_words=-1)))
sz("shp-record-length-zero", "each record declares 0 words", shapefile_zip(*point_shapefile(GOOD_PTS, record_words=0)))
sz("shp-file-length-huge", "the .shp header declares a 4 GB file", shapefile_zip(*point_shapefile(GOOD_PTS, shp_words=0x7FFFFFFF)))
sz("shp-dbf-count-huge", "the .dbf declares 2^31-1 records and holds 2", shapefile_zip(*point_shapefile(GOOD_PTS, dbf_count=0x7FFFFFFF)))
sz("shp-dbf-count-4g", "the .dbf declares 4,294,967,295 records", shapefile_zip(*point_shapefile(GOOD_PTS, dbf_count=0xFFFFFFFF)))
sz("shp-dbf-header-len-huge", "the .dbf header length is 65,535 bytes", shapefile_zip(sh, sx, dbf_bytes([["1"], ["2"]], header_len=0xFFFF)))
sz("shp-dbf-record-len-zero", "the .dbf record length is 0", shapefile_zip(sh, sx, dbf_bytes([["1"], ["2"]], record_len=0)))
sz("shp-dbf-record-len-huge", "the .dbf record length is 65,535", shapefile_zip(sh, sx, dbf_bytes([["1"], ["2"]], record_len=0xFFFF)))
sz("shp-dbf-field-len-zero", "a .dbf field of length 0 (odd: refused or read, never a crash)", shapefile_zip(sh, sx, dbf_bytes([["1"], ["2"]], fields=(("ID", "N", 0, 0),))), expect="201|4xx")
sz("shp-dbf-field-type-bogus", "a .dbf field of type '?' (odd: refused or read, never a crash)", shapefile_zip(sh, sx, dbf_bytes([["1"], ["2"]], fields=(("ID", "?", 10, 0),))), expect="201|4xx")
sz("shp-dbf-garbage", "a .dbf of random bytes", shapefile_zip(sh, sx, bytes(range(7, 256)) * 3))
# Polygon records with absurd part and point counts.
def poly_record(num_parts, num_points, parts, pts):
    content = struct.pack("<i4d2i", 5, 107, 16, 108, 17, num_parts, num_points) + struct.pack(f"<{len(parts)}i", *parts)
    content += b"".join(struct.pack("<2d", *p) for p in pts)
    return content


def poly_shapefile(content):
    rec = struct.pack(">2i", 1, len(content) // 2) + content
    shp = shp_header(5, (100 + len(rec)) // 2, (107, 16, 108, 17)) + rec
    shx = shp_header(5, (100 + 8) // 2, (107, 16, 108, 17)) + struct.pack(">2i", 50, len(content) // 2)
    return shapefile_zip(shp, shx, dbf_bytes([["1"]]))


ring = [(107, 16), (108, 16), (108, 17), (107, 16)]
sz("shp-poly-points-huge", "a polygon declaring 2^31-1 points", poly_shapefile(poly_record(1, 0x7FFFFFFF, [0], ring)))
sz("shp-poly-parts-huge", "a polygon declaring 2^31-1 parts", poly_shapefile(poly_record(0x7FFFFFFF, 4, [0], ring)))
sz("shp-poly-part-index-beyond", "a part starting at point 1,000,000 of 4", poly_shapefile(poly_record(1, 4, [1000000], ring)))
sz("shp-poly-negative-counts", "a polygon with -5 parts and -5 points", poly_shapefile(poly_record(-5, -5, [0], ring)))
sz("shp-poly-nan-ring", "a polygon ring of NaN", poly_shapefile(poly_record(1, 4, [0], [(float("nan"), float("nan"))] * 4)))
sz("shp-poly-inf-ring", "a polygon ring through infinity", poly_shapefile(poly_record(1, 4, [0], [(107, 16), (float("inf"), 16), (108, 17), (107, 16)])))

# ---------------------------------------------------------------- CQL2 text

def cql(name, what, text, expect="400", lang=None, extra=""):
    path = f"{ITEMS}?filter={q(text)}" + (f"&filter-lang={lang}" if lang else "") + extra
    add(name, "cql2-text", what, path=path, expect=expect)


cql("cql2-text-parens-25000", "25,000 nested parentheses", rep("(", 25000) + "population > 1" + rep(")", 25000))
cql("cql2-text-parens-20000", "20,000 nested parentheses", rep("(", 20000) + "population > 1" + rep(")", 20000))
cql("cql2-text-parens-100", "100 nested parentheses (over the nesting limit)", rep("(", 100) + "population > 1" + rep(")", 100))
cql("cql2-text-not-15000", "15,000 NOTs", rep("NOT ", 15000) + "population > 1")
cql("cql2-text-not-1000", "1,000 NOTs", rep("NOT ", 1000) + "population > 1")
cql("cql2-text-not-paren-8000", "8,000 NOT( … )", rep("NOT(", 8000) + "population > 1" + rep(")", 8000))
cql("cql2-text-and-chain-paren", "((a AND (a AND (… 5,000 deep", rep("(population > 1 AND ", 5000) + "population > 1" + rep(")", 5000))
cql("cql2-text-function-deep", "a function call nested 10,000 deep", rep("S_INTERSECTS(", 10000) + "geom" + rep(")", 10000))
cql("cql2-text-unbalanced-open", "an unclosed parenthesis", "((population > 1)")
cql("cql2-text-unbalanced-close", "an extra closing parenthesis", "population > 1)")
cql("cql2-text-only-parens", "only parentheses", "(((((())))))")
cql("cql2-text-empty", "an empty filter", "")
cql("cql2-text-unterminated-string", "an unterminated string", "commune_vn = 'Phường")
cql("cql2-text-unterminated-ident", "an unterminated quoted identifier", '"commune_vn = 1')
cql("cql2-text-bad-op-double-gt", "the operator >>", "population >> 1")
cql("cql2-text-bad-op-triple-eq", "the operator ===", "population === 1")
cql("cql2-text-bad-op-bang", "the operator !", "population ! 1")
cql("cql2-text-missing-rhs", "a comparison without its right side", "population >")
cql("cql2-text-missing-lhs", "a comparison without its left side", "> 1")
cql("cql2-text-unknown-property", "an unknown property", "khong_co = 1")
cql("cql2-text-unknown-function", "an unknown function", "FOO(population) > 1")
cql("cql2-text-number-1e400", "a number beyond a double", "population > 1e400")
cql("cql2-text-number-neg-1e400", "a negative number beyond a double", "population < -1e400")
cql("cql2-text-number-400-digits", "a 400-digit number", "population > " + rep("9", 400), expect="200|400")
cql("cql2-text-number-hex", "a hexadecimal number", "population > 0x10")
cql("cql2-text-number-two-dots", "a number with two dots", "population > 1.2.3")
cql("cql2-text-nan-word", "NaN as a number", "population > NaN")
cql("cql2-text-point-nan", "a POINT of NaN", "S_INTERSECTS(geom, POINT(NaN 16))")
cql("cql2-text-point-1e400", "a POINT at 1e400", "S_INTERSECTS(geom, POINT(1e400 16))")
cql("cql2-text-point-one-number", "a POINT with one number", "S_INTERSECTS(geom, POINT(107))")
cql("cql2-text-polygon-unclosed", "a polygon ring not closed", "S_INTERSECTS(geom, POLYGON((107 16, 108 16, 108 17)))")
cql("cql2-text-polygon-one-point", "a polygon ring of one point", "S_INTERSECTS(geom, POLYGON((107 16)))")
cql("cql2-text-wkt-garbage", "a geometry keyword with garbage", "S_INTERSECTS(geom, POLYGON(garbage))")
cql("cql2-text-bbox-3", "BBOX with 3 numbers", "S_INTERSECTS(geom, BBOX(107, 16, 108))")
cql("cql2-text-bbox-5", "BBOX with 5 numbers", "S_INTERSECTS(geom, BBOX(107, 16, 108, 17, 1))")
cql("cql2-text-bbox-nan", "BBOX with NaN", "S_INTERSECTS(geom, BBOX(NaN, 16, 108, 17))")
cql("cql2-text-like-no-pattern", "LIKE without a pattern", "commune_vn LIKE")
cql("cql2-text-in-empty", "IN with an empty list", "population IN ()")
cql("cql2-text-in-unclosed", "IN with an unclosed list", "population IN (1, 2")
cql("cql2-text-between-no-and", "BETWEEN without AND", "population BETWEEN 1 10")
cql("cql2-text-date-garbage", "DATE of garbage", "population > DATE('garbage')")
cql("cql2-text-date-feb-30", "DATE of 30 February", "population > DATE('2024-02-30')")
cql("cql2-text-timestamp-garbage", "TIMESTAMP out of range", "population > TIMESTAMP('2024-13-45T25:61:61Z')")
cql("cql2-text-semicolon-injection", "a statement after a semicolon", "population > 1; drop table datasets")
cql("cql2-text-comment-injection", "an SQL comment", "population > 1 -- and more")
cql("cql2-text-quote-injection", "a quote 'breaking out' of a string: valid CQL2 comparing two literals, never SQL", "commune_vn = 'a' or '1'='1", expect="200|400")
cql("cql2-text-union-injection", "union select in a property name", '"population) union select 1 --" > 1')
cql("cql2-text-nul-byte", "a NUL byte in the filter", "population > 1\0")
cql("cql2-text-long-identifier", "a 50,000-character property name", rep("p", 50000) + " > 1")
cql("cql2-text-only-not", "NOT alone", "NOT")
cql("cql2-text-only-and", "AND alone", "AND")
cql("cql2-text-dangling-and", "a dangling AND", "population > 1 AND")
cql("cql2-text-keyword-as-value", "a keyword where a value goes", "population > AND")
cql("cql2-text-bad-lang", "filter-lang of garbage", "population > 1", lang="cql3-yaml")
cql("cql2-text-bad-filter-crs", "filter-crs of garbage", "S_INTERSECTS(geom, POINT(107 16))", extra="&filter-crs=" + q("garbage:crs"))
cql("cql2-text-filter-crs-unknown-epsg", "filter-crs of an EPSG code that does not exist", "S_INTERSECTS(geom, POINT(107 16))",
    extra="&filter-crs=" + q("http://www.opengis.net/def/crs/EPSG/0/99999999"))
add("cql2-text-filter-lang-alone", "cql2-text", "filter-lang without filter", path=f"{ITEMS}?filter-lang=cql2-text", expect="400")

# ---------------------------------------------------------------- CQL2 JSON

def cj(name, what, text, expect="400"):
    add(name, "cql2-json", what, path=f"{ITEMS}?filter-lang=cql2-json&filter={q(text)}", expect=expect)


leaf = '{"op":">","args":[{"property":"population"},1]}'
for depth in (3000, 1000, 250, 120, 100):
    cj(f"cql2-json-not-{depth}", f"not nested {depth} deep", rep('{"op":"not","args":[', depth) + leaf + rep("]}", depth))
cj("cql2-json-and-deep-1000", "and nested 1,000 deep", rep('{"op":"and","args":[', 1000) + leaf + "," + leaf + rep("]}", 1000))
cj("cql2-json-args-arrays-deep", "args nested 10,000 arrays deep", '{"op":"and","args":' + rep("[", 10000) + rep("]", 10000) + "}")
cj("cql2-json-object-deep", "an object nested 10,000 deep", rep('{"a":', 10000) + "1" + rep("}", 10000))
cj("cql2-json-truncated", "cut in the middle", leaf[:20])
cj("cql2-json-trailing-comma", "a trailing comma", '{"op":">","args":[{"property":"population"},1,]}')
cj("cql2-json-single-quotes", "single-quoted JSON", "{'op':'>','args':[{'property':'population'},1]}")
cj("cql2-json-unknown-op", "an unknown operator", '{"op":"~~","args":[{"property":"population"},1]}')
cj("cql2-json-op-number", "op is a number", '{"op":5,"args":[{"property":"population"},1]}')
cj("cql2-json-args-object", "args is an object", '{"op":">","args":{"a":1}}')
cj("cql2-json-args-missing", "no args", '{"op":">"}')
cj("cql2-json-args-three", "three args to >", '{"op":">","args":[{"property":"population"},1,2]}')
cj("cql2-json-args-none", "zero args to and", '{"op":"and","args":[]}')
cj("cql2-json-unknown-property", "an unknown property", '{"op":">","args":[{"property":"khong_co"},1]}')
cj("cql2-json-property-number", "a property name that is a number", '{"op":">","args":[{"property":5},1]}')
cj("cql2-json-1e400", "a number beyond a double", '{"op":">","args":[{"property":"population"},1e400]}')
cj("cql2-json-neg-1e400", "a negative number beyond a double", '{"op":"<","args":[{"property":"population"},-1e400]}')
cj("cql2-json-nan", "NaN as a bare word", '{"op":">","args":[{"property":"population"},NaN]}')
cj("cql2-json-huge-int", "a 400-digit integer", '{"op":">","args":[{"property":"population"},' + rep("9", 400) + "]}", expect="200|400")
cj("cql2-json-bbox-3", "a bbox of 3 numbers", '{"op":"s_intersects","args":[{"property":"geom"},{"bbox":[107,16,108]}]}')
cj("cql2-json-bbox-strings", "a bbox of strings", '{"op":"s_intersects","args":[{"property":"geom"},{"bbox":["a","b","c","d"]}]}')
cj("cql2-json-geometry-type-bogus", "a geometry of an unknown type", '{"op":"s_intersects","args":[{"property":"geom"},{"type":"Blob","coordinates":[1,2]}]}')
cj("cql2-json-geometry-1e400", "a point at 1e400", '{"op":"s_intersects","args":[{"property":"geom"},{"type":"Point","coordinates":[1e400,16]}]}')
cj("cql2-json-geometry-deep", "a geometry's coordinates nested 10,000 deep", '{"op":"s_intersects","args":[{"property":"geom"},{"type":"Polygon","coordinates":' + rep("[", 10000) + rep("]", 10000) + "}]}")
cj("cql2-json-like-number", "LIKE with a number pattern", '{"op":"like","args":[{"property":"commune_vn"},5]}')
cj("cql2-json-in-scalar", "IN with a scalar, not a list", '{"op":"in","args":[{"property":"population"},5]}')
cj("cql2-json-between-two", "BETWEEN with two args", '{"op":"between","args":[{"property":"population"},1]}')
cj("cql2-json-timestamp-garbage", "a timestamp of garbage", '{"op":">","args":[{"property":"population"},{"timestamp":"garbage"}]}')
cj("cql2-json-date-feb-30", "a date of 30 February", '{"op":">","args":[{"property":"population"},{"date":"2024-02-30"}]}')
cj("cql2-json-empty-object", "an empty object", "{}")
cj("cql2-json-array", "an array", "[1,2,3]")
cj("cql2-json-null", "null", "null")
cj("cql2-json-string", "a bare string", '"population > 1"')
add("cql2-json-invalid-utf8", "cql2-json", "an invalid UTF-8 byte %FF inside a string (percent-encoded in the URL)",
    path=f"{ITEMS}?filter-lang=cql2-json&filter=" + q('{"op":"=","args":[{"property":"commune_vn"},"X"]}').replace("X", "%FF%FE"), expect="400")
cj("cql2-json-injection", "a property name carrying SQL", '{"op":"=","args":[{"property":"population\\" or 1=1 --"},1]}')

# ---------------------------------------------------------------- query parameters on the public routes

def qp(name, what, path, expect="400"):
    add(name, "query", what, path=path, expect=expect)


for nm, v in [("1e300", "1e300"), ("zero", "0"), ("negative", "-1"), ("text", "abc"), ("20-digits", "99999999999999999999"),
              ("float", "2.5"), ("empty", ""), ("int64-max", "9223372036854775807"), ("over-max", "1000000")]:
    qp(f"items-limit-{nm}", f"limit={v}", f"{ITEMS}?limit={q(v)}")
for nm, v in [("negative", "-1"), ("1e300", "1e300"), ("text", "abc"), ("20-digits", "99999999999999999999"),
              ("int64-max", "9223372036854775807"), ("int64-max-less-1", "9223372036854775806")]:
    # An offset past any data may be refused or answered with an empty page; it must not trap.
    qp(f"items-offset-{nm}", f"offset={v} (the next link's offset overflows an Int)" if "int64" in nm else f"offset={v}",
       f"{ITEMS}?offset={q(v)}", expect="200|400" if "int64" in nm else "400")
for nm, v in [("three", "107,16,108"), ("five", "107,16,108,17,1"), ("seven", "1,2,3,4,5,6,7"), ("nan", "NaN,16,108,17"),
              ("inf", "107,16,inf,17"), ("text", "a,b,c,d"), ("empty-parts", ",,,"), ("empty", ""), ("1e400", "1e400,16,108,17"),
              ("reversed", "108,17,107,16"), ("one", "107"), ("semicolons", "107;16;108;17"), ("huge-list", rep("1,", 9999) + "1")]:
    qp(f"items-bbox-{nm}", f"bbox={v[:40]}", f"{ITEMS}?bbox={q(v)}")
for nm, v in [("garbage", "garbage"), ("unknown-epsg", "http://www.opengis.net/def/crs/EPSG/0/99999999"), ("long", rep("x", 5000)),
              ("proj-string", "+proj=longlat +datum=WGS84"), ("file-url", "file:///etc/passwd")]:
    qp(f"items-bbox-crs-{nm}", f"bbox-crs={v[:40]}", f"{ITEMS}?bbox=107,16,108,17&bbox-crs={q(v)}")
qp("items-bbox-crs-alone", "bbox-crs without bbox", f"{ITEMS}?bbox-crs={q('http://www.opengis.net/def/crs/OGC/1.3/CRS84')}")
qp("items-bbox-crs-3405-huge", "a VN-2000 bbox far outside the zone", f"{ITEMS}?bbox=-1e300,-1e300,1e300,1e300&bbox-crs={q('http://www.opengis.net/def/crs/EPSG/0/3405')}")
for nm, v in [("garbage", "garbage"), ("month-13", "2020-13-01"), ("feb-30", "2020-02-30"), ("half-garbage", "2020-01-01/garbage"),
              ("double-open", "../.."), ("hour-25", "2020-01-01T25:61:00Z"), ("long", rep("2020-", 2000)), ("reversed", "2021-01-01/2020-01-01"),
              ("three-parts", "2020-01-01/2020-02-01/2020-03-01"), ("year-99999", "99999-01-01")]:
    qp(f"items-datetime-{nm}", f"datetime={v[:40]}", f"{ITEMS}?datetime={q(v)}")
for nm, v in [("garbage", "garbage"), ("unknown-epsg", "http://www.opengis.net/def/crs/EPSG/0/99999999"), ("empty", "")]:
    qp(f"items-crs-{nm}", f"crs={v[:40]}", f"{ITEMS}?crs={q(v)}")
qp("items-unknown-param", "an unknown query parameter", f"{ITEMS}?khong_co=1")
qp("items-bad-percent", "a broken percent escape", f"{ITEMS}?limit=%zz")
qp("items-nul", "a NUL byte in a property value (no feature has it: an empty page or a refusal)", f"{ITEMS}?commune_vn=%00", expect="200|400")
qp("items-unknown-collection", "an unknown collection", "/ogc/collections/khong-co/items", expect="404")
qp("items-traversal-collection", "a collection name with ../", "/ogc/collections/..%2F..%2Fetc/items", expect="404|400")
qp("item-id-text", "a feature id that is text", f"{ITEMS}/abc", expect="404|400")
qp("item-id-negative", "a negative feature id", f"{ITEMS}/-1", expect="404|400")
qp("item-id-20-digits", "a 20-digit feature id", f"{ITEMS}/99999999999999999999", expect="404|400")
qp("item-id-1e300", "a feature id of 1e300", f"{ITEMS}/1e300", expect="404|400")
qp("item-crs-garbage", "crs=garbage on one item", f"{ITEMS}/1?crs=garbage")
qp("queryables-unknown", "queryables of an unknown collection", "/ogc/collections/khong-co/queryables", expect="404")
qp("collection-unknown", "an unknown collection", "/ogc/collections/khong-co", expect="404")
qp("catalog-unknown", "an unknown dataset in the catalogue", "/api/catalog/khong-co", expect="404")
qp("catalog-traversal", "a dataset name with ../", "/api/catalog/..%2F..%2Fetc%2Fpasswd", expect="404|400")
qp("ckan-unknown-action", "an unknown CKAN action", "/api/3/action/drop_everything", expect="400|404")
qp("ckan-package-show-no-id", "package_show without an id", "/api/3/action/package_show", expect="400|409")
qp("ckan-package-show-unknown", "package_show of an unknown id", "/api/3/action/package_show?id=khong-co", expect="404")
qp("ckan-search-rows-1e300", "package_search rows=1e300", "/api/3/action/package_search?rows=1e300", expect="400|409")
qp("ckan-search-rows-negative", "package_search rows=-1", "/api/3/action/package_search?rows=-1", expect="400|409")
qp("ckan-search-start-negative", "package_search start=-1", "/api/3/action/package_search?start=-1", expect="400|409")
qp("ckan-search-start-20-digits", "package_search start of 20 digits", "/api/3/action/package_search?start=99999999999999999999", expect="400|409")
qp("ckan-search-start-int64-max", "package_search start=Int64.max", "/api/3/action/package_search?start=9223372036854775807", expect="200|400|409")
qp("ckan-search-q-unbalanced", "package_search q with an unbalanced parenthesis", "/api/3/action/package_search?q=" + q("title:(a OR"), expect="400|409")
qp("ckan-search-q-deep", "package_search q nested 20,000 parentheses", "/api/3/action/package_search?q=" + q(rep("(", 20000) + "a" + rep(")", 20000)), expect="400|409")
qp("ckan-search-fq-range-garbage", "a range of garbage", "/api/3/action/package_search?fq=" + q("metadata_modified:[garbage TO *]"), expect="400|409")
qp("ckan-org-show-unknown", "organization_show of an unknown id", "/api/action/organization_show?id=khong-co", expect="404")
qp("ckan-package-list-limit-1e300", "package_list limit=1e300", "/api/3/action/package_list?limit=1e300", expect="400|409")
qp("ckan-package-list-offset-negative", "package_list offset=-5", "/api/3/action/package_list?offset=-5", expect="400|409")
add("ckan-post-invalid-json", "query", "a POST body that is not JSON", method="POST", path="/api/3/action/package_search",
    headers={"Content-Type": "application/json"}, body="{not json", expect="400")
add("ckan-post-json-array", "query", "a POST body that is a JSON array", method="POST", path="/api/3/action/package_search",
    headers={"Content-Type": "application/json"}, body="[1,2]", expect="400")
add("ckan-post-deep-json", "query", "a POST body nested 100,000 arrays deep", method="POST", path="/api/3/action/package_search",
    headers={"Content-Type": "application/json"}, body=rep("[", 100000) + rep("]", 100000), expect="400")
add("ckan-post-too-big", "query", "a 2 MB POST body (the limit is 1 MB)", method="POST", path="/api/3/action/package_search",
    headers={"Content-Type": "application/json"}, body='{"q":"' + rep("a", 2 << 20) + '"}', expect="413|400")
add("ckan-post-form-bad-percent", "query", "a form body with broken escapes and a bad rows", method="POST", path="/api/3/action/package_search",
    headers={"Content-Type": "application/x-www-form-urlencoded"}, body="rows=%zz&start=%%%", expect="400|409")
for nm, path, exp in [("unknown-dataset", "/downloads/khong-co/latest.geojson", "404"), ("version-zero", f"/downloads/{DS}/v0.geojson", "404"),
                      ("version-negative", f"/downloads/{DS}/v-1.geojson", "404"), ("version-20-digits", f"/downloads/{DS}/v99999999999999999999.geojson", "404"),
                      ("version-int64-max", f"/downloads/{DS}/v9223372036854775807.csv", "404"), ("unknown-format", f"/downloads/{DS}/latest.exe", "404|400"),
                      ("no-extension", f"/downloads/{DS}/latest", "404|400"), ("traversal", f"/downloads/{DS}/..%2F..%2Fbando.sqlite", "404|400"),
                      ("old-url-traversal", "/downloads/..%2Fetc.geojson", "404"), ("old-url-crlf", "/downloads/a%0d%0aSet-Cookie:%20x=1.geojson", "404"),
                      ("sha256-unknown", f"/downloads/{DS}/v77.geojson.sha256", "404"), ("stats-unknown", "/api/datasets/khong-co/downloads", "404"),
                      ("stats-traversal", "/api/datasets/..%2F..%2Fetc/downloads", "404|400")]:
    qp(f"downloads-{nm}", f"download path {path}", path, expect=exp)
add("downloads-range-beyond", "query", "a Range starting past the end", path=f"/downloads/{DS}/v1.geojson", headers={"Range": "bytes=999999999-"}, expect="416")
add("downloads-range-huge-numbers", "query", "a Range of 30-digit numbers", path=f"/downloads/{DS}/v1.csv",
    headers={"Range": "bytes=" + "9" * 30 + "-" + "9" * 31}, expect="416|200")
for nm, path, exp in [("style-traversal", "/styles/..%2F..%2Fetc%2Fpasswd.json", "404"), ("style-unknown", "/styles/khong-co.json", "404"),
                      ("style-not-json", "/styles/default.exe", "404"), ("font-traversal", "/fonts/..%2F..%2Fetc/0-255.pbf", "404"),
                      ("font-bad-range", "/fonts/DejaVu%20Sans%20Book/abc.pbf", "404"), ("font-huge-range", "/fonts/DejaVu%20Sans%20Book/99999999999999999999-1.pbf", "200|404"),
                      ("vendor-unknown", "/vendor/maplibre/..%2F..%2Fetc%2Fpasswd", "404"), ("tilejson-unknown", "/tiles/khong-co.json", "404"),
                      ("tilejson-traversal", "/tiles/..%2F..%2Fetc.json", "404|400"), ("tms-unknown", "/tileMatrixSets/Bogus", "404"),
                      ("collection-tiles-unknown", "/collections/khong-co/tiles", "404"), ("unknown-route", "/khong-co/route", "404")]:
    qp(f"map-{nm}", f"path {path}", path, expect=exp)
add("portal-feedback-list-unknown", "query", "public feedback for an unknown dataset", path="/api/portal/feedback?dataset=" + q("khong-co"), expect="404|400|200")

# ---------------------------------------------------------------- analysis

A = "/api/analysis"
def an_get(name, what, route, query, expect="400"):
    add(name, "analysis", what, path=f"{A}/{route}?{query}", expect=expect)


def an_post(name, what, route, body, expect="400"):
    add(name, "analysis", what, method="POST", path=f"{A}/{route}", headers={"Content-Type": "application/json"}, body=body, expect=expect)


for nm, k in [("1e19", "1e19"), ("1e300", "1e300"), ("neg-1e19", "-1e19"), ("2-pow-63", "9223372036854775808"), ("1e400", "1e400")]:
    an_post(f"nearest-body-k-{nm}", f'"k": {k} in the JSON body (a Double to Int trap)', "nearest",
            '{"dataset":"%s","lon":107.58,"lat":16.46,"k":%s}' % (PTS, k))
an_post("nearest-body-k-negative", '"k": -1', "nearest", '{"dataset":"%s","lon":107.58,"lat":16.46,"k":-1}' % PTS)
an_post("nearest-body-k-zero", '"k": 0', "nearest", '{"dataset":"%s","lon":107.58,"lat":16.46,"k":0}' % PTS)
an_post("nearest-body-k-fraction", '"k": 1.5', "nearest", '{"dataset":"%s","lon":107.58,"lat":16.46,"k":1.5}' % PTS)
an_post("nearest-body-k-string", '"k": "many"', "nearest", '{"dataset":"%s","lon":107.58,"lat":16.46,"k":"many"}' % PTS)
an_post("nearest-body-k-nan", '"k": NaN (not JSON)', "nearest", '{"dataset":"%s","lon":107.58,"lat":16.46,"k":NaN}' % PTS)
an_get("nearest-query-k-1e19", "k=1e19 in the query", "nearest", f"dataset={PTS}&lon=107.58&lat=16.46&k=1e19")
an_get("nearest-query-k-int64-max", "k=Int64.max in the query", "nearest", f"dataset={PTS}&lon=107.58&lat=16.46&k=9223372036854775807")
an_get("nearest-query-k-negative", "k=-5 in the query", "nearest", f"dataset={PTS}&lon=107.58&lat=16.46&k=-5")
an_get("nearest-query-lon-nan", "lon=NaN", "nearest", f"dataset={PTS}&lon=NaN&lat=16.46")
an_get("nearest-query-lat-inf", "lat=inf", "nearest", f"dataset={PTS}&lon=107.58&lat=inf")
an_get("nearest-query-no-point", "no lon/lat", "nearest", f"dataset={PTS}")
an_get("nearest-unknown-dataset", "an unknown dataset", "nearest", "dataset=khong-co&lon=107.58&lat=16.46")
an_post("nearest-body-lon-1e400", "lon = 1e400", "nearest", '{"dataset":"%s","lon":1e400,"lat":16.46}' % PTS)
an_post("nearest-body-dataset-array", "dataset is an array", "nearest", '{"dataset":["%s"],"lon":107.58,"lat":16.46}' % PTS)
an_post("point-in-area-points-strings", "points of strings", "point-in-area", '{"dataset":"%s","points":[["a","b"]]}' % DS)
an_post("point-in-area-points-object", "points is an object", "point-in-area", '{"dataset":"%s","points":{"a":1}}' % DS)
an_post("point-in-area-points-empty", "points is empty", "point-in-area", '{"dataset":"%s","points":[]}' % DS)
an_post("point-in-area-points-10001", "10,001 points (the limit is 10,000)", "point-in-area",
        '{"dataset":"%s","points":[%s]}' % (DS, rep("[107.58,16.46],", 10000) + "[107.58,16.46]"), expect="400|413")
an_post("point-in-area-points-1e400", "a point at 1e400", "point-in-area", '{"dataset":"%s","points":[[1e400,16.46]]}' % DS)
an_post("point-in-area-body-deep", "a body nested 200,000 arrays deep", "point-in-area", rep("[", 200000) + rep("]", 200000))
an_post("point-in-area-body-deep-objects", "a body nested 100,000 objects deep", "point-in-area", rep('{"a":', 100000) + "1" + rep("}", 100000))
an_post("point-in-area-body-not-json", "a body that is not JSON", "point-in-area", "dataset=xa-hue")
an_post("point-in-area-body-too-big", "a 5 MB body (the limit is 4 MB)", "point-in-area", '{"dataset":"%s","pad":"%s"}' % (DS, rep("a", 5 << 20)), expect="413|400")
an_get("point-in-area-lat-100", "lat=100", "point-in-area", f"dataset={DS}&lon=107.58&lat=100")
an_get("point-in-area-format-xml", "format=xml", "point-in-area", f"dataset={DS}&lon=107.58&lat=16.46&format=xml")
an_get("within-distance-negative", "distance=-1", "within-distance", f"dataset={PTS}&lon=107.58&lat=16.46&distance=-1")
an_get("within-distance-nan", "distance=NaN", "within-distance", f"dataset={PTS}&lon=107.58&lat=16.46&distance=NaN")
an_get("within-distance-limit-1e300", "limit=1e300", "within-distance", f"dataset={PTS}&lon=107.58&lat=16.46&distance=100&limit=1e300")
an_get("within-distance-limit-text", "limit=abc", "within-distance", f"dataset={PTS}&lon=107.58&lat=16.46&distance=100&limit=abc")
an_post("within-distance-geometry-nan", "a geometry with 1e400", "within-distance",
        '{"dataset":"%s","distance":100,"geometry":{"type":"Point","coordinates":[1e400,16]}}' % PTS)
an_post("within-distance-geometry-deep", "a geometry nested 10,000 deep", "within-distance",
        '{"dataset":"%s","distance":100,"geometry":{"type":"Polygon","coordinates":%s}}' % (PTS, rep("[", 10000) + rep("]", 10000)))
an_get("aggregate-no-areas", "aggregate without areas", "aggregate", f"dataset={PTS}")
an_get("aggregate-unknown-field", "aggregate of an unknown field", "aggregate", f"dataset={PTS}&areas={DS}&field=khong_co")
an_get("aggregate-field-injection", "a field name carrying SQL", "aggregate", f"dataset={PTS}&areas={DS}&field=" + q('population") from x --'))

# ---------------------------------------------------------------- tile coordinates

def tile(name, what, path, expect):
    add(name, "tiles", what, path=path, expect=expect)


T = f"/tiles/{DS}"
O = f"/collections/{DS}/tiles/WebMercatorQuad"
for nm, (z, x, y), exp in [("z-99", ("99", "0", "0"), "404|400"), ("z-31", ("31", "0", "0"), "404|400"), ("z-negative", ("-1", "0", "0"), "400|404"),
                           ("x-negative", ("5", "-1", "0"), "400|404"), ("y-negative", ("5", "0", "-1"), "400|404"),
                           ("x-beyond", ("5", "32", "0"), "404|400"), ("y-beyond", ("5", "0", "32"), "404|400"),
                           ("x-beyond-z0", ("0", "1", "0"), "404|400"), ("z-text", ("abc", "0", "0"), "400|404"),
                           ("x-text", ("5", "x", "0"), "400|404"), ("z-fraction", ("1.5", "0", "0"), "400|404"),
                           ("z-huge", ("99999999999999999999", "0", "0"), "400|404"), ("x-huge", ("30", "99999999999999999999", "0"), "400|404"),
                           ("x-int64-max", ("30", "9223372036854775807", "0"), "404|400"), ("z-int64-max", ("9223372036854775807", "0", "0"), "404|400"),
                           ("x-exponent", ("5", "1e3", "0"), "400|404"), ("z-plus", ("+5", "0", "0"), "200|204|400|404"), ("z-space", ("%205", "0", "0"), "400|404"),
                           ("y-hex", ("5", "0", "0x1"), "400|404"), ("z-empty", ("", "0", "0"), "400|404"), ("z-nul", ("%00", "0", "0"), "400|404")]:
    tile(f"tile-{nm}", f"tile {z}/{x}/{y}", f"{T}/{z}/{x}/{y}.mvt", exp)
tile("tile-unknown-tileset", "an unknown tileset", "/tiles/khong-co/5/0/0.mvt", "404")
tile("tile-tileset-traversal", "a tileset name with ../", "/tiles/..%2F..%2Fetc/5/0/0.mvt", "404|400")
tile("tile-png", "a .png tile", f"{T}/5/0/0.png", "404")
tile("tile-extra-segment", "a tile path with an extra segment", f"{T}/5/0/0/0.mvt", "404")
for nm, (z, r, c), exp in [("z-99", ("99", "0", "0"), "404|400"), ("row-beyond", ("3", "8", "0"), "404|400"), ("col-negative", ("3", "0", "-1"), "400|404"),
                           ("z-text", ("z", "0", "0"), "400|404"), ("huge", ("999999999999999999999", "0", "0"), "400|404")]:
    tile(f"ogc-tile-{nm}", f"OGC tile {z}/{r}/{c}", f"{O}/{z}/{r}/{c}", exp)
tile("ogc-tile-bogus-tms", "an unknown tile matrix set", f"/collections/{DS}/tiles/Bogus/3/0/0", "404")
tile("ogc-tileset-bogus-tms", "the tileset of an unknown tile matrix set", f"/collections/{DS}/tiles/Bogus", "404")

# ---------------------------------------------------------------- raw HTTP

def raw(name, what, text, expect="4xx|close", message=False, **kw):
    # Bytes as latin-1 text: one character per byte, so runs still apply.
    add(name, "raw-http", what, raw=text if isinstance(text, str) else text.decode("latin-1"), expect=expect, message=message, **kw)


H = "Host: {host}\r\n"
raw("raw-garbage-line", "a request line of garbage", "GARBAGE\r\n\r\n")
raw("raw-method-only", "only a method", "GET\r\n\r\n")
raw("raw-no-version", "no HTTP version", "GET /healthz\r\n" + H + "\r\n")
raw("raw-http-9-9", "HTTP/9.9", "GET /healthz HTTP/9.9\r\n" + H + "\r\n", expect="4xx|505|close")
raw("raw-http-0-9", "an HTTP/0.9 request", "GET /\r\n", slow=True)
raw("raw-extra-token", "an extra token on the request line", "GET /healthz HTTP/1.1 extra\r\n" + H + "\r\n")
raw("raw-lowercase-method", "a lower-case method", "get /healthz HTTP/1.1\r\n" + H + "\r\n", expect="4xx|close")
raw("raw-unknown-method", "an unknown method", "FROBNICATE /healthz HTTP/1.1\r\n" + H + "\r\n")
raw("raw-nul-in-line", "a NUL in the request line", "GET /hea\0lthz HTTP/1.1\r\n" + H + "\r\n")
raw("raw-space-in-target", "spaces inside the target", "GET /ogc/collections with spaces HTTP/1.1\r\n" + H + "\r\n")
raw("raw-only-crlf", "only blank lines, then a bad line", "\r\n\r\n\r\n\r\nX\r\n\r\n")
raw("raw-header-no-colon", "a header line without a colon", "GET /healthz HTTP/1.1\r\n" + H + "NoColonHere\r\n\r\n")
raw("raw-header-space-name", "a space inside a header name", "GET /healthz HTTP/1.1\r\n" + H + "Bad Name: x\r\n\r\n")
raw("raw-header-space-before-colon", "a space before the colon", "GET /healthz HTTP/1.1\r\n" + H + "X-Test : x\r\n\r\n")
raw("raw-obs-fold", "an obsolete line folding (header injection attempt; RFC 9112 allows a 400 or unfolding)",
    "GET /healthz HTTP/1.1\r\n" + H + "X-A: a\r\n X-Injected: 1\r\n\r\n", expect="4xx|200|close")
raw("raw-bare-lf-injection", "a bare CR inside a header value", "GET /healthz HTTP/1.1\r\n" + H + "X-A: a\rX-Injected: 1\r\n\r\n")
raw("raw-nul-in-header", "a NUL inside a header value", "GET /healthz HTTP/1.1\r\n" + H + "X-A: a\0b\r\n\r\n")
raw("raw-huge-header", "one 100 KB header", "GET /healthz HTTP/1.1\r\n" + H + "X-Big: " + rep("a", 100000) + "\r\n\r\n")
raw("raw-many-headers", "20,000 headers (160 KB)", "GET /healthz HTTP/1.1\r\n" + H + rep("X-H: v\r\n", 20000) + "\r\n")
raw("raw-huge-url", "a 200 KB URL", "GET /ogc/collections?" + rep("a", 200000) + " HTTP/1.1\r\n" + H + "\r\n")
raw("raw-te-xchunked", "Transfer-Encoding: xchunked", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", expect="400|501")
raw("raw-te-chunked-gzip", "Transfer-Encoding: chunked, gzip (chunked not last)", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", expect="400|501")
raw("raw-te-and-cl", "Transfer-Encoding and Content-Length together (smuggling)", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect="400")
raw("raw-chunk-size-huge", "an oversized chunk size", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n", expect="400|413")
raw("raw-chunk-size-16-f", "a chunk size of 2^64-1", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc\r\n0\r\n\r\n", expect="400|408|413", slow=True)
raw("raw-chunk-size-text", "a chunk size that is not hexadecimal", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", expect="400")
raw("raw-chunk-no-crlf", "a chunk not followed by CRLF", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXYZ0\r\n\r\n", expect="400")
raw("raw-chunk-negative", "a negative chunk size", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n-5\r\nabc\r\n0\r\n\r\n", expect="400")
raw("raw-cl-text", "Content-Length: abc", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Length: abc\r\n\r\n", expect="400")
raw("raw-cl-negative", "Content-Length: -1", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n", expect="400")
raw("raw-cl-20-digits", "Content-Length of 20 digits", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Length: 99999999999999999999\r\n\r\n", expect="400|413")
raw("raw-cl-two-values", "two different Content-Length headers", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Length: 2\r\nContent-Length: 5\r\n\r\nab", expect="400")
raw("raw-cl-list", "Content-Length: 2, 5", "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Length: 2, 5\r\n\r\nab", expect="400")
raw("raw-cl-on-tile-fast-path", "Content-Length: abc on a tile GET (the raw fast path)", "GET /tiles/xa-hue/9/409/232.mvt HTTP/1.1\r\n" + H + "Content-Length: abc\r\n\r\n", expect="400")
raw("raw-tile-then-garbage", "a tile request followed by garbage on the same connection", "GET /tiles/xa-hue/9/409/232.mvt HTTP/1.1\r\n" + H + "\r\nGARBAGE\r\n\r\n", expect="4xx|close", second=True)
raw("raw-tls-hello", "a TLS ClientHello on the plain port", bytes.fromhex("16030100a5010000a10303") + bytes(range(32)) + b"\x00\x00\x02\x00\x2f\x01\x00")
raw("raw-http2-preface", "the HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
raw("raw-asterisk-get", "GET * (asterisk form)", "GET * HTTP/1.1\r\n" + H + "\r\n", expect="4xx")
raw("raw-absolute-other-host", "an absolute-form target for another host", "GET http://169.254.169.254/latest/meta-data HTTP/1.1\r\n" + H + "\r\n", expect="4xx")
raw("raw-percent-garbage", "an invalid percent escape in the path", "GET /ogc/collections/%zz%G0 HTTP/1.1\r\n" + H + "\r\n", expect="4xx", message=True)
raw("raw-binary-noise", "1 KB of binary noise", bytes((i * 37 + 11) % 256 for i in range(1024)))
raw("raw-half-header", "a request whose headers never end: the server must time out and close", "GET /healthz HTTP/1.1\r\n" + H + "X-Slow: ", expect="408|close", slow=True)
raw("raw-half-body", "a body of 100 bytes announced, 10 sent: the server must time out and close",
    "POST /api/3/action/package_search HTTP/1.1\r\n" + H + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"q\":\"abc", expect="408|400|close", slow=True)

# ---------------------------------------------------------------- portal JSON bodies

def pj(name, what, method, path, body, auth=None, expect="400", **kw):
    add(name, "portal-json", what, method=method, path=path, body=body, auth=auth, expect=expect,
        headers={"Content-Type": "application/json"}, **kw)


pj("login-not-json", "a sign-in body that is not JSON", "POST", "/api/portal/login", "username=a&password=b")
pj("login-deep", "a sign-in body nested 100,000 deep", "POST", "/api/portal/login", rep("[", 100000) + rep("]", 100000))
pj("login-wrong-types", "user name and password as numbers", "POST", "/api/portal/login", '{"username":1,"password":2}')
pj("login-too-big", "a 2 MB sign-in body", "POST", "/api/portal/login", '{"username":"%s","password":"x"}' % (rep("a", 2 << 20)), expect="413|400")
pj("login-empty", "an empty sign-in body", "POST", "/api/portal/login", "")
pj("feedback-category-bogus", "an unknown feedback category", "POST", "/api/portal/feedback", '{"category":"bogus","message":"x"}')
pj("feedback-message-empty", "an empty feedback message", "POST", "/api/portal/feedback", '{"category":"quality","message":""}')
pj("feedback-unknown-dataset", "feedback on an unknown dataset", "POST", "/api/portal/feedback", '{"dataset":"khong-co","category":"quality","message":"x"}', expect="400|404")
pj("feedback-message-2mb", "a 2 MB feedback message", "POST", "/api/portal/feedback", '{"category":"quality","message":"%s"}' % (rep("a", 2 << 20)), expect="413|400")
pj("feedback-email-garbage", "a contact address that is not one", "POST", "/api/portal/feedback", '{"category":"quality","message":"x","contactEmail":"' + rep("<", 300) + '"}')
pj("tokens-no-name", "a token without a name", "POST", "/api/portal/tokens", "{}", auth="editorA")
pj("tokens-revoke-text-id", "revoking token id 'abc'", "DELETE", "/api/portal/tokens/abc", "", auth="editorA", expect="400|404")
pj("tokens-revoke-huge-id", "revoking token id of 30 digits", "DELETE", "/api/portal/tokens/" + "9" * 30, "", auth="editorA", expect="400|404")
pj("versions-submit-text-number", "submitting version 'abc'", "POST", f"/api/portal/datasets/{DS}/versions/abc/submit", "", auth="editorA", expect="400|404")
pj("versions-submit-huge-number", "submitting version 1e300", "POST", f"/api/portal/datasets/{DS}/versions/1e300/submit", "", auth="editorA", expect="400|404")
pj("versions-submit-int64-max", "submitting version Int64.max", "POST", f"/api/portal/datasets/{DS}/versions/9223372036854775807/submit", "", auth="editorA", expect="404|400")
pj("proposals-accept-negative", "accepting proposal -1", "POST", "/api/portal/proposals/-1/accept", "", auth="admin", expect="404|400")
pj("feedback-answer-text-id", "answering feedback 'abc'", "POST", "/api/portal/feedback/abc/answer", '{"answer":"x"}', auth="editorA", expect="400|404")
pj("reports-quarter-garbage", "quarter=garbage", "GET", "/api/portal/reports/quarterly?quarter=garbage", None, auth="admin")
pj("reports-quarter-9", "quarter=2024-Q9", "GET", "/api/portal/reports/quarterly?quarter=2024-Q9", None, auth="admin")
pj("reports-quarter-year-huge", "a quarter in year 99999999999999999999", "GET", "/api/portal/reports/quarterly?quarter=99999999999999999999-Q1", None, auth="admin")
pj("users-role-bogus", "creating a user with role 'god'", "POST", "/api/portal/users", '{"username":"ke-la","password":"x","role":"god"}', auth="admin")
pj("users-name-garbage", "creating a user named '../../x'", "POST", "/api/portal/users", '{"username":"../../x","password":"matkhau","role":"editor","agency":"so-a"}', auth="admin")
pj("agencies-slug-garbage", "an agency slug with spaces and quotes", "POST", "/api/portal/agencies", '{"slug":"a b\'c","name":"x"}', auth="admin")
pj("catalogue-frequency-bogus", "an unknown update frequency", "POST", "/api/portal/catalogue", '{"agency":"so-a","slug":"moi","title":"x","frequency":"hourly-ish"}', auth="admin")
pj("harvest-url-not-http", "a harvest URL with the file: scheme", "PUT", f"/api/portal/datasets/{DS}/harvest-source", '{"url":"file:///etc/passwd","kind":"geojson"}', auth="editorA")
pj("harvest-kind-bogus", "an unknown harvest kind", "PUT", f"/api/portal/datasets/{DS}/harvest-source", '{"url":"https://example.org/x.geojson","kind":"ftp"}', auth="editorA")
pj("harvest-interval-negative", "a harvest interval of -1 s", "PUT", f"/api/portal/datasets/{DS}/harvest-source", '{"url":"https://example.org/x.geojson","kind":"geojson","intervalSeconds":-1}', auth="editorA")
pj("harvest-interval-1e300", "a harvest interval of 1e300 s", "PUT", f"/api/portal/datasets/{DS}/harvest-source", '{"url":"https://example.org/x.geojson","kind":"geojson","intervalSeconds":1e300}', auth="editorA")
pj("metadata-put-not-json", "metadata that is not JSON", "PUT", f"/api/portal/datasets/{DS}/metadata", "<xml/>", auth="editorA")
pj("metadata-put-deep", "metadata nested 100,000 deep", "PUT", f"/api/portal/datasets/{DS}/metadata", rep('{"a":', 100000) + "1" + rep("}", 100000), auth="editorA")
pj("audit-bad-format", "an audit query with a 10 KB dataset name", "GET", "/api/portal/audit?dataset=" + rep("x", 10000), None, auth="admin", expect="200|400|404")

# ---------------------------------------------------------------- write out

for c in cases:
    c.setdefault("expect", "4xx")
    if "message" not in c:
        c["message"] = True
    if c.get("auth") is None:
        c.pop("auth", None)
    if c.get("body") is None:
        c.pop("body", None)
    for k in ("path", "body", "bodyBytes", "raw"):
        if k in c:
            c[k] = packed(c[k])
    if "headers" in c:
        c["headers"] = {k: packed(v) for k, v in c["headers"].items()}
with open(os.path.join(HERE, "manifest.jsonl"), "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=True, sort_keys=True) + "\n")
by = {}
for c in cases:
    by[c["surface"]] = by.get(c["surface"], 0) + 1
print(f"{len(cases)} cases:", ", ".join(f"{k} {v}" for k, v in sorted(by.items())), file=sys.stderr)
