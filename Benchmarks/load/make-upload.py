#!/usr/bin/env python3
"""A zipped point shapefile of N null-shape records (default 2,000,000) with one numeric field:
the upload of issue 16 that held the store's writer for a minute. Usage: make-upload.py OUT.zip [N]"""
import struct, sys, zipfile

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
def header(words):
    return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, words) + struct.pack("<2i", 1000, 1) + struct.pack("<8d", 0, 0, 0, 0, 0, 0, 0, 0)
rec = 4  # content: the shape type 0 (null), 2 words
shp = bytearray(header((100 + n * (8 + rec)) // 2))
shx = bytearray(header((100 + n * 8) // 2))
off = 50
for i in range(n):
    shp += struct.pack(">2ii", i + 1, rec // 2, 0)
    shx += struct.pack(">2i", off, rec // 2)
    off += (8 + rec) // 2
dbf = bytearray(struct.pack("<B3BIHH20x", 3, 124, 1, 1, n, 32 + 32 + 1, 11))
dbf += b"ID".ljust(11, b"\0") + b"N" + b"\0" * 4 + bytes([10, 0]) + b"\0" * 14 + b"\r"
dbf += b"".join(b" " + str(i + 1).rjust(10).encode() for i in range(n)) + b"\x1a"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    z.writestr("diem-rong.shp", bytes(shp)); z.writestr("diem-rong.shx", bytes(shx)); z.writestr("diem-rong.dbf", bytes(dbf))
    z.writestr("diem-rong.prj", 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
                                'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
