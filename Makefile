# Bando's two commands: `make run` (install, build, load the demo data, serve on :8080)
# and `make test` (install, run every test). Everything the project needs is installed here.
SHELL := /bin/bash
STORE ?= data/bando.sqlite
HOST ?= 127.0.0.1
PORT ?= 8080
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libgdal-dev libproj-dev libsqlite3-dev libsqlite3-mod-spatialite gdal-bin proj-bin \
                zlib1g-dev libdeflate-dev libisal-dev python3-venv zip unzip curl \
                chromium chromium-driver fonts-dejavu-core sqlite3 \
                python3-gdal qgis python3-qgis systemd \
                postgresql-15 postgresql-15-postgis-3 nginx
VENV := .venv
# MapLibre GL JS 5.3, served by Bando itself for /map: taken from the PyPI package `maplibre`,
# whose wheel ships maplibre/srcjs/maplibre-gl.{js,css}.
MAPLIBRE_PY := 0.3.6
VENDOR := Public/vendor/maplibre

.PHONY: run test deps venv vendor build release demo clean bench fuzz

## Install the Debian packages that are missing (apt-get update first, once).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## The Python tools that check our output independently (decoders, clients).
venv: deps $(VENV)/.installed
$(VENV)/.installed: Tests/requirements.txt
	@[ -x $(VENV)/bin/python ] || /usr/bin/python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt
	@touch $@

## MapLibre GL JS for the map page, unpacked from its PyPI wheel, and label glyphs made from
## Debian's DejaVu fonts (the map works offline afterwards).
vendor: $(VENDOR)/maplibre-gl.js Public/fonts/.made
Public/fonts/.made: Styles/make-glyphs.py $(VENV)/.installed
	$(VENV)/bin/python Styles/make-glyphs.py Public/fonts
	@touch $@
$(VENDOR)/maplibre-gl.js:
	@[ -x $(VENV)/bin/python ] || /usr/bin/python3 -m venv $(VENV)
	@rm -rf .build/vendor-wheel && mkdir -p .build/vendor-wheel $(VENDOR)
	$(VENV)/bin/pip download -q --disable-pip-version-check --no-deps -d .build/vendor-wheel maplibre==$(MAPLIBRE_PY)
	unzip -q -o -j .build/vendor-wheel/maplibre-$(MAPLIBRE_PY)-*.whl maplibre/srcjs/maplibre-gl.js maplibre/srcjs/maplibre-gl.css -d $(VENDOR)
	@touch $@

build: deps
	swift build

release: deps
	swift build -c release

## Load the demo datasets from Fixtures/ into the store when it is empty.
demo: release
	@mkdir -p $(dir $(STORE))
	@if .build/release/bando datasets --store $(STORE) --quiet-empty; then \
	  echo "Store $(STORE) already has data: not loading the demo again."; \
	else \
	  ./Fixtures/load-demo.sh .build/release/bando $(STORE); \
	fi

run: demo venv vendor
	.build/release/bando serve --store $(STORE) --host $(HOST) --port $(PORT)

test: deps venv vendor
	swift build --build-tests
	@# One test at a time: several tests serve over real sockets, and in parallel the heavy ones
	@# (pyramids, subprocess checks) hold the two cooperative threads for a minute at a time.
	@# A PostgreSQL + PostGIS cluster of the tests' own (Tests/Postgres/cluster.sh) for the
	@# PostGIS backend's tests, stopped at the end whether they pass or not.
	@pg=$$(mktemp -d /tmp/bando-pg.XXXXXX) && rmdir "$$pg" && \
	trap 'Tests/Postgres/cluster.sh stop "$$pg"' EXIT && \
	BANDO_TEST_POSTGRES=$$(Tests/Postgres/cluster.sh start "$$pg") && export BANDO_TEST_POSTGRES && \
	echo "PostgreSQL for the tests: $$BANDO_TEST_POSTGRES" && \
	swift test --skip-build --no-parallel

## libFuzzer harnesses (Fuzz/): builds each with swiftc -sanitize=fuzzer,address into .build-fuzz/
## and runs it FUZZ_SECONDS (default 60); FUZZERS="wkb mvt" picks some. Not part of `make test`:
## the crashes it found are kept in Tests/Fuzz/crashes/ and replayed by the normal test targets.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./Fuzz/fuzz.sh

bench: release venv
	./Benchmarks/run-all.sh

clean:
	rm -rf .build $(VENV)
