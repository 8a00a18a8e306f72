#ifndef BANDO_CZLIB_SHIM_H
#define BANDO_CZLIB_SHIM_H
#include <zlib.h>
// libdeflate: whole-buffer gzip, two to three times faster than zlib at the same level.
#include <libdeflate.h>
// deflateInit2 and inflateInit2 are macros (they pass the library version and the stream
// size): wrap them so Swift can call them.
static inline int bando_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
static inline int bando_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
