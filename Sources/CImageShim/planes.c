// WebP and AVIF writers: both libraries encode whole frames, so rows are collected into one RGBA8 buffer
// (width × height × 4 bytes) and handed to the format's encoder at finish.
#include <errno.h>

#include "internal.h"

ap_plane_writer *ap_plane_writer_new(int format, const char *path, uint32_t width, uint32_t height,
                                     const void *icc, size_t icc_length, const void *xmp, size_t xmp_length,
                                     char *err, size_t err_len, int *code) {
    *code = AP_OK;
    if (width == 0 || height == 0) {
        ap_copy_msg(err, err_len, "cannot encode an image with zero width or height");
        *code = AP_ERR_INVALID;
        return NULL;
    }
    ap_plane_writer *w = calloc(1, sizeof *w);
    size_t total = (size_t)width * height * 4;
    if (w != NULL) w->rgba = malloc(total);
    if (w != NULL && path != NULL) w->path = strdup(path);
    if (w != NULL && icc_length > 0) {
        w->icc = malloc(icc_length);
        if (w->icc != NULL) memcpy(w->icc, icc, icc_length);
        w->icc_length = icc_length;
    }
    if (w != NULL && xmp_length > 0) {
        w->xmp = malloc(xmp_length);
        if (w->xmp != NULL) memcpy(w->xmp, xmp, xmp_length);
        w->xmp_length = xmp_length;
    }
    if (w == NULL || w->rgba == NULL || (path != NULL && w->path == NULL) || (icc_length > 0 && w->icc == NULL) ||
        (xmp_length > 0 && w->xmp == NULL)) {
        ap_plane_writer_free(w);
        snprintf(err, err_len, "out of memory for a %ux%u image (%zu bytes)", width, height, total);
        *code = AP_ERR_NOMEM;
        return NULL;
    }
    w->format = format;
    w->width = width;
    w->height = height;
    w->opaque = 1;
    return w;
}

int ap_plane_writer_write_row(ap_plane_writer *w, const uint8_t *rgba, int flatten, uint8_t r, uint8_t g,
                              uint8_t b, char *err, size_t err_len) {
    if (w->rows >= w->height) {
        ap_copy_msg(err, err_len, "more rows than the image height");
        return AP_ERR_INVALID;
    }
    uint8_t *dst = w->rgba + (size_t)w->rows * w->width * 4;
    memcpy(dst, rgba, (size_t)w->width * 4);
    if (flatten)
        ap_flatten_row(dst, w->width, r, g, b);
    else if (w->opaque && ap_first_non_opaque(dst, w->width) >= 0)
        w->opaque = 0;
    w->rows++;
    return AP_OK;
}

int ap_plane_writer_finish(ap_plane_writer *w, char *err, size_t err_len) {
    if (w->rows != w->height) {
        snprintf(err, err_len, "%u of %u rows were written", w->rows, w->height);
        return AP_ERR_INVALID;
    }
    int code = w->encode(w, err, err_len);
    // The pixels are no longer needed: give the memory back before writing.
    free(w->rgba);
    w->rgba = NULL;
    if (code != AP_OK) return code;
    if (w->path == NULL) return AP_OK;
    FILE *fp = fopen(w->path, "wb");
    if (fp == NULL) {
        snprintf(err, err_len, "cannot create: %s", strerror(errno));
        return AP_ERR_IO;
    }
    size_t n = fwrite(w->out, 1, w->out_length, fp);
    int bad = n != w->out_length || fflush(fp) != 0;
    if (bad) snprintf(err, err_len, "write error: %s", strerror(errno));
    if (fclose(fp) != 0 && !bad) {
        bad = 1;
        snprintf(err, err_len, "close error: %s", strerror(errno));
    }
    return bad ? AP_ERR_IO : AP_OK;
}

const uint8_t *ap_plane_writer_data(const ap_plane_writer *w, size_t *length) {
    *length = w->out_length;
    return w->out;
}

void ap_plane_writer_free(ap_plane_writer *w) {
    if (w == NULL) return;
    free(w->path);
    free(w->rgba);
    free(w->icc);
    free(w->xmp);
    if (w->out != NULL) {
        if (w->out_free != NULL)
            w->out_free(w->out);
        else
            free(w->out);
    }
    free(w);
}
