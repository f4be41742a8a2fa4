// Private to CImageShim.
#ifndef AP_INTERNAL_H
#define AP_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <jpeglib.h>
#include <jerror.h>

#include <stdint.h>

#include "CImageShim.h"


#define AP_MSG_LEN 256

// ---------------------------------------------------------------- lazy_library.c: libraries loaded on first use

/// A shared library (or a few) opened with dlopen the first time a format needs it; `pointers[i]` is then the
/// function named `symbols[i]`. Declared once per format, static, with PTHREAD_MUTEX_INITIALIZER.
typedef struct ap_lazy_library {
    const char *format;             // "WebP", for the message
    const char *const *libraries;   // NULL-terminated; each "soname|fallback", all loaded
    const char *packages;           // the Debian packages that provide them
    const char *const *symbols;     // NULL-terminated
    void **pointers;                // one a symbol
    pthread_mutex_t lock;
    int state;                      // 0 not tried yet, 1 loaded, -1 missing
    void *handles[4];
    char error[AP_MSG_LEN];
} ap_lazy_library;

/// AP_OK once the library is loaded (the first call loads it); else AP_ERR_UNSUPPORTED with a message that names
/// the package to install.
int ap_lazy_load(ap_lazy_library *library, char *err, size_t err_len);

/// A format's functions from its X-macro list `LIST` (each entry `X(name)`): an index per name, the names as
/// strings, and the pointers they are found at, all named after `prefix`.
#define AP_LAZY_INDEX(name) ap_lazy_index_##name,
#define AP_LAZY_SYMBOL(name) #name,
#define AP_LAZY_FUNCTIONS(prefix, LIST)                                                                              \
    enum { LIST(AP_LAZY_INDEX) prefix##_function_count };                                                          \
    static const char *const prefix##_symbols[] = {LIST(AP_LAZY_SYMBOL) NULL};                                     \
    static void *prefix##_pointers[prefix##_function_count];

/// The library of those functions: its format's name for messages, the Debian packages that provide it, and the
/// libraries to open, each "soname|fallback".
#define AP_LAZY_LIBRARY(format_name, prefix, debian_packages, ...)                                                     \
    {                                                                                                                  \
        .format = format_name, .libraries = (const char *const[]){__VA_ARGS__, NULL}, .packages = debian_packages,    \
        .symbols = prefix##_symbols, .pointers = prefix##_pointers, .lock = PTHREAD_MUTEX_INITIALIZER,                 \
    }

/// A call through the pointer found for `name`, with the type of its declaration in the library's header.
#define AP_LAZY_CALL(prefix, name) ((__typeof__(&name))prefix##_pointers[ap_lazy_index_##name])

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

// ---------------------------------------------------------------- reader.c: the reader all formats share

struct ap_reader {
    int format;
    ap_image_info info;
    ap_limits limits;
    FILE *fp;
    uint8_t *mem;
    size_t mem_length;
    size_t mem_pos;
    uint8_t *icc;
    size_t icc_length;
    uint32_t next_row;
    int failed;  // AP_ERR_* once an error happened: the library state is then unusable
    char msg[AP_MSG_LEN];
    char warning[AP_MSG_LEN];  // first library warning, for diagnostics
    int over_user_limit;
    // PNG
    png_structp png;
    png_infop png_info;
    int passes;
    uint8_t *full;  // whole image, for Adam7
    png_bytep *rows;
    // JPEG
    struct jpeg_decompress_struct *jpeg;
    ap_jpeg_error *jerr;
    struct jpeg_progress_mgr progress;
    int started;
    int cmyk;
    // WebP, AVIF: the library's state kept from open to the first row (freed by codec_free), and the
    // function that decodes the whole image (rows as stored, RGBA8) into `full` at the first row.
    void *codec;
    void (*codec_free)(void *codec);
    int (*decode_whole)(ap_reader *r, uint8_t *rgba, char *err, size_t err_len);
};

ap_reader *ap_reader_new(int format, const char *path, const void *data, size_t length, const ap_limits *limits,
                         char *err, size_t err_len, int *code);
/// AP_OK, or AP_ERR_CORRUPT (zero side) / AP_ERR_TOO_LARGE with a message naming the size and the limit.
int ap_check_size(ap_reader *r, char *err, size_t err_len);
/// WebP and AVIF are parsed from memory: a reader opened on a file reads it whole into `mem`.
#define AP_MAX_WHOLE_FILE ((size_t)1 << 30)
int ap_reader_slurp(ap_reader *r, char *err, size_t err_len);

// ---------------------------------------------------------------- planes.c: WebP and AVIF writers

struct ap_plane_writer {
    int format;  // AP_FORMAT_WEBP or AP_FORMAT_AVIF
    char *path;  // NULL: keep the bytes
    uint32_t width, height;
    uint8_t *rgba;  // width*height*4, filled by rows
    uint32_t rows;
    int opaque;  // every row so far had alpha 255
    uint8_t *icc, *xmp;
    size_t icc_length, xmp_length;
    // Options (the format's own).
    int quality, lossless, method, threads;  // WebP
    int quantizer, alpha_quantizer, speed, yuv;  // AVIF (and threads)
    uint8_t *out;  // encoded bytes (malloc)
    size_t out_length;
    void (*out_free)(void *out);  // how `out` is freed (the library's allocator); NULL: free
    int (*encode)(struct ap_plane_writer *w, char *err, size_t err_len);  // sets out/out_length
};

ap_plane_writer *ap_plane_writer_new(int format, const char *path, uint32_t width, uint32_t height,
                                     const void *icc, size_t icc_length, const void *xmp, size_t xmp_length,
                                     char *err, size_t err_len, int *code);
/// EXIF orientation from TIFF data with or without the "Exif\0\0" prefix (a WebP EXIF chunk); 1 when absent.
int ap_exif_orientation_tiff(const uint8_t *data, size_t length);
int ap_webp_encode(ap_plane_writer *w, char *err, size_t err_len);
int ap_avif_encode(ap_plane_writer *w, char *err, size_t err_len);

#endif
