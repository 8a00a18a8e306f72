#!/usr/bin/env bash
# Loads the demo datasets from Fixtures/ into a store: the real Huế communes and districts
# (censusVN2009, MIT) and a VN-2000 TM-3 shapefile with legacy text, as an agency would send them.
set -euo pipefail
bando=${1:-.build/release/bando}
store=${2:-data/bando.sqlite}
here=$(cd "$(dirname "$0")" && pwd)
attr="Administrative boundaries: censusVN2009 (Marc Choisy, MIT licence)"
"$bando" ingest "$here/hue/communes-utm48n.shp" --dataset xa-phuong-hue --store "$store" \
  --title "Xã, phường, thị trấn tỉnh Thừa Thiên Huế" --agency "Sở Tài nguyên và Môi trường" --attribution "$attr"
"$bando" ingest "$here/hue/districts.zip" --dataset huyen --store "$store" \
  --title "Huyện, thị xã, thành phố tỉnh Thừa Thiên Huế" --agency "Sở Tài nguyên và Môi trường" --attribution "$attr"
"$bando" ingest "$here/vn2000/quangngai_tm3_vni.shp" --dataset xa-quang-ngai-vn2000 --store "$store" \
  --title "Xã Quảng Ngãi (VN-2000 TM-3, mã VNI)" --agency "Sở Tài nguyên và Môi trường Quảng Ngãi" --attribution "$attr"
