#!/usr/bin/env python3
"""Writes the corpus cases too big to commit into a folder (argument 1), at test time:
zip bombs whose entries inflate to gigabytes, and a zip of 100,000 entries. A few seconds:
the inflated data is never made; the deflate stream of one block of a repeated byte is
repeated (each block ends on a full flush, so blocks are independent), and the CRC-32 of the
whole is combined from the block's by doubling, as zlib's crc32_combine does.

Standard library only.
"""
import os, struct, sys, zlib

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


# ---- CRC-32 of concatenations, without the bytes (GF(2) matrices, as in zlib's crc32_combine)

def _times(mat, vec):
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1; i += 1
    return s


def _square(mat):
    return [_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1, crc2, len2):
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << (n - 1) for n in range(1, 32)]
    even = _square(odd)
    odd = _square(even)
    while True:
        even = _square(odd)
        if len2 & 1:
            crc1 = _times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _square(even)
        if len2 & 1:
            crc1 = _times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def repeated(prefix, byte, total, suffix=b"", block=1 << 24):
    """(raw deflate stream, crc32, size) of prefix + byte * total + suffix; total a multiple of block."""
    assert total % block == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    chunk = byte * block
    one = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert one == c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(suffix) + c.flush()
    n = total // block
    stream = head + one * n + tail
    crc_block, crc, size = zlib.crc32(chunk), 0, 0
    # crc of n blocks by binary doubling.
    acc_crc, acc_len, k = crc_block, block, n
    run_crc, run_len = 0, 0
    while k:
        if k & 1:
            run_crc = crc32_combine(run_crc, acc_crc, acc_len) if run_len else acc_crc
            run_len += acc_len
        acc_crc = crc32_combine(acc_crc, acc_crc, acc_len)
        acc_len *= 2
        k >>= 1
    crc = crc32_combine(zlib.crc32(prefix), run_crc, run_len)
    crc = crc32_combine(crc, zlib.crc32(suffix), len(suffix))
    return stream, crc, len(prefix) + total + len(suffix)


def deflated(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def stored(data):
    return data, zlib.crc32(data), len(data)


def write_zip(path, entries):
    """entries: (name, method 0|8, (bytes, crc, uncompressed size)). Sizes stay under 4 GiB (no zip64)."""
    with open(path, "wb") as f:
        central, offset = [], 0
        for name, method, (data, crc, size) in entries:
            n = name.encode()
            local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(n), 0) + n
            f.write(local); f.write(data)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size,
                                       len(n), 0, 0, 0, 0, 0o100644 << 16, offset) + n)
            offset += len(local) + len(data)
        cd = b"".join(central)
        f.write(cd)
        count = min(len(entries), 0xFFFF)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cd), offset, 0))


def shp_header(shape_type, file_bytes):
    return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, file_bytes // 2) + struct.pack("<2i", 1000, shape_type)
            + struct.pack("<8d", 107, 16, 108, 17, 0, 0, 0, 0))


def small_point_shapefile():
    recs, idx, off = b"", b"", 50
    for i, (x, y) in enumerate([(107.58, 16.46), (107.59, 16.47)]):
        content = struct.pack("<i2d", 1, x, y)
        recs += struct.pack(">2i", i + 1, len(content) // 2) + content
        idx += struct.pack(">2i", off, len(content) // 2)
        off += 4 + len(content) // 2
    shp = shp_header(1, 100 + len(recs)) + recs
    shx = shp_header(1, 100 + len(idx)) + idx
    return shp, shx


def dbf(count, record_len, rows=b""):
    head = struct.pack("<B3BIHH20x", 3, 124, 1, 1, count, 32 + 32 + 1, record_len)
    head += b"ID".ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([record_len - 1, 0]) + b"\0" * 14 + b"\r"
    return head + rows


PRJ = stored(b'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
GiB = 1 << 30

# 1. Ratio: a .shp whose header promises 3 GiB, inflating to 3 GiB of zeros (about 3 MB zipped).
shp_size = 3 * GiB
write_zip(os.path.join(out, "zip-bomb-ratio.zip"), [
    ("diem.shp", 8, repeated(shp_header(1, 100 + shp_size), b"\0", shp_size)),
    ("diem.shx", 8, deflated(shp_header(1, 100))),
    ("diem.dbf", 8, deflated(dbf(0, 11))),
    ("diem.prj", 0, PRJ),
])

# 2. Entries: a valid two-point shapefile among 100,000 empty entries.
shp, shx = small_point_shapefile()
entries = [("diem.shp", 8, deflated(shp)), ("diem.shx", 8, deflated(shx)),
           ("diem.dbf", 8, deflated(dbf(2, 11, b" " + b"1".rjust(10) + b" " + b"2".rjust(10) + b"\x1a"))), ("diem.prj", 0, PRJ)]
entries += [(f"rac/{i:06d}.txt", 0, stored(b"")) for i in range(100_000)]
write_zip(os.path.join(out, "zip-bomb-entries.zip"), entries)

# 3. Nested: ten zips, each holding 1 GiB of zeros.
inner_path = os.path.join(out, "inner.zip")
write_zip(inner_path, [("diem.shp", 8, repeated(b"", b"\0", GiB))])
inner = open(inner_path, "rb").read()
os.remove(inner_path)
write_zip(os.path.join(out, "zip-bomb-nested.zip"), [(f"phan-{i}.zip", 0, stored(inner)) for i in range(10)])

# 4. A .dbf promising 100 million 21-byte records of blanks (2 GiB) beside a two-point .shp.
rows = 2 * GiB
write_zip(os.path.join(out, "zip-bomb-dbf.zip"), [
    ("diem.shp", 8, deflated(shp)), ("diem.shx", 8, deflated(shx)),
    ("diem.dbf", 8, repeated(dbf(rows // 16, 16), b" ", rows, b"\x1a")),
    ("diem.prj", 0, PRJ),
])
for n in sorted(os.listdir(out)):
    print(n, os.path.getsize(os.path.join(out, n)))
