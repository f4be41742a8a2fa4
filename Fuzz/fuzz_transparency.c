// Entry point: TransparencyAnalyzer.analyze(source) — open either format, and when the header
// says there is alpha (or tRNS), read rows and run ap_alpha_scan / ap_first_non_opaque on each,
// building the opaque bounds as Transparency.swift does. Inputs of odd length take the early-exit
// path (stop at the first non-opaque row without checking the end, close the reader mid-stream).
// PNG chunk CRCs are recomputed first (see fuzz_png_fix_crcs).
#include "fuzz_common.h"

typedef struct {
    int early_exit;
    uint64_t transparent, translucent;
    int64_t min_x, max_x, min_y, max_y;
} tally;

static int scan_row(const uint8_t *row, uint32_t width, uint32_t y, void *ctx) {
    tally *t = ctx;
    int64_t first = -1, last = -1;
    uint64_t before = t->transparent + t->translucent;
    int any = ap_alpha_scan(row, width, &t->transparent, &t->translucent, &first, &last);
    int64_t fno = ap_first_non_opaque(row, width);
    // The two scans must agree with each other and stay inside the row.
    if ((fno >= 0) != (any != 0)) abort();
    if (fno >= (int64_t)width || last >= (int64_t)width || first > last) abort();
    if ((first < 0) != (last < 0)) abort();
    if (t->transparent + t->translucent - before > width) abort();
    if (first >= 0) {
        if (first < t->min_x) t->min_x = first;
        if (last > t->max_x) t->max_x = last;
        if (t->min_y < 0) t->min_y = y;
        t->max_y = y;
    }
    return t->early_exit && any;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int format = fuzz_sniff(data, size);
    if (format == FUZZ_NONE) return 0;
    uint8_t *copy = format == AP_FORMAT_PNG ? fuzz_png_fix_crcs(data, size) : NULL;
    const uint8_t *bytes = copy ? copy : data;
    ap_reader *r = NULL;
    ap_image_info info;
    if (fuzz_open(format, bytes, size, &r, &info) != AP_OK) {
        free(copy);
        return 0;
    }
    if (info.has_alpha) {
        tally t = {.early_exit = (int)(size & 1), .min_x = INT64_MAX, .max_x = -1, .min_y = -1, .max_y = -1};
        int code = fuzz_read_all(r, &info, !t.early_exit, scan_row, &t);
        if (code == AP_OK && !t.early_exit &&
            t.transparent + t.translucent > (uint64_t)info.width * info.height)
            abort();
    }
    ap_reader_close(r);
    free(copy);
    return 0;
}
