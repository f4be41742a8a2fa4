// Entry point: ImageDecoder.decode / ImageRowReader for PNG — open from memory, read every row
// (Adam7 included), verify the end of the stream (CRCs up to IEND) like verifiesEnd = true.
//
// Two kinds of input:
// - starting with the PNG signature: the file as given, with chunk CRCs recomputed first (see
//   fuzz_png_fix_crcs) so mutations reach libpng's chunk parsers;
// - anything else: a structured recipe the harness turns into a *valid* PNG, so that every colour
//   type × bit depth × interlace × tRNS/PLTE combination reaches the row transformations
//   (expand, scale_16, gray_to_rgb, add_alpha, Adam7) with well-formed zlib data, which random byte
//   mutation of compressed IDATs almost never produces:
//     byte 0: width - 1 (mod 64)   byte 1: height - 1 (mod 64)   byte 2: colour type/depth (mod 15)
//     byte 3: bit 0 Adam7, bit 1 tRNS, bits 2-7 palette size - 1 (palette images)
//     rest:   the raw scanlines (filter-type bytes are forced into 0...4), zero-padded or cut to size.
#include <zlib.h>

#include "fuzz_common.h"

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static size_t put_chunk(uint8_t *out, const char *type, const uint8_t *data, uint32_t length) {
    put32(out, length);
    memcpy(out + 4, type, 4);
    if (length) memcpy(out + 8, data, length);
    put32(out + 8 + length, fuzz_crc32(out + 4, (size_t)length + 4));
    return (size_t)length + 12;
}

/// Builds a PNG from a recipe; returns its length (0 when the input is too short). *out is malloc'd.
static size_t build_png(const uint8_t *d, size_t n, uint8_t **out) {
    static const int combos[15][2] = {{0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8},  {2, 16}, {3, 1},
                                      {3, 2}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8}, {6, 16}};
    static const int channels_of[7] = {1, 0, 3, 1, 2, 0, 4};
    if (n < 4) return 0;
    uint32_t w = 1u + d[0] % 64u, h = 1u + d[1] % 64u;
    int color = combos[d[2] % 15][0], depth = combos[d[2] % 15][1];
    int interlace = d[3] & 1, trns = (d[3] >> 1) & 1, palette = 1 + (d[3] >> 2);
    if (color == 3 && palette > (1 << depth)) palette = 1 << depth;
    const uint8_t *raw_in = d + 4;
    size_t raw_in_len = n - 4;

    // Scanline layout: one filter byte per row of each pass.
    size_t bits = (size_t)channels_of[color] * depth;
    size_t raw_len = 0;
    static const int xs[7] = {0, 4, 0, 2, 0, 1, 0}, ys[7] = {0, 0, 4, 0, 2, 0, 1};
    static const int dx[7] = {8, 8, 4, 4, 2, 2, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    uint32_t pw[7], ph[7];
    int passes = interlace ? 7 : 1;
    for (int p = 0; p < passes; p++) {
        pw[p] = interlace ? (w > (uint32_t)xs[p] ? (w - xs[p] + dx[p] - 1) / dx[p] : 0) : w;
        ph[p] = interlace ? (h > (uint32_t)ys[p] ? (h - ys[p] + dy[p] - 1) / dy[p] : 0) : h;
        if (pw[p] && ph[p]) raw_len += ph[p] * (1 + (pw[p] * bits + 7) / 8);
    }
    uint8_t *raw = calloc(raw_len ? raw_len : 1, 1);
    if (raw == NULL) abort();
    memcpy(raw, raw_in, raw_in_len < raw_len ? raw_in_len : raw_len);
    size_t pos = 0;
    for (int p = 0; p < passes; p++) {
        if (!pw[p] || !ph[p]) continue;
        size_t stride = 1 + (pw[p] * bits + 7) / 8;
        for (uint32_t y = 0; y < ph[p]; y++, pos += stride) raw[pos] %= 5;
    }
    uLongf zlen = compressBound(raw_len);
    uint8_t *z = malloc(zlen);
    if (z == NULL || compress2(z, &zlen, raw, raw_len, 6) != Z_OK) abort();
    free(raw);

    uint8_t *png = malloc(8 + 25 + (12 + 768) + (12 + 256) + (12 + zlen) + 12);
    if (png == NULL) abort();
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    memcpy(png, sig, 8);
    size_t len = 8;
    uint8_t ihdr[13];
    put32(ihdr, w);
    put32(ihdr + 4, h);
    ihdr[8] = (uint8_t)depth, ihdr[9] = (uint8_t)color, ihdr[10] = 0, ihdr[11] = 0, ihdr[12] = (uint8_t)interlace;
    len += put_chunk(png + len, "IHDR", ihdr, 13);
    if (color == 3) {
        uint8_t plte[768];
        for (int i = 0; i < 768; i++) plte[i] = (uint8_t)(i * 37 + d[3]);
        len += put_chunk(png + len, "PLTE", plte, (uint32_t)palette * 3);
    }
    if (trns && (color == 0 || color == 2 || color == 3)) {
        uint8_t t[256];
        uint32_t tl = color == 0 ? 2 : color == 2 ? 6 : (uint32_t)palette;
        for (uint32_t i = 0; i < tl; i++) t[i] = (uint8_t)(d[0] ^ (i * 91));
        if (color == 0 && depth < 16) t[0] = 0, t[1] &= (uint8_t)((1 << depth) - 1);
        if (color == 2 && depth < 16) t[0] = t[2] = t[4] = 0;
        len += put_chunk(png + len, "tRNS", t, tl);
    }
    len += put_chunk(png + len, "IDAT", z, (uint32_t)zlen);
    len += put_chunk(png + len, "IEND", NULL, 0);
    free(z);
    *out = png;
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *png;
    size_t length;
    int structured = fuzz_sniff(data, size) != AP_FORMAT_PNG;
    if (structured) {
        length = build_png(data, size, &png);
        if (length == 0) return 0;
    } else {
        png = fuzz_png_fix_crcs(data, size);
        length = size;
    }
    ap_reader *r = NULL;
    ap_image_info info;
    int code = fuzz_open(AP_FORMAT_PNG, png, length, &r, &info);
    if (code == AP_OK) {
        int rows = fuzz_read_all(r, &info, 1, NULL, NULL);
        ap_reader_close(r);
        // A PNG the harness built is valid: it must decode.
        if (structured && rows != AP_OK) {
            fprintf(stderr, "valid built PNG failed to decode: %d\n", rows);
            abort();
        }
    } else if (structured) {
        fprintf(stderr, "valid built PNG refused at open: %d\n", code);
        abort();
    }
    free(png);
    return 0;
}
