// Private to CImageShim.
#ifndef AP_INTERNAL_H
#define AP_INTERNAL_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

#include "CImageShim.h"

#define AP_MSG_LEN 256

static inline void ap_copy_msg(char *dst, size_t dst_len, const char *src) {
    if (dst == NULL || dst_len == 0) return;
    snprintf(dst, dst_len, "%s", src ? src : "");
}

/// libjpeg error manager that longjmps back into the shim function that called the library.
typedef struct ap_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf env;
    int code;            // AP_ERR_* chosen when the error was raised
    char msg[AP_MSG_LEN];
    char warning[AP_MSG_LEN];
} ap_jpeg_error;

void ap_jpeg_error_init(ap_jpeg_error *e);

// ---------------------------------------------------------------- png_idat.c: whole-image IDAT (libdeflate)

/// Above this many filtered bytes (height × (1 + width × channels)) the PNG writer streams rows through
/// libpng's zlib instead of buffering the image for libdeflate, so huge images keep a flat memory peak
/// (the buffered path holds the filtered image plus its compressed copy).
#define AP_PNG_WHOLE_IMAGE_MAX ((uint64_t)64 << 20)
/// IDAT chunks written by the buffered path are at most this long.
#define AP_PNG_IDAT_CHUNK_MAX ((size_t)1 << 20)

typedef struct ap_idat ap_idat;

/// The libdeflate level used for a zlib level, or 0 when libpng's zlib should write that level.
int ap_idat_deflate_level(int zlib_level);
uint64_t ap_idat_filtered_size(uint32_t width, uint32_t height, int channels);
/// Allocates everything the path needs up front; NULL when out of memory (the writer then streams).
ap_idat *ap_idat_open(uint32_t width, uint32_t height, int channels, int filters, int level);
/// Filters one raw row (width × channels bytes) into the buffer. Cannot fail.
void ap_idat_add_row(ap_idat *d, const uint8_t *row);
/// Compresses the rows added so far into one zlib stream (owned by `d`). AP_OK, AP_ERR_NOMEM or AP_ERR_IO.
int ap_idat_compress(ap_idat *d, const uint8_t **data, size_t *length, char *err, size_t err_len);
void ap_idat_free(ap_idat *d);

#endif
