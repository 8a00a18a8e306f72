#!/usr/bin/env bash
# Rebuilds the built-in basemap's sources from the real administrative data in ../shared/data
# (censusVN2009, 63 provinces and 703 districts, the corrected districts file): outlines
# simplified to stay small, a country outline dissolved from the provinces, one label point
# per province and district, and the place index the map's search reads
# (Sources/Web/Resources/places.json). `bando serve` makes Public/basemap/basemap.pmtiles from
# these files with Bando's own tile code when it is missing or older than them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../../shared/data}
tolerance=${TOLERANCE:-0.002}   # degrees (about 200 m): invisible below zoom 10
cd "$here"
rm -f country.geojson provinces.geojson districts.geojson places.geojson
gj=(-f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=5)
ogr2ogr "${gj[@]}" -nln provinces -simplify "$tolerance" -makevalid -nlt PROMOTE_TO_MULTI \
  -sql "SELECT CAST(province_id AS INTEGER) AS code, province_vn AS name FROM provinces" \
  provinces.geojson "$data/provinces.geojson"
ogr2ogr "${gj[@]}" -nln districts -simplify "$tolerance" -makevalid -nlt PROMOTE_TO_MULTI \
  -sql "SELECT CAST(district_id AS INTEGER) AS code, district_vn AS name, province_vn AS province FROM districts" \
  districts.geojson "$data/districts.geojson"
ogr2ogr "${gj[@]}" -nln country -nlt PROMOTE_TO_MULTI -dialect sqlite \
  -sql "SELECT 'Việt Nam' AS name, ST_Union(geometry) AS geometry FROM provinces" \
  country.geojson provinces.geojson
# Label points: inside each shape; kind and bounds for the search, population to rank labels.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
label_sql() { # layer kind name-expression province-expression
  echo "SELECT '$2' AS kind, CAST($1.${2}_id AS INTEGER) AS code, $3 AS name, $4 AS province,
        CAST(population AS INTEGER) AS population,
        ROUND(MbrMinX(geometry), 4) AS west, ROUND(MbrMinY(geometry), 4) AS south,
        ROUND(MbrMaxX(geometry), 4) AS east, ROUND(MbrMaxY(geometry), 4) AS north,
        ST_PointOnSurface(geometry) AS geometry FROM $1"
}
ogr2ogr -f GeoJSON "$tmp/p.geojson" -dialect sqlite -nln places \
  -sql "$(label_sql provinces province province_vn province_vn)" "$data/provinces.geojson"
ogr2ogr -f GeoJSON "$tmp/d.geojson" -dialect sqlite -nln places \
  -sql "$(label_sql districts district district_vn province_vn)" "$data/districts.geojson"
ogr2ogr "${gj[@]}" -nln places places.geojson "$tmp/p.geojson"
ogr2ogr -append -nln places places.geojson "$tmp/d.geojson"
# The search's index: name, kind, province, label point and bounds, one line per place.
python3 - places.geojson "$here/../../Sources/Web/Resources/places.json" <<'PY'
import json, sys
src, dst = sys.argv[1], sys.argv[2]
places = []
for f in json.load(open(src, encoding="utf-8"))["features"]:
    p = f["properties"]
    lon, lat = f["geometry"]["coordinates"][:2]
    places.append({"kind": p["kind"], "name": p["name"], "province": p["province"],
                   "point": [round(lon, 4), round(lat, 4)], "bbox": [p["west"], p["south"], p["east"], p["north"]]})
places.sort(key=lambda x: (x["kind"] != "province", x["name"]))
with open(dst, "w", encoding="utf-8") as out:
    out.write("[\n" + ",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in places) + "\n]\n")
PY
ls -l *.geojson "$here/../../Sources/Web/Resources/places.json"
