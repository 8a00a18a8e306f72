#!/usr/bin/env bash
# Builds Bando's libFuzzer harnesses (Fuzz/<name>/main.swift) with `swiftc` straight over the
# few source files each parser needs, so no NIO or GRDB build with sanitizers is ever made, then
# runs each for FUZZ_SECONDS (default 60). `make fuzz` calls this; it is not part of `make test`.
#
#   Fuzz/fuzz.sh                 build and run every fuzzer
#   FUZZERS="wkb mvt" Fuzz/fuzz.sh
#   FUZZ_SECONDS=600 Fuzz/fuzz.sh
#   Fuzz/fuzz.sh build           build only
#
# Each fuzzer starts from its seeds (Fuzz/corpus/<name>/, small valid inputs) and from the crash
# reproducers already fixed (Tests/Fuzz/crashes/<name>/); what it learns stays in
# .build-fuzz/corpus/<name>/. It runs in fork mode and keeps going after a crash: every crash,
# timeout or out-of-memory input is saved under .build-fuzz/artifacts/<name>/. Move a new one to
# Tests/Fuzz/crashes/<name>/ once it is fixed: the normal test targets replay that folder.
# The exit status is 1 when any run left a new artifact.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=.build-fuzz
SWIFTC=${SWIFTC:-swiftc}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZERS=${FUZZERS:-"json geojson cql2text cql2json wkb mvt rawhttp multipart"}
MODE=${1:-run}

# Optimised with checks kept; for our files, the package's strict settings (Package.swift) in
# Swift 6 mode; a dependency's files get its own mode (after `--` in `module`).
BASE=(-O -g -parse-as-library -sanitize=fuzzer,address -use-ld=lld -I "$OUT/modules" -L "$OUT/modules")
STRICT=(-swift-version 6
        -enable-upcoming-feature ExistentialAny
        -enable-upcoming-feature InternalImportsByDefault
        -enable-upcoming-feature MemberImportVisibility)
FLAGS=("${BASE[@]}" "${STRICT[@]}")

mkdir -p "$OUT/modules" "$OUT/bin"

# Whether $1 is missing or older than any of the remaining files.
stale() {
    local target=$1; shift
    [ -e "$target" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$target" ] && return 0; done
    return 1
}

# module NAME FILES... [-- EXTRA FLAGS]: a static library and its .swiftmodule, instrumented.
module() {
    local name=$1; shift
    local files=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; extra=("$@"); }
    stale "$OUT/modules/lib$name.a" "${files[@]}" Fuzz/fuzz.sh || return 0
    echo "fuzz: module $name"
    local flags=("${FLAGS[@]}")
    [[ " ${extra[*]} " == *" -swift-version "* ]] && flags=("${BASE[@]}")
    "$SWIFTC" "${flags[@]}" -wmo -module-name "$name" -emit-library -static -o "$OUT/modules/lib$name.a" \
        -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" "${files[@]}" "${extra[@]}"
}

# harness NAME FILES... [-- EXTRA FLAGS]: the fuzzer binary from Fuzz/NAME/main.swift and FILES.
harness() {
    local name=$1; shift
    local files=() extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; extra=("$@"); }
    local deps=("Fuzz/$name/main.swift" "${files[@]}" Fuzz/fuzz.sh "$OUT"/modules/*.a)
    stale "$OUT/bin/$name" "${deps[@]}" || return 0
    echo "fuzz: harness $name"
    # Static libraries bring no autolink entries: Foundation is named here.
    "$SWIFTC" "${FLAGS[@]}" -wmo -module-name "fuzz_$name" -o "$OUT/bin/$name" "Fuzz/$name/main.swift" "${files[@]}" "${extra[@]}" -lFoundation
    rm -f fuzz_"$name"-*.swiftdoc fuzz_"$name"-*.swiftmodule fuzz_"$name"-*.swiftsourceinfo   # left by -g -wmo
}

wants() { [[ " $FUZZERS " == *" $1 "* ]]; }

# The message catalogue's JSON files as SwiftPM embeds them (`PackageResources`), for the
# PublicErrors module built here without SwiftPM.
resources() {
    local gen=$OUT/gen/PackageResources.swift
    stale "$gen" Sources/PublicErrors/messages.*.json Fuzz/fuzz.sh || return 0
    mkdir -p "$OUT/gen"
    python3 - "$gen" Sources/PublicErrors/messages.vi.json Sources/PublicErrors/messages.en.json <<'PY'
import os, sys
out, files = sys.argv[1], sys.argv[2:]
with open(out, "w") as f:
    f.write("struct PackageResources {\n")
    for path in files:
        name = os.path.basename(path).replace(".", "_")
        data = open(path, "rb").read()
        f.write(f"    static let {name}: [UInt8] = [{','.join(str(b) for b in data)}]\n")
    f.write("}\n")
PY
}

build() {
    module GeoModel Sources/GeoModel/*.swift
    if wants cql2text || wants cql2json || wants multipart; then
        resources
        module PublicErrors Sources/PublicErrors/*.swift "$OUT/gen/PackageResources.swift"
    fi
    if wants geojson; then
        # GDALKit as it is (it is small); GDAL itself stays uninstrumented.
        module GDALKit Sources/GDALKit/*.swift -- -I "$PWD/Sources/CGDAL" $(pkg-config --cflags gdal | sed "s/-I/-Xcc -I/g") -lGeoModel
    fi
    if wants multipart; then
        # Upload.swift imports ZIPFoundation (for the zip checks): built from the resolved checkout.
        local zf=.build/checkouts/ZIPFoundation
        [ -d "$zf" ] || swift package resolve
        module ZIPFoundation "$zf"/Sources/ZIPFoundation/*.swift -- -swift-version 5 -I "$PWD/$zf/Sources/CZLib" -Xcc -D_GNU_SOURCE=1 -lz
    fi

    # The query (parsers, tree, errors) as its module; the SQLite compiler's files in the harness.
    if wants cql2text || wants cql2json; then
        module FeatureQuery Sources/FeatureQuery/*.swift -- -lGeoModel -lPublicErrors
    fi
    local cql2=(Sources/GeoStore/SQLite/Items/CQL2+SQLite.swift Sources/GeoStore/SQLite/Items/CQL2+SQLiteShape.swift
                Sources/GeoStore/SQLite/Items/SQLiteFragment.swift Sources/GeoStore/QuoteIdentifier.swift)
    wants json      && harness json Sources/Ingest/JSONScanner.swift
    wants geojson   && harness geojson Sources/Ingest/JSONScanner.swift Sources/Ingest/GeoJSONReader.swift Fuzz/geojson/FeatureStream.swift \
                           -- -lGeoModel -lGDALKit -I "$PWD/Sources/CGDAL" $(pkg-config --cflags gdal | sed "s/-I/-Xcc -I/g") -lgdal
    wants cql2text  && harness cql2text "${cql2[@]}" -- -lGeoModel -lPublicErrors -lFeatureQuery
    wants cql2json  && harness cql2json "${cql2[@]}" -- -lGeoModel -lPublicErrors -lFeatureQuery
    wants wkb       && harness wkb -- -lGeoModel
    wants mvt       && harness mvt Sources/Tiles/MVT/MVTDecoder.swift Sources/Tiles/MVT/MVTEncoder.swift Sources/Tiles/MVT/Protobuf.swift -- -lGeoModel
    wants rawhttp   && harness rawhttp Sources/App/RawTileRequest.swift Sources/App/TileRoutes+Headers.swift
    wants multipart && harness multipart Sources/Portal/Upload.swift Sources/Portal/Portal.swift -- -lZIPFoundation -lPublicErrors -I "$PWD/.build/checkouts/ZIPFoundation/Sources/CZLib" -lz
    return 0
}

# Longest input per fuzzer: big enough for the structures each parser reads, small enough that
# a run explores rather than grows. CQL2 text gets room for deep nesting (the URL limit is 80 KB).
max_len() {
    case $1 in
        cql2text|cql2json) echo 16384 ;;
        geojson|json|multipart) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

run() {
    local status=0 name
    for name in $FUZZERS; do
        local corpus=$OUT/corpus/$name artifacts=$OUT/artifacts/$name log=$OUT/logs/$name.log
        mkdir -p "$corpus" "$artifacts" "$OUT/logs"
        local before
        before=$(find "$artifacts" -type f | wc -l)
        local seeds=(Fuzz/corpus/$name)
        [ -d "Tests/Fuzz/crashes/$name" ] && seeds+=("Tests/Fuzz/crashes/$name")
        echo "fuzz: $name for ${FUZZ_SECONDS}s (log $log)"
        # Fork mode keeps going after a crash, saving it; one job at a time (two cores are shared).
        mkdir -p "$OUT/work-$name"
        (cd "$OUT/work-$name" && SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "../bin/$name" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
            -max_total_time="$FUZZ_SECONDS" -max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="../artifacts/$name/" -print_final_stats=1 \
            "../corpus/$name" "${seeds[@]/#/../../}") > "$log" 2>&1 || true
        local after
        after=$(find "$artifacts" -type f | wc -l)
        local stats
        stats=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
        echo "fuzz: $name: ${stats:-no stats (see $log)}; new artifacts: $((after - before))"
        [ "$after" -gt "$before" ] && status=1
    done
    return $status
}

build
[ "$MODE" = build ] || run
