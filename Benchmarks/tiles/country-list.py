#!/usr/bin/env python3
"""The whole-country tile list (issue 23): the same number of tiles at every zoom from 6 to 14,
each holding a point inside at least one commune, over all of Viet Nam.

Communes are drawn uniformly (not by population, unlike tiles-z10-z14.txt): the list should
cover the whole country, mountains and islands included, as a citizen panning the map does.
A random point inside the drawn commune (rejection sampling in its box) gives the tile, so a
tile is never an empty corner of the sea. Distinct tiles are drawn at each zoom while there
are enough of them; at z6–z7 Viet Nam covers fewer tiles than asked, so those repeat, as
they would in any real traffic.

    country-list.py communes.geojson [per-zoom] [seed] > whole-country-z6-z14.txt
"""
import json, math, random, sys
from shapely.geometry import shape, Point
from shapely.prepared import prep

path = sys.argv[1]
per_zoom = int(sys.argv[2]) if len(sys.argv) > 2 else 60
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261130
rng = random.Random(seed)
communes = [shape(f["geometry"]) for f in json.load(open(path))["features"] if f["geometry"]]
prepared = [prep(g) for g in communes]

def inside(i):
    g = communes[i]
    minx, miny, maxx, maxy = g.bounds
    for _ in range(1000):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared[i].contains(p):
            return p.x, p.y
    p = g.representative_point()
    return p.x, p.y

def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y

lines = []
for z in range(6, 15):
    chosen, seen = [], set()
    attempts = 0
    while len(chosen) < per_zoom:
        attempts += 1
        t = tile(*inside(rng.randrange(len(communes))), z)
        if t in seen and attempts < per_zoom * 50:
            continue
        seen.add(t)
        chosen.append(t)
    lines += [f"{z}/{x}/{y}" for z, x, y in chosen]
print("\n".join(lines))
