#!/usr/bin/env bash
# Rebuilds the Huế fixtures from the real data in ../shared/data (see Fixtures/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../../shared/data}
cd "$here"
rm -f communes.geojson communes-utm48n.* districts.zip
where="province_vn = 'Thừa Thiên Huế'"
ogr2ogr -f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=7 -where "$where" communes.geojson "$data/communes.geojson"
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=UTF-8 -t_srs EPSG:32648 -nlt PROMOTE_TO_MULTI -where "$where" communes-utm48n.shp "$data/communes.geojson"
tmp=$(mktemp -d)
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=UTF-8 -nlt PROMOTE_TO_MULTI -where "$where" "$tmp/districts.shp" "$data/districts.geojson"
(cd "$tmp" && zip -q -X "$here/districts.zip" districts.*)
rm -rf "$tmp"
