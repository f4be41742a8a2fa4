// Shared helpers for the libFuzzer harnesses over the C shim (Sources/CImageShim).
// The harnesses call the shim exactly as ImageCodec does: sniff the magic, open from memory with
// limits, read rows of width*4 RGBA8 bytes, close. Limits are tighter than the product's defaults so
// a fuzzer-made "gigapixel" header is refused (AP_ERR_TOO_LARGE) instead of exhausting -rss_limit_mb.
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CImageShim.h"

// 4 Mpx, 8192 a side, 1 MiB chunks: ~16 MiB of RGBA at most (Adam7 keeps the whole image).
static const ap_limits fuzz_limits = {.max_pixels = 4u << 20, .max_side = 8192, .max_chunk_bytes = 1u << 20};

enum { FUZZ_NONE = 0 };

/// ImageFormat.sniff for the formats the shim decodes.
static inline int fuzz_sniff(const uint8_t *d, size_t n) {
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (n >= 8 && memcmp(d, png, 8) == 0) return AP_FORMAT_PNG;
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return AP_FORMAT_JPEG;
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) return AP_FORMAT_WEBP;
    if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0 && (memcmp(d + 8, "avif", 4) == 0 || memcmp(d + 8, "avis", 4) == 0))
        return AP_FORMAT_AVIF;
    return FUZZ_NONE;
}

/// The shim's open function for a sniffed format.
static inline int fuzz_open_any(int format, const char *path, const uint8_t *d, size_t n, ap_reader **out,
                                ap_image_info *info, char *err, size_t err_len) {
    switch (format) {
    case AP_FORMAT_PNG: return ap_png_open(path, d, n, &fuzz_limits, out, info, err, err_len);
    case AP_FORMAT_JPEG: return ap_jpeg_open(path, d, n, &fuzz_limits, out, info, err, err_len);
    case AP_FORMAT_WEBP: return ap_webp_open(path, d, n, &fuzz_limits, out, info, err, err_len);
    default: return ap_avif_open(path, d, n, &fuzz_limits, out, info, err, err_len);
    }
}

/// A shim function must return one of the documented codes and leave a NUL-terminated message.
static inline void fuzz_check_code(int code, const char *err, size_t err_len) {
    if (code < AP_OK || code > AP_ERR_NEEDS_BACKGROUND) {
        fprintf(stderr, "shim returned undocumented code %d\n", code);
        abort();
    }
    if (memchr(err, 0, err_len) == NULL) {
        fprintf(stderr, "shim message not NUL-terminated\n");
        abort();
    }
}

/// Opens from memory with the fuzz limits. Returns the code; *out is set on AP_OK only.
static inline int fuzz_open(int format, const uint8_t *d, size_t n, ap_reader **out, ap_image_info *info) {
    char err[256];
    memset(err, 0x7f, sizeof err);
    err[sizeof err - 1] = 0;
    *out = NULL;
    int code = fuzz_open_any(format, NULL, d, n, out, info, err, sizeof err);
    fuzz_check_code(code, err, sizeof err);
    if ((code == AP_OK) != (*out != NULL)) {
        fprintf(stderr, "open returned %d with reader %p\n", code, (void *)*out);
        abort();
    }
    if (code == AP_OK) {
        // What ImageCodec relies on after a successful open.
        if (info->width == 0 || info->height == 0 || info->width > fuzz_limits.max_side ||
            info->height > fuzz_limits.max_side ||
            (uint64_t)info->width * info->height > fuzz_limits.max_pixels) {
            fprintf(stderr, "open accepted %ux%u beyond the limits\n", info->width, info->height);
            abort();
        }
        if (info->orientation < 1 || info->orientation > 8) {
            fprintf(stderr, "orientation %d out of 1...8\n", info->orientation);
            abort();
        }
        size_t icc_len = 0;
        const uint8_t *icc = ap_reader_icc(*out, &icc_len);
        if ((icc == NULL) != (icc_len == 0) || icc_len != info->icc_length || icc_len > fuzz_limits.max_chunk_bytes) {
            fprintf(stderr, "inconsistent ICC %p/%zu/%llu\n", (const void *)icc, icc_len,
                    (unsigned long long)info->icc_length);
            abort();
        }
        // Touch every ICC byte so ASan sees a short buffer.
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < icc_len; i++) sink ^= icc[i];
        (void)sink;
    }
    return code;
}

/// PNG CRC-32 (ISO 3309), bitwise: fast enough for fuzz inputs.
static inline uint32_t fuzz_crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

/// Returns a malloc'd copy of a PNG with every complete chunk's CRC recomputed, so that mutations
/// reach libpng's chunk parsers and inflate instead of dying at the CRC check (libpng itself is not
/// coverage-instrumented here, so the fuzzer cannot learn CRCs). The probe harness does not do this:
/// it keeps the CRC-error paths covered. With FUZZ_DUMP_FIXED=path the fixed bytes are written out
/// (to turn a crashing input into the exact bytes a regression test needs).
static inline uint8_t *fuzz_png_fix_crcs(const uint8_t *d, size_t n) {
    uint8_t *c = malloc(n ? n : 1);
    if (c == NULL) abort();
    if (n) memcpy(c, d, n);
    size_t pos = 8;
    while (pos + 12 <= n) {
        uint32_t len = (uint32_t)c[pos] << 24 | (uint32_t)c[pos + 1] << 16 | (uint32_t)c[pos + 2] << 8 | c[pos + 3];
        if (len > n - pos - 12) break;
        uint32_t crc = fuzz_crc32(c + pos + 4, (size_t)len + 4);
        uint8_t *q = c + pos + 8 + len;
        q[0] = (uint8_t)(crc >> 24), q[1] = (uint8_t)(crc >> 16), q[2] = (uint8_t)(crc >> 8), q[3] = (uint8_t)crc;
        pos += (size_t)len + 12;
    }
    const char *dump = getenv("FUZZ_DUMP_FIXED");
    if (dump != NULL) {
        FILE *f = fopen(dump, "wb");
        if (f) {
            fwrite(c, 1, n, f);
            fclose(f);
        }
    }
    return c;
}

/// Per-row callback; return nonzero to stop early (the reader is then closed mid-stream).
typedef int (*fuzz_row_fn)(const uint8_t *row, uint32_t width, uint32_t y, void *ctx);

/// Reads every row into an exactly sized heap buffer (so ASan catches a write past width*4), then
/// one extra read that must be refused with AP_ERR_INVALID. After an error, one more read must
/// return the same error (the reader is poisoned, libpng/libjpeg are not re-entered).
static inline int fuzz_read_all(ap_reader *r, const ap_image_info *info, int check_end, fuzz_row_fn fn, void *ctx) {
    char err[256];
    size_t stride = (size_t)info->width * 4;
    uint8_t *row = malloc(stride);
    if (row == NULL) abort();
    int code = AP_OK;
    for (uint32_t y = 0; y < info->height; y++) {
        code = ap_reader_read_row(r, row, check_end, err, sizeof err);
        fuzz_check_code(code, err, sizeof err);
        if (code != AP_OK) {
            int again = ap_reader_read_row(r, row, check_end, err, sizeof err);
            if (again != code) {
                fprintf(stderr, "read after error %d returned %d\n", code, again);
                abort();
            }
            break;
        }
        if (fn && fn(row, info->width, y, ctx)) {
            free(row);
            return AP_OK;
        }
    }
    if (code == AP_OK) {
        int extra = ap_reader_read_row(r, row, check_end, err, sizeof err);
        if (extra != AP_ERR_INVALID) {
            fprintf(stderr, "read past the last row returned %d\n", extra);
            abort();
        }
    }
    free(row);
    return code;
}

/// WebP/AVIF: ImageDecoder.decode's path, the whole image decoded straight into an exactly sized buffer; then a
/// row read must be refused (every row counts as read).
static inline void fuzz_decode_whole(ap_reader *r, const ap_image_info *info) {
    char err[256];
    size_t total = (size_t)info->width * info->height * 4;
    uint8_t *pixels = malloc(total);
    if (pixels == NULL) abort();
    int code = ap_reader_decode_whole(r, pixels, err, sizeof err);
    fuzz_check_code(code, err, sizeof err);
    if (code == AP_OK && ap_reader_read_row(r, pixels, 1, err, sizeof err) != AP_ERR_INVALID) {
        fprintf(stderr, "a row read after a whole decode was not refused\n");
        abort();
    }
    free(pixels);
}

#endif
