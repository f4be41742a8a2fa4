// Whole-image IDAT for the PNG writer: the rows are filtered here (libpng's per-row heuristic, same bytes)
// and the whole filtered image is compressed at once with libdeflate. libdeflate only compresses a
// complete buffer, so this path holds the filtered image in memory: writer.c uses it only up to
// AP_PNG_WHOLE_IMAGE_MAX bytes.
//
// Which compressor, measured on photo-like, noisy, UI and flat synthetic images (RGB/RGBA, 0.3-6 MB filtered):
// - zlib 1-3: libdeflate at the same level is smaller and faster.
// - zlib 4-7: libpng's zlib (Z_FILTERED) stays: libdeflate 4-9 is larger on photo-like data (its lazy
//   parser takes the short matches Z_FILTERED refuses) and libdeflate 10 is slower than zlib there.
// - zlib 8-9: libdeflate 10 (near-optimal parsing) is 2-3x faster and smaller on photo-like data, but
//   larger and slower on flat images (>= 95 % zero filtered bytes: gradients, sprites, masks), which
//   zlib compresses quickly and better: those get zlib at the same level, with libpng's parameters.
#include <libdeflate.h>
#include <zlib.h>

#include "internal.h"

struct ap_idat {
    struct libdeflate_compressor *compressor;
    uint8_t *filtered;         // height × (1 + row_bytes): each row's filter type, then its bytes
    size_t filtered_length;    // bytes stored so far
    uint8_t *compressed;       // room for the larger of libdeflate's and zlib's bounds
    size_t compressed_capacity;
    uint8_t *prev;             // the previous raw row (zeros above the first row, as the PNG spec says)
    uint8_t *trial;            // candidate filtered rows when several filters are tried
    uint8_t *best;
    size_t row_bytes;
    size_t bpp;                // bytes per pixel: the "left" distance of Sub, Average and Paeth
    int filters;               // PNG_FILTER_* bits
    int level;                 // the zlib level asked for
    uint64_t zeros;            // zero bytes among the filtered rows: how flat the image is
};

int ap_idat_deflate_level(int zlib_level) {
    if (zlib_level >= 1 && zlib_level <= 3) return zlib_level;
    if (zlib_level >= 8 && zlib_level <= 9) return 10;
    return 0;
}

uint64_t ap_idat_filtered_size(uint32_t width, uint32_t height, int channels) {
    // No overflow: the writer accepts sides below 2^31 and at most 4 channels.
    return (uint64_t)height * (1 + (uint64_t)width * (uint64_t)channels);
}

void ap_idat_free(ap_idat *d) {
    if (d == NULL) return;
    libdeflate_free_compressor(d->compressor);
    free(d->filtered);
    free(d->compressed);
    free(d->prev);
    free(d->trial);
    free(d->best);
    free(d);
}

ap_idat *ap_idat_open(uint32_t width, uint32_t height, int channels, int filters, int level) {
    ap_idat *d = calloc(1, sizeof *d);
    if (d == NULL) return NULL;
    d->bpp = (size_t)channels;
    d->row_bytes = (size_t)width * d->bpp;
    d->filters = filters & PNG_ALL_FILTERS ? filters & PNG_ALL_FILTERS : PNG_FILTER_NONE;
    d->level = level;
    size_t total = (size_t)ap_idat_filtered_size(width, height, channels);  // the caller checked it against the limit
    d->compressor = libdeflate_alloc_compressor(ap_idat_deflate_level(level));
    d->filtered = malloc(total);
    d->prev = calloc(1, d->row_bytes);
    d->trial = malloc(d->row_bytes);
    d->best = malloc(d->row_bytes);
    if (d->compressor != NULL) {
        // Allocated now (untouched pages cost no memory yet) so that finishing cannot run out of memory.
        size_t bound = libdeflate_zlib_compress_bound(d->compressor, total);
        size_t zbound = compressBound((uLong)total);
        d->compressed_capacity = bound > zbound ? bound : zbound;
        d->compressed = malloc(d->compressed_capacity);
    }
    if (d->compressor == NULL || d->filtered == NULL || d->compressed == NULL || d->prev == NULL ||
        d->trial == NULL || d->best == NULL) {
        ap_idat_free(d);
        return NULL;
    }
    return d;
}

// Signed 16-bit arithmetic is enough (|p + q| <= 510) and vectorises with plain SSE2.
static inline uint8_t ap_paeth(uint8_t a, uint8_t b, uint8_t c) {
    int16_t p = (int16_t)(b - c), q = (int16_t)(a - c), r = (int16_t)(p + q);
    int16_t pa = p < 0 ? (int16_t)-p : p, pb = q < 0 ? (int16_t)-q : q, pc = r < 0 ? (int16_t)-r : r;
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Filter type 0-4 (PNG_FILTER_VALUE_*) of row `cur` over `prev` into `out`. Loops kept simple enough to vectorise.
static void ap_filter_row(int type, const uint8_t *restrict cur, const uint8_t *restrict prev, uint8_t *restrict out,
                          size_t n, size_t bpp) {
    size_t i;
    switch (type) {
    case PNG_FILTER_VALUE_SUB:
        for (i = 0; i < bpp; i++) out[i] = cur[i];
        for (; i < n; i++) out[i] = (uint8_t)(cur[i] - cur[i - bpp]);
        break;
    case PNG_FILTER_VALUE_UP:
        for (i = 0; i < n; i++) out[i] = (uint8_t)(cur[i] - prev[i]);
        break;
    case PNG_FILTER_VALUE_AVG:
        for (i = 0; i < bpp; i++) out[i] = (uint8_t)(cur[i] - (prev[i] >> 1));
        for (; i < n; i++) out[i] = (uint8_t)(cur[i] - ((cur[i - bpp] + prev[i]) >> 1));
        break;
    case PNG_FILTER_VALUE_PAETH:
        for (i = 0; i < bpp; i++) out[i] = (uint8_t)(cur[i] - prev[i]);  // Paeth(0, up, 0) = up
        for (; i < n; i++) out[i] = (uint8_t)(cur[i] - ap_paeth(cur[i - bpp], prev[i], prev[i - bpp]));
        break;
    default:
        memcpy(out, cur, n);
        break;
    }
}

// libpng's cost of a filtered row: the sum of the bytes' magnitudes read as signed, min(v, 256 - v),
// which is min(v, -v) in 8 bits. Summed in 16 bits per block of 256 bytes (at most 2^15) to vectorise.
static uint64_t ap_filter_cost(const uint8_t *p, size_t n) {
    uint64_t sum = 0;
    for (size_t start = 0; start < n; start += 256) {
        size_t end = n - start < 256 ? n : start + 256;
        uint16_t block = 0;
        for (size_t i = start; i < end; i++) {
            uint8_t v = p[i], m = (uint8_t)-v;
            block += v < m ? v : m;
        }
        sum += block;
    }
    return sum;
}

void ap_idat_add_row(ap_idat *d, const uint8_t *row) {
    uint8_t *out = d->filtered + d->filtered_length;
    size_t n = d->row_bytes;
    static const int bits[5] = {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG, PNG_FILTER_PAETH};
    int only = -1, count = 0;
    for (int t = 0; t < 5; t++)
        if (d->filters & bits[t]) only = t, count++;
    if (count == 1) {
        out[0] = (uint8_t)only;
        ap_filter_row(only, row, d->prev, out + 1, n, d->bpp);
    } else {
        // As libpng: try each allowed filter, keep the lowest cost; ties go to the earlier type.
        int best_type = -1;
        uint64_t best_cost = 0;
        for (int t = 0; t < 5; t++) {
            if (!(d->filters & bits[t])) continue;
            ap_filter_row(t, row, d->prev, d->trial, n, d->bpp);
            uint64_t cost = ap_filter_cost(d->trial, n);
            if (best_type < 0 || cost < best_cost) {
                uint8_t *swap = d->best;
                d->best = d->trial;
                d->trial = swap;
                best_type = t;
                best_cost = cost;
            }
        }
        out[0] = (uint8_t)best_type;
        memcpy(out + 1, d->best, n);
    }
    uint32_t zeros = 0;  // n < 2^32: the buffered image is at most AP_PNG_WHOLE_IMAGE_MAX bytes
    for (size_t i = 1; i <= n; i++) zeros += out[i] == 0;
    d->zeros += zeros;
    memcpy(d->prev, row, n);
    d->filtered_length += 1 + n;
}

// zlib as libpng would run it on these rows (libpng: Z_FILTERED unless the only filter is None).
static int ap_idat_zlib(ap_idat *d, size_t *length, char *err, size_t err_len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    int strategy = d->filters == PNG_FILTER_NONE ? Z_DEFAULT_STRATEGY : Z_FILTERED;
    int status = deflateInit2(&z, d->level, Z_DEFLATED, 15, 8, strategy);
    if (status != Z_OK) {
        ap_copy_msg(err, err_len, status == Z_MEM_ERROR ? "out of memory" : "zlib could not start");
        return status == Z_MEM_ERROR ? AP_ERR_NOMEM : AP_ERR_IO;
    }
    // One call: the output buffer holds compressBound(input) bytes, and the input (at most
    // AP_PNG_WHOLE_IMAGE_MAX bytes) fits zlib's 32-bit counts.
    z.next_in = d->filtered;
    z.avail_in = (uInt)d->filtered_length;
    z.next_out = d->compressed;
    z.avail_out = (uInt)d->compressed_capacity;
    status = deflate(&z, Z_FINISH);
    *length = (size_t)z.total_out;
    deflateEnd(&z);
    if (status != Z_STREAM_END) {
        ap_copy_msg(err, err_len, "zlib could not compress the image data");
        return AP_ERR_IO;
    }
    return AP_OK;
}

int ap_idat_compress(ap_idat *d, const uint8_t **data, size_t *length, char *err, size_t err_len) {
    size_t n;
    uint64_t bytes = d->filtered_length - d->filtered_length / (1 + d->row_bytes);  // without filter types
    if (ap_idat_deflate_level(d->level) >= 10 && d->zeros * 20 >= bytes * 19) {
        int code = ap_idat_zlib(d, &n, err, err_len);
        if (code != AP_OK) return code;
    } else {
        n = libdeflate_zlib_compress(d->compressor, d->filtered, d->filtered_length, d->compressed,
                                     d->compressed_capacity);
        if (n == 0) {
            // Cannot happen with a buffer of compress_bound bytes; reported rather than writing a broken IDAT.
            ap_copy_msg(err, err_len, "libdeflate could not compress the image data");
            return AP_ERR_IO;
        }
    }
    free(d->filtered);  // not needed any more: give the memory back before the chunks are written
    d->filtered = NULL;
    *data = d->compressed;
    *length = n;
    return AP_OK;
}
