#!/usr/bin/env python3
"""The scale workload of issue 23: many polygons (the communes repeated as shifted copies) and
many points (addresses inside Viet Nam), written as GeoJSON, the format `bando ingest` reads
fastest (Bando's own reader maps the file and streams it; everything else goes through GDAL).

    scale-data.py communes.geojson OUTDIR [copies] [points] [seed]
    (or COPIES=… POINTS=… SEED=… in the environment; defaults 180 copies, 1,000,000 points)

OUTDIR/polygons.geojson: copy k of every commune, shifted by whole steps of a 9° lon × 16° lat
grid (Viet Nam fits in 8° × 15°, so copies never overlap; every copy stays within lon ±180 and
lat ±75 and none crosses the antimeridian). Copy 0 is the original, unshifted, so the
whole-country tile list still falls on it. Every attribute is kept, plus an integer `copy`.

OUTDIR/points.geojson: points inside the communes of copy 0, as many per commune as its
population share (real addresses are dense in towns and thin in the mountains; every commune
has at least one), each drawn uniformly inside the commune's polygon (rejection in its box).
Attributes: `id`, `name` (a Vietnamese address), `number` (the house number), `commune_id`.

Both files are written feature by feature (memory holds the 11,163 communes, not the output)
and renamed into place only when complete, so a file present is a file finished.
"""
import json, os, random, sys, time

src = sys.argv[1]
outdir = sys.argv[2]
copies = int(sys.argv[3]) if len(sys.argv) > 3 else int(os.environ.get("COPIES", 180))
npoints = int(sys.argv[4]) if len(sys.argv) > 4 else int(os.environ.get("POINTS", 1_000_000))
seed = int(sys.argv[5]) if len(sys.argv) > 5 else int(os.environ.get("SEED", 20261201))
os.makedirs(outdir, exist_ok=True)
rng = random.Random(seed)
features = [f for f in json.load(open(src, encoding="utf-8"))["features"] if f.get("geometry")]

# The grid: 9° columns with the original's west edge (102.1° E) at -176.9 + 9 j, j = 0…38
# (the last one ends at 172.5° E), 16° rows from -71.6° (south edge) to +71.4° (north edge).
COLS = [9 * j for j in range(-31, 8)]            # lon shifts: 39 columns, none across ±180
ROWS = [0, -16, 16, -32, 32, -48, 48, -64, -80]  # lat shifts: 9 rows within ±75
shifts = [(0, 0)] + [(dx, dy) for dy in ROWS for dx in COLS if (dx, dy) != (0, 0)]
if copies > len(shifts):
    sys.exit(f"at most {len(shifts)} non-overlapping copies fit the grid; asked for {copies}")

def rings(geom):
    """Every ring of a Polygon or MultiPolygon (the even-odd rule over all of them is the
    polygon with its holes, parts being disjoint)."""
    return geom["coordinates"] if geom["type"] == "Polygon" else [r for p in geom["coordinates"] for r in p]

def shifted(geom, dx, dy):
    if dx == 0 and dy == 0:
        return geom
    if geom["type"] == "Polygon":
        c = [[[round(x + dx, 7), round(y + dy, 7)] for x, y in ring] for ring in geom["coordinates"]]
    else:
        c = [[[[round(x + dx, 7), round(y + dy, 7)] for x, y in ring] for ring in part] for part in geom["coordinates"]]
    return {"type": geom["type"], "coordinates": c}

def write_polygons(path):
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        first = True
        for k in range(copies):
            dx, dy = shifts[k]
            for f in features:
                props = dict(f["properties"]); props["copy"] = k
                out.write(("" if first else ",\n") + json.dumps(
                    {"type": "Feature", "properties": props, "geometry": shifted(f["geometry"], dx, dy)},
                    ensure_ascii=False, separators=(",", ":")))
                first = False
        out.write("\n]}\n")
    os.replace(tmp, path)

STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
           "Phan Đình Phùng", "Hùng Vương", "Nguyễn Trãi", "Lê Duẩn", "Điện Biên Phủ", "Võ Thị Sáu",
           "Ngô Quyền", "Bà Triệu", "Phạm Ngũ Lão", "Nguyễn Du", "Trường Chinh", "Cách Mạng Tháng Tám"]

def inside(x, y, rs):
    hit = False
    for ring in rs:
        n = len(ring)
        x1, y1 = ring[n - 1]
        for x2, y2 in ring:
            if (y2 > y) != (y1 > y) and x < (x1 - x2) * (y - y2) / (y1 - y2) + x2:
                hit = not hit
            x1, y1 = x2, y2
    return hit

def write_points(path):
    pops = [max(0.0, float(f["properties"].get("population") or 0)) for f in features]
    total = sum(pops) or 1.0
    spare = npoints - len(features)          # one each, the rest by population share
    if spare < 0:
        counts = [1 if i < npoints else 0 for i in range(len(features))]
    else:
        share = [p * spare / total for p in pops]
        counts = [1 + int(s) for s in share]
        left = npoints - sum(counts)
        for i in sorted(range(len(features)), key=lambda i: share[i] - int(share[i]), reverse=True)[:left]:
            counts[i] += 1
    tmp = path + ".part"
    pid = 0
    with open(tmp, "w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for f, count in zip(features, counts):
            if count == 0:
                continue
            rs = rings(f["geometry"])
            xs = [x for r in rs for x, _ in r]; ys = [y for r in rs for _, y in r]
            minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
            commune = f["properties"].get("commune_vn") or f["properties"].get("commune") or ""
            cid = int(f["properties"].get("commune_id") or 0)
            for _ in range(count):
                for _ in range(1000):
                    x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                    if inside(x, y, rs):
                        break
                else:
                    x, y = rs[0][0]
                pid += 1
                number = rng.randint(1, 400)
                name = f"Số {number} {STREETS[rng.randrange(len(STREETS))]}, {commune}"
                out.write(("" if pid == 1 else ",\n") + json.dumps(
                    {"type": "Feature",
                     "properties": {"id": pid, "name": name, "number": number, "commune_id": cid},
                     "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]}},
                    ensure_ascii=False, separators=(",", ":")))
        out.write("\n]}\n")
    os.replace(tmp, path)
    return pid

t = time.monotonic()
poly = os.path.join(outdir, "polygons.geojson")
if not os.path.exists(poly):
    write_polygons(poly)
print(f"polygons: {copies * len(features)} in {poly} ({time.monotonic() - t:.1f} s)", file=sys.stderr)
t = time.monotonic()
pts = os.path.join(outdir, "points.geojson")
if not os.path.exists(pts):
    write_points(pts)
print(f"points: {npoints} in {pts} ({time.monotonic() - t:.1f} s)", file=sys.stderr)
