// Pure pixel math: no library calls, no setjmp. Hot loops live here so Swift stays free of
// per-pixel overhead.
#include <math.h>

#include "internal.h"

int ap_alpha_scan(const uint8_t *rgba, size_t width, uint64_t *transparent, uint64_t *translucent,
                  int64_t *first_visible, int64_t *last_visible) {
    uint64_t zero = 0, partial = 0;
    int64_t first = -1, last = -1;
    for (size_t x = 0; x < width; x++) {
        uint8_t a = rgba[x * 4 + 3];
        if (a == 255) {
            if (first < 0) first = (int64_t)x;
            last = (int64_t)x;
        } else if (a == 0) {
            zero++;
        } else {
            partial++;
            if (first < 0) first = (int64_t)x;
            last = (int64_t)x;
        }
    }
    *transparent += zero;
    *translucent += partial;
    *first_visible = first;
    *last_visible = last;
    return (zero | partial) != 0;
}

int64_t ap_first_non_opaque(const uint8_t *rgba, size_t width) {
    for (size_t x = 0; x < width; x++)
        if (rgba[x * 4 + 3] != 255) return (int64_t)x;
    return -1;
}

void ap_flatten_row(uint8_t *p, size_t width, uint8_t r, uint8_t g, uint8_t b) {
    for (size_t x = 0; x < width; x++, p += 4) {
        unsigned a = p[3];
        if (a == 255) continue;
        unsigned ia = 255 - a;
        p[0] = (uint8_t)((p[0] * a + r * ia + 127) / 255);
        p[1] = (uint8_t)((p[1] * a + g * ia + 127) / 255);
        p[2] = (uint8_t)((p[2] * a + b * ia + 127) / 255);
        p[3] = 255;
    }
}

void ap_cmyk_to_rgba(uint8_t *p, size_t width, int inverted) {
    for (size_t x = 0; x < width; x++, p += 4) {
        unsigned c = p[0], m = p[1], y = p[2], k = p[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        // Adobe convention: stored values are 255 - ink, so RGB = stored_c * stored_k / 255.
        p[0] = (uint8_t)((c * k + 127) / 255);
        p[1] = (uint8_t)((m * k + 127) / 255);
        p[2] = (uint8_t)((y * k + 127) / 255);
        p[3] = 255;
    }
}

void ap_orient_rgba(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst, int orientation) {
    const uint32_t *s = (const uint32_t *)(const void *)src;
    uint32_t *d = (uint32_t *)(void *)dst;
    size_t w = width, h = height;
    int swap = orientation >= 5 && orientation <= 8;
    size_t dw = swap ? h : w;
    for (size_t y = 0; y < h; y++) {
        for (size_t x = 0; x < w; x++) {
            size_t dx, dy;
            switch (orientation) {
            case 2: dx = w - 1 - x; dy = y; break;
            case 3: dx = w - 1 - x; dy = h - 1 - y; break;
            case 4: dx = x; dy = h - 1 - y; break;
            case 5: dx = y; dy = x; break;                  // transpose
            case 6: dx = h - 1 - y; dy = x; break;          // rotate 90 clockwise
            case 7: dx = h - 1 - y; dy = w - 1 - x; break;  // transverse
            case 8: dx = y; dy = w - 1 - x; break;          // rotate 90 counter-clockwise
            default: dx = x; dy = y; break;
            }
            d[dy * dw + dx] = s[y * w + x];
        }
    }
}

// ---------------------------------------------------------------- Lanczos3

typedef struct {
    int *start;
    int *count;
    float *weights;  // out_size * max_count
    int max_count;
} ap_kernel;

static double ap_sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return sin(x) / x;
}

static double ap_lanczos3(double x) {
    if (x <= -3.0 || x >= 3.0) return 0.0;
    return ap_sinc(x) * ap_sinc(x / 3.0);
}

static int ap_kernel_make(ap_kernel *k, uint32_t in_size, uint32_t out_size) {
    double scale = (double)in_size / (double)out_size;
    double stretch = scale > 1.0 ? scale : 1.0;
    double support = 3.0 * stretch;
    k->max_count = (int)ceil(support * 2.0) + 2;
    k->start = malloc(sizeof(int) * out_size);
    k->count = malloc(sizeof(int) * out_size);
    k->weights = malloc(sizeof(float) * (size_t)out_size * (size_t)k->max_count);
    if (!k->start || !k->count || !k->weights) return AP_ERR_NOMEM;
    for (uint32_t i = 0; i < out_size; i++) {
        double center = ((double)i + 0.5) * scale - 0.5;
        int lo = (int)ceil(center - support), hi = (int)floor(center + support);
        if (lo < 0) lo = 0;
        if (hi > (int)in_size - 1) hi = (int)in_size - 1;
        if (hi - lo + 1 > k->max_count) hi = lo + k->max_count - 1;
        float *wt = k->weights + (size_t)i * k->max_count;
        double total = 0.0;
        int n = 0;
        for (int j = lo; j <= hi; j++, n++) {
            double v = ap_lanczos3(((double)j - center) / stretch);
            wt[n] = (float)v;
            total += v;
        }
        if (n == 0) {  // cannot happen for sane sizes; fall back to nearest
            lo = (int)(center < 0 ? 0 : center);
            if (lo > (int)in_size - 1) lo = (int)in_size - 1;
            wt[0] = 1.0f;
            n = 1;
            total = 1.0;
        }
        for (int j = 0; j < n; j++) wt[j] = (float)(wt[j] / total);
        k->start[i] = lo;
        k->count[i] = n;
    }
    return AP_OK;
}

static void ap_kernel_free(ap_kernel *k) {
    free(k->start);
    free(k->count);
    free(k->weights);
}

static inline uint8_t ap_clamp8(float v) {
    if (v <= 0.0f) return 0;
    if (v >= 255.0f) return 255;
    return (uint8_t)(v + 0.5f);
}

int ap_resize_rgba(const uint8_t *src, uint32_t sw, uint32_t sh, uint8_t *dst, uint32_t dw, uint32_t dh) {
    ap_kernel kx = {0}, ky = {0};
    float *mid = NULL, *line = NULL;
    int code = AP_ERR_NOMEM;
    if (ap_kernel_make(&kx, sw, dw) != AP_OK || ap_kernel_make(&ky, sh, dh) != AP_OK) goto done;
    mid = malloc(sizeof(float) * 4 * (size_t)dw * (size_t)sh);
    line = malloc(sizeof(float) * 4 * (size_t)sw);
    float *acc = malloc(sizeof(float) * 4 * (size_t)dw);
    if (!mid || !line || !acc) {
        free(acc);
        goto done;
    }
    // Horizontal pass on premultiplied rows.
    for (uint32_t y = 0; y < sh; y++) {
        const uint8_t *s = src + (size_t)y * sw * 4;
        for (uint32_t x = 0; x < sw; x++) {
            float a = s[x * 4 + 3];
            float f = a / 255.0f;
            line[x * 4] = s[x * 4] * f;
            line[x * 4 + 1] = s[x * 4 + 1] * f;
            line[x * 4 + 2] = s[x * 4 + 2] * f;
            line[x * 4 + 3] = a;
        }
        float *m = mid + (size_t)y * dw * 4;
        for (uint32_t x = 0; x < dw; x++) {
            const float *wt = kx.weights + (size_t)x * kx.max_count;
            const float *p = line + (size_t)kx.start[x] * 4;
            float r = 0, g = 0, b = 0, al = 0;
            for (int j = 0; j < kx.count[x]; j++, p += 4) {
                r += p[0] * wt[j];
                g += p[1] * wt[j];
                b += p[2] * wt[j];
                al += p[3] * wt[j];
            }
            m[x * 4] = r;
            m[x * 4 + 1] = g;
            m[x * 4 + 2] = b;
            m[x * 4 + 3] = al;
        }
    }
    // Vertical pass, then un-premultiply.
    for (uint32_t y = 0; y < dh; y++) {
        const float *wt = ky.weights + (size_t)y * ky.max_count;
        memset(acc, 0, sizeof(float) * 4 * dw);
        for (int j = 0; j < ky.count[y]; j++) {
            const float *m = mid + (size_t)(ky.start[y] + j) * dw * 4;
            float wj = wt[j];
            for (size_t i = 0; i < (size_t)dw * 4; i++) acc[i] += m[i] * wj;
        }
        uint8_t *d = dst + (size_t)y * dw * 4;
        for (uint32_t x = 0; x < dw; x++) {
            float al = acc[x * 4 + 3];
            uint8_t a8 = ap_clamp8(al);
            if (a8 == 0) {
                d[x * 4] = d[x * 4 + 1] = d[x * 4 + 2] = 0;
            } else {
                float f = 255.0f / al;
                d[x * 4] = ap_clamp8(acc[x * 4] * f);
                d[x * 4 + 1] = ap_clamp8(acc[x * 4 + 1] * f);
                d[x * 4 + 2] = ap_clamp8(acc[x * 4 + 2] * f);
            }
            d[x * 4 + 3] = a8;
        }
    }
    free(acc);
    code = AP_OK;
done:
    ap_kernel_free(&kx);
    ap_kernel_free(&ky);
    free(mid);
    free(line);
    return code;
}

// ---------------------------------------------------------------- EXIF

static unsigned ap_rd16(const uint8_t *p, int le) { return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]); }
static uint32_t ap_rd32(const uint8_t *p, int le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int ap_exif_orientation(const uint8_t *data, size_t length) {
    if (data == NULL || length < 6 + 8 || memcmp(data, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *t = data + 6;
    size_t n = length - 6;
    int le;
    if (t[0] == 'I' && t[1] == 'I')
        le = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        le = 0;
    else
        return 1;
    if (ap_rd16(t + 2, le) != 42) return 1;
    uint32_t ifd = ap_rd32(t + 4, le);
    if (ifd < 8 || (size_t)ifd > n - 2) return 1;
    unsigned entries = ap_rd16(t + ifd, le);
    for (unsigned i = 0; i < entries; i++) {
        size_t off = (size_t)ifd + 2 + (size_t)i * 12;
        if (off + 12 > n) break;
        if (ap_rd16(t + off, le) != 0x0112) continue;
        unsigned type = ap_rd16(t + off + 2, le);
        uint32_t count = ap_rd32(t + off + 4, le);
        unsigned value = 0;
        if (count < 1) return 1;
        if (type == 3)
            value = ap_rd16(t + off + 8, le);
        else if (type == 4)
            value = ap_rd32(t + off + 8, le);
        else
            return 1;
        return value >= 1 && value <= 8 ? (int)value : 1;
    }
    return 1;
}
