"""Writes MapLibre glyphs (SDF protocol buffers, as node-fontnik does) for the map's labels from
Debian's DejaVu fonts, so Vietnamese labels draw with no internet: the ranges holding Latin,
Latin Extended-A/B, combining marks and Latin Extended Additional (ạ ả ấ ầ ẩ ẫ ậ … ỹ).

    python Styles/make-glyphs.py OUT_FOLDER        (make vendor runs it into Public/fonts/)
"""
import os, sys
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = {"DejaVu Sans Book": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "DejaVu Sans Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"}
RANGES = [0, 256, 512, 768, 7680, 8192]   # starts of 256-codepoint ranges
SIZE, BUFFER, RADIUS, CUTOFF = 24, 3, 8, 0.25

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def field(num, wire, payload):
    return varint((num << 3) | wire) + payload
def vfield(num, n): return field(num, 0, varint(n))
def zz(n): return (n << 1) ^ (n >> 31)
def bfield(num, data): return field(num, 2, varint(len(data)) + data)

def sdf(alpha):
    inside = alpha > 127
    h, w = inside.shape
    ys, xs = np.mgrid[0:h, 0:w]
    pts = np.stack([ys.ravel(), xs.ravel()], 1).astype(np.float32)
    ins, outs = pts[inside.ravel()], pts[~inside.ravel()]
    dist = np.zeros(h * w, np.float32)
    if len(ins) and len(outs):
        o = ~inside.ravel()
        dist[o] = np.sqrt(((pts[o][:, None, :] - ins[None]) ** 2).sum(-1)).min(1) - 0.5
        dist[~o] = -(np.sqrt(((pts[~o][:, None, :] - outs[None]) ** 2).sum(-1)).min(1) - 0.5)
    elif not len(ins):
        dist[:] = RADIUS
    return np.clip(255 - 255 * (dist / RADIUS + CUTOFF), 0, 255).astype(np.uint8).reshape(h, w)

def glyph(font, cp):
    c = chr(cp)
    if not font.getmask(c).size[0] and cp != 32 and font.getlength(c) == 0:
        return None
    advance = round(font.getlength(c))
    x0, y0, x1, y1 = font.getbbox(c, anchor="ls")
    w, h = max(0, x1 - x0), max(0, y1 - y0)
    body = vfield(1, cp)
    if w and h:
        img = Image.new("L", (w + 2 * BUFFER, h + 2 * BUFFER), 0)
        ImageDraw.Draw(img).text((BUFFER - x0, BUFFER - y0), c, font=font, fill=255, anchor="ls")
        body += bfield(2, sdf(np.asarray(img)).tobytes())
    body += vfield(3, w) + vfield(4, h) + vfield(5, zz(x0)) + vfield(6, zz(-y0)) + vfield(7, advance)
    return body

out = sys.argv[1]
for name, path in FONTS.items():
    font = ImageFont.truetype(path, SIZE)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    for start in RANGES:
        glyphs = b"".join(bfield(3, g) for g in (glyph(font, cp) for cp in range(start, start + 256)) if g)
        stack = bfield(1, name.encode()) + bfield(2, f"{start}-{start + 255}".encode()) + glyphs
        with open(os.path.join(folder, f"{start}-{start + 255}.pbf"), "wb") as f:
            f.write(bfield(1, stack))
print(f"glyphs written to {out}")
