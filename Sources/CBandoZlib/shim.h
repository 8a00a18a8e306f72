#ifndef BANDO_CZLIB_SHIM_H
#define BANDO_CZLIB_SHIM_H
#include <zlib.h>
// libdeflate: whole-buffer gzip, two to three times faster than zlib at the same level.
#include <libdeflate.h>
// ISA-L's igzip: small buffers with the fixed Huffman code (RFC 1951, 3.2.6), no tables to
// build or clear per call (see Gzip.compress).
#include <isa-l/igzip_lib.h>
#include <stdint.h>
// deflateInit2 and inflateInit2 are macros (they pass the library version and the stream
// size): wrap them so Swift can call them.
static inline int bando_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
static inline int bando_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
/// gzip of `len` bytes at igzip's level 0 with the fixed Huffman code; returns the bytes
/// written to `out`, or 0 if they did not fit in `capacity`.
static inline uint32_t bando_igzip_fixed(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t capacity) {
    struct isal_zstream s;
    isal_deflate_stateless_init(&s);
    s.level = 0;
    s.gzip_flag = IGZIP_GZIP;
    s.end_of_stream = 1;
    s.flush = NO_FLUSH;
    if (isal_deflate_set_hufftables(&s, NULL, IGZIP_HUFFTABLE_STATIC) != COMP_OK) return 0;
    s.next_in = (uint8_t *)in;
    s.avail_in = len;
    s.next_out = out;
    s.avail_out = capacity;
    if (isal_deflate_stateless(&s) != COMP_OK) return 0;
    return s.total_out;
}
#endif
