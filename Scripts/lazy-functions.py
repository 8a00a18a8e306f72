#!/usr/bin/env python3
"""Writes Sources/CLazy/gdal_functions.h and proj_functions.h: one BANDO_LAZY(return type, name,
(parameters), (arguments)) line per function of the library that its wrapper (GDALKit, ProjKit)
calls, read from Debian's headers. gdal.c and proj.c include the headers too, so a line that
does not match the library's own declaration fails the build. Run again after a wrapper starts
calling a new function:

    python3 Scripts/lazy-functions.py
"""
import pathlib, re

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIBRARIES = [  # (what, wrapper, headers, name pattern)
    ("gdal", "GDALKit", ["gdal/gdal.h", "gdal/ogr_api.h", "gdal/ogr_srs_api.h", "gdal/cpl_conv.h", "gdal/cpl_error.h",
                         "gdal/cpl_string.h", "gdal/cpl_vsi.h", "gdal/cpl_http.h", "gdal/ogr_core.h"],
     r"(?:GDAL|OGR_|OSR|CPL|VSI|CSL)[A-Za-z0-9_]*"),
    ("proj", "ProjKit", ["proj.h"], r"proj_[a-z0-9_]+"),
]


def write(what, wrapper, headers, pattern):
    swift = "\n".join(p.read_text() for p in sorted((ROOT / "Sources" / wrapper).glob("*.swift")))
    # Our own Swift names that look like the library's.
    ours = set(re.findall(r"\b(?:func|struct|enum|class)\s+([A-Za-z_][A-Za-z0-9_]*)", swift))
    called = sorted(set(re.findall(r"\b(" + pattern + r")\(", swift)) - ours)

    text = "\n".join((pathlib.Path("/usr/include") / h).read_text() for h in headers)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(l for l in text.split("\n") if not l.strip().startswith("#"))
    text = re.sub(r'"[^"\n]*"', " ", text)

    lines = []
    for name in called:
        m = re.search(r"([;}{]|\bCPL_C_START\b|\bCPL_C_END\b|\bPROJ_DLL\b)([^;{}]*?)\b" + name + r"\s*\(", text)
        if not m:
            raise SystemExit(f"{name}: no declaration in the headers {headers}")
        ret = " ".join(re.sub(r"\b(CPL_DLL|CPL_STDCALL|CPL_C_START|CPL_C_END|PROJ_DLL|extern)\b", " ", m.group(2)).split())
        i = j = m.end(); depth = 1
        while depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0); j += 1
        raw = " ".join(text[i:j - 1].split())
        params = [p.strip() for p in re.split(r",(?![^()]*\))", raw)] if raw not in ("", "void") else []
        args = []
        for k, p in enumerate(params):
            if p == "...":
                raise SystemExit(f"{name} is variadic: it cannot be forwarded")
            p = re.sub(r"\bCPL_[A-Z_]+(\([^)]*\))?", "", p).strip()
            if re.fullmatch(r"(const\s+)?(unsigned\s+|signed\s+)?[A-Za-z_][A-Za-z0-9_]*(\s*\*\s*(const)?)*", p):   # a type without a name
                p, arg = f"{p} a{k}", f"a{k}"
            else:
                found = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?$", p)
                if not found:
                    raise SystemExit(f"{name}: cannot read parameter {p!r}")
                arg = found.group(1)
            params[k] = p; args.append(arg)
        lines.append(f"BANDO_LAZY({ret}, {name}, ({', '.join(params) or 'void'}), ({', '.join(args)}))")

    out = ROOT / f"Sources/CLazy/{what}_functions.h"
    out.write_text(f"/* Written by Scripts/lazy-functions.py: the functions {wrapper} calls. */\n"
                   + "\n".join(lines) + "\n")
    print(f"{out.relative_to(ROOT)}: {len(lines)} functions")


for library in LIBRARIES:
    write(*library)
