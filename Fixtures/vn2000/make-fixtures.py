#!/usr/bin/env python3
"""Builds the VN-2000 / legacy-encoding fixtures: real communes (censusVN2009) written the way
provincial agencies hand them over: in TM-3 zones of three provinces and in UTM 48N, with an
ESRI .prj (no datum shift), a PROJ-string .prj, an EPSG WKT .prj, a loosely named .prj or no
.prj at all; attribute text in UTF-8, Windows-1258 (decomposed tone marks), TCVN3 or VNI,
with and without a .cpg.

Needs: python3 (standard library), ogr2ogr and projinfo (gdal-bin, proj-bin), glibc iconv.
Usage: Fixtures/vn2000/make-fixtures.py [/work/shared/data/communes.geojson]
The output is committed, so tests do not run this.
"""
import json, os, shutil, struct, subprocess, sys, tempfile, unicodedata

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/communes.geojson"
HERE = os.path.dirname(os.path.abspath(__file__))
# Field names fit the DBF limit of 10 characters.
FIELDS = {"commune_id": "commune_id", "province_vn": "province", "district_vn": "district",
          "commune_vn": "commune", "commune": "name_ascii", "population": "population"}

# The districts cut out (one per province keeps the files small).
DISTRICTS = {
    "hue": ("Thừa Thiên Huế", "Huyện Phú Vang"),
    "soctrang": ("Sóc Trăng", "Huyện Kế Sách"),
    "quangngai": ("Quảng Ngãi", "Huyện Tư Nghĩa"),
}

# name: (district, target CRS for ogr2ogr, .prj style, text encoding, .cpg content or None)
VARIANTS = {
    "hue_tm3_esri":        ("hue", "EPSG:9214", "esri", "utf8", "UTF-8"),
    "soctrang_tm3_proj":   ("soctrang", "EPSG:9209", "proj", "cp1258", "1258"),
    "quangngai_tm3_epsg":  ("quangngai", "EPSG:5898", "epsgwkt", "tcvn3", None),
    "hue_tm3_loose":       ("hue", "EPSG:9214", "loose", "vni", None),
    "hue_utm48_noprj":     ("hue", "EPSG:3405", None, "cp1258", None),
    "soctrang_tm3_noprj":  ("soctrang", "EPSG:9209", None, "tcvn3", "1252"),
    "quangngai_tm3_vni":   ("quangngai", "EPSG:5898", "esri", "vni", "ANSI"),
}

LOOSE_PRJ = {"EPSG:9214": 'PROJCS["VN2000 mui 3 KTT 107",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
             'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
             'PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
             'PARAMETER["Central_Meridian",107.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],'
             'UNIT["Meter",1.0]]'}

TONES = "\u0300\u0301\u0303\u0309\u0323"

def encode_cp1258(text):
    """Windows-1258 as Vietnamese Windows keyboards write it: tone marks as separate bytes."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        d = unicodedata.normalize("NFD", ch)
        marks = "".join(c for c in d if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES))
        out += base.encode("cp1258") + marks.encode("cp1258")
    return out

def encode_tcvn3(text):
    """TCVN 5712:1993 through glibc's converter."""
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input=text.encode(),
                          capture_output=True, check=True).stdout

# VNI-Windows chart: tone order sắc, huyền, hỏi, ngã, nặng.
VNI_TONE = [0xF9, 0xF8, 0xFB, 0xF5, 0xEF]
VNI_HAT_TONE = [0xE1, 0xE0, 0xE5, 0xE3, 0xE4]
VNI_BREVE_TONE = [0xE9, 0xE8, 0xFA, 0xFC, 0xEB]
VNI_I_TONE = [0xED, 0xEC, 0xE6, 0xF3, 0xF2]
VNI_SHAPE = {"a": b"a", "ă": b"a\xea", "â": b"a\xe2", "e": b"e", "ê": b"e\xe2", "i": b"i", "o": b"o",
             "ô": b"o\xe2", "ơ": b"\xf4", "u": b"u", "ư": b"\xf6", "y": b"y"}
TONE_INDEX = {"\u0301": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0323": 4}

def encode_vni(text):
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch == "đ": out.append(0xF1); continue
        if ch == "Đ": out.append(0xD1); continue
        if ord(ch) < 0x80: out.append(ord(ch)); continue
        upper = ch.isupper()
        d = unicodedata.normalize("NFD", ch.lower())
        tone = next((TONE_INDEX[c] for c in d if c in TONE_INDEX), None)
        shape = unicodedata.normalize("NFC", "".join(c for c in d if c not in TONE_INDEX))
        if tone is None: b = VNI_SHAPE[shape]
        elif shape == "i": b = bytes([VNI_I_TONE[tone]])
        elif shape == "y" and tone == 4: b = b"\xee"
        elif shape in "âêô": b = bytes([VNI_SHAPE[shape][0], VNI_HAT_TONE[tone]])
        elif shape == "ă": b = bytes([0x61, VNI_BREVE_TONE[tone]])
        else: b = VNI_SHAPE[shape] + bytes([VNI_TONE[tone]])
        if upper: b = bytes(x - 0x20 if (x >= 0xC0 or 0x61 <= x <= 0x7A) else x for x in b)
        out += b
    return bytes(out)

ENCODERS = {"utf8": lambda t: t.encode("utf-8"), "cp1258": encode_cp1258, "tcvn3": encode_tcvn3, "vni": encode_vni}

def reencode_dbf(path, encoder):
    """Rewrites every text field of a UTF-8 DBF in another encoding, in place (each encoding
    here takes no more bytes than UTF-8, so the field widths still fit); clears the language driver."""
    data = bytearray(open(path, "rb").read())
    nrec, hlen, rlen = struct.unpack("<IHH", data[4:12])
    fields, pos, off = [], 32, 1
    while data[pos] != 0x0D:
        ftype, width = chr(data[pos + 11]), data[pos + 16]
        fields.append((ftype, off, width))
        off += width
        pos += 32
    data[29] = 0x00
    for r in range(nrec):
        base = hlen + r * rlen
        for ftype, off, width in fields:
            if ftype != "C": continue
            raw = bytes(data[base + off: base + off + width]).rstrip(b" ")
            enc = encoder(raw.decode("utf-8"))
            assert len(enc) <= width, (raw, enc)
            data[base + off: base + off + width] = enc.ljust(width, b" ")
    open(path, "wb").write(bytes(data))

def main():
    src = json.load(open(SRC))
    os.makedirs(os.path.join(HERE, "originals"), exist_ok=True)
    for key, (province, district) in DISTRICTS.items():
        feats = [f for f in src["features"]
                 if f["properties"]["province_vn"] == province and f["properties"]["district_vn"] == district]
        feats = [{"type": "Feature", "properties": {new: f["properties"][old] for old, new in FIELDS.items()},
                  "geometry": f["geometry"]} for f in feats]
        for f in feats:
            f["properties"]["commune_id"] = int(f["properties"]["commune_id"])
            f["properties"]["population"] = int(f["properties"]["population"] or 0)
        with open(os.path.join(HERE, "originals", f"{key}.geojson"), "w") as fh:
            json.dump({"type": "FeatureCollection", "features": feats}, fh, ensure_ascii=False)
        print(f"{key}: {len(feats)} communes of {district}, {province}")

    with tempfile.TemporaryDirectory() as tmp:
        for name, (key, crs, prj, encoding, cpg) in VARIANTS.items():
            out = os.path.join(tmp, name + ".shp")
            # Project with the official Decision 05/2007 parameters (EPSG:6960) everywhere: left
            # to choose, PROJ would use EPSG:5194 in the Mekong delta, ~0.8 m away.
            proj_string = subprocess.run(["projinfo", crs, "-o", "PROJ", "-q"], capture_output=True, text=True,
                                         check=True).stdout.strip()
            subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", proj_string, "-lco", "ENCODING=UTF-8",
                            "-nln", name, out, os.path.join(HERE, "originals", f"{key}.geojson")], check=True)
            if encoding != "utf8":
                reencode_dbf(os.path.join(tmp, name + ".dbf"), ENCODERS[encoding])
            cpg_path, prj_path = os.path.join(tmp, name + ".cpg"), os.path.join(tmp, name + ".prj")
            if cpg is None: os.remove(cpg_path)
            else: open(cpg_path, "w").write(cpg)
            if prj is None:
                os.remove(prj_path)
            elif prj == "proj":
                text = subprocess.run(["projinfo", crs, "-o", "PROJ", "-q"], capture_output=True, text=True, check=True).stdout
                open(prj_path, "w").write(text.strip().replace(" +type=crs", "") + "\n")
            elif prj == "epsgwkt":
                text = subprocess.run(["projinfo", crs, "-o", "WKT1_GDAL", "-q", "--single-line"],
                                      capture_output=True, text=True, check=True).stdout
                open(prj_path, "w").write(text.strip())
            elif prj == "loose":
                open(prj_path, "w").write(LOOSE_PRJ[crs])
            elif prj == "esri":
                # ESRI WKT naming VN-2000 with no datum shift, as ArcGIS writes it.
                text = subprocess.run(["projinfo", crs, "-o", "WKT1_ESRI", "-q", "--single-line"],
                                      capture_output=True, text=True, check=True).stdout
                open(prj_path, "w").write(text.strip())
            for ext in ("shp", "shx", "dbf", "prj", "cpg"):
                p = os.path.join(tmp, f"{name}.{ext}")
                dest = os.path.join(HERE, f"{name}.{ext}")
                if os.path.exists(dest): os.remove(dest)
                if os.path.exists(p): shutil.copy(p, dest)
            print(f"{name}: {crs}, .prj {prj or 'none'}, text {encoding}, .cpg {cpg or 'none'}")

if __name__ == "__main__":
    main()
