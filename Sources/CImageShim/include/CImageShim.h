// CImageShim: the only code that includes png.h / jpeglib.h / libwebp's and libavif's headers.
//
// Every call into libpng, libjpeg-turbo, libwebp or libavif happens inside a small C function here that sets up
// setjmp, copies the library's message into a caller buffer and returns an int code (AP_OK or
// one of AP_ERR_*). No longjmp ever crosses a Swift frame. Handles are opaque; byte buffers are
// passed as pointer + length. All symbols are prefixed `ap_`.
#ifndef CIMAGESHIM_H
#define CIMAGESHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AP_OK = 0,
    AP_ERR_CORRUPT = 1,
    AP_ERR_UNSUPPORTED = 2,
    AP_ERR_TOO_LARGE = 3,
    AP_ERR_IO = 4,
    AP_ERR_NOMEM = 5,
    AP_ERR_INVALID = 6,
    AP_ERR_NEEDS_BACKGROUND = 7,
};

enum { AP_FORMAT_PNG = 1, AP_FORMAT_JPEG = 2, AP_FORMAT_WEBP = 3, AP_FORMAT_AVIF = 4 };

/// JPEG colour spaces as reported by ap_image_info.color_space.
enum {
    AP_CS_UNKNOWN = 0,
    AP_CS_GRAY = 1,
    AP_CS_YCBCR = 2,
    AP_CS_RGB = 3,
    AP_CS_CMYK = 4,
    AP_CS_YCCK = 5,
};

typedef struct ap_limits {
    uint64_t max_pixels;
    uint32_t max_side;
    uint64_t max_chunk_bytes;
} ap_limits;

/// Header facts. Fields that do not apply to the format are 0.
typedef struct ap_image_info {
    int format;          // AP_FORMAT_*
    uint32_t width;
    uint32_t height;
    int bit_depth;       // PNG 1/2/4/8/16, JPEG data precision
    int png_color_type;  // raw IHDR colour type
    int interlaced;      // PNG Adam7
    int has_trns;
    int has_alpha;
    int components;      // JPEG
    int color_space;     // AP_CS_* (JPEG)
    int progressive;
    int arithmetic;
    int adobe;           // saw an Adobe APP14 marker
    int orientation;     // EXIF 1-8, 1 when absent or unreadable
    uint64_t icc_length; // 0 when no ICC profile
    int lossless;        // WebP: 1 lossless (VP8L), 0 lossy or mixed
    int animated;        // WebP animation / AVIF image sequence (only the first frame is read)
    int yuv_format;      // AVIF: 444, 422, 420 or 400
} ap_image_info;

// ---------------------------------------------------------------- reading

typedef struct ap_reader ap_reader;

/// Opens a PNG (path != NULL: read from the file; otherwise from data/length, copied) and reads its
/// header. `info` is filled as far as known, even on failure (e.g. an unsupported JPEG process).
int ap_png_open(const char *path, const void *data, size_t length, const ap_limits *limits,
                ap_reader **out, ap_image_info *info, char *err, size_t err_len);
int ap_jpeg_open(const char *path, const void *data, size_t length, const ap_limits *limits,
                 ap_reader **out, ap_image_info *info, char *err, size_t err_len);

/// WebP (libwebp; the EXIF and ICCP chunks through WebPDemux) and AVIF (libavif; `irot`/`imir` reported as the
/// equivalent EXIF orientation). The header is read and checked against the limits here; the pixels are decoded
/// whole at the first row (the libraries decode whole frames), then handed out row by row, as stored.
int ap_webp_open(const char *path, const void *data, size_t length, const ap_limits *limits,
                 ap_reader **out, ap_image_info *info, char *err, size_t err_len);
int ap_avif_open(const char *path, const void *data, size_t length, const ap_limits *limits,
                 ap_reader **out, ap_image_info *info, char *err, size_t err_len);

/// Reads the next row as width*4 bytes of RGBA8 into `row`.
/// `check_end`: after the last row, also read the rest of the stream (PNG: CRCs up to IEND).
int ap_reader_read_row(ap_reader *reader, uint8_t *row, int check_end, char *err, size_t err_len);
/// WebP and AVIF: decodes the whole image straight into `rgba` (width*height*4 bytes) instead of the reader's own
/// buffer, before any row was read; afterwards every row counts as read. AP_ERR_INVALID for other formats.
int ap_reader_decode_whole(ap_reader *reader, uint8_t *rgba, char *err, size_t err_len);
/// 1 for readers whose library decodes whole frames (WebP, AVIF).
int ap_reader_decodes_whole(const ap_reader *reader);
/// The ICC profile bytes (owned by the reader) or NULL.
const uint8_t *ap_reader_icc(const ap_reader *reader, size_t *length);
/// The first warning the library gave (empty when none); for diagnostics.
const char *ap_reader_warning(const ap_reader *reader);
void ap_reader_close(ap_reader *reader);

/// Reads up to `capacity` bytes from the start of a file. Returns AP_OK or AP_ERR_IO.
int ap_read_head(const char *path, uint8_t *buffer, size_t capacity, size_t *count, char *err, size_t err_len);

// ---------------------------------------------------------------- writing

typedef struct ap_png_writer ap_png_writer;
typedef struct ap_jpeg_writer ap_jpeg_writer;

/// PNG filter bits (as PNG_FILTER_*): none 0x08, sub 0x10, up 0x20, avg 0x40, paeth 0x80, all 0xF8.
/// channels: 3 (RGB) or 4 (RGBA). path NULL: write into memory (see ap_png_writer_data).
int ap_png_writer_open(const char *path, uint32_t width, uint32_t height, int channels, int level, int filters,
                       const void *icc, size_t icc_length, ap_png_writer **out, char *err, size_t err_len);
/// Adds a text chunk (tEXt, or iTXt when utf8 != 0). Only before the first row.
int ap_png_writer_add_text(ap_png_writer *writer, const char *key, const char *value, int utf8, char *err,
                           size_t err_len);
/// Writes one row given as width*4 RGBA8 bytes. With flatten != 0 the row is composited onto (r,g,b).
/// A 3-channel writer without flatten drops alpha only when the row is opaque; else AP_ERR_NEEDS_BACKGROUND.
int ap_png_writer_write_row(ap_png_writer *writer, const uint8_t *rgba, int flatten, uint8_t r, uint8_t g,
                            uint8_t b, char *err, size_t err_len);
int ap_png_writer_finish(ap_png_writer *writer, char *err, size_t err_len);
const uint8_t *ap_png_writer_data(const ap_png_writer *writer, size_t *length);
void ap_png_writer_free(ap_png_writer *writer);
/// Levels 1-3 and 8-9: images up to this many filtered bytes (height × (1 + width × channels); default and
/// maximum 64 MiB) are buffered and compressed at once (libdeflate), larger ones stream through libpng's
/// zlib, as do levels 0 and 4-7. Before the first row. For tests (it can only lower the limit).
void ap_png_writer_set_whole_image_limit(ap_png_writer *writer, uint64_t bytes);
/// 1 when the writer buffers the image and compresses it at once (libdeflate; zlib for flat images at levels
/// 8-9), decided at the first row; 0 when rows stream through libpng.
int ap_png_writer_whole_image(const ap_png_writer *writer);

/// subsampling: 0 = 4:2:0, 1 = 4:2:2, 2 = 4:4:4.
int ap_jpeg_writer_open(const char *path, uint32_t width, uint32_t height, int quality, int progressive,
                        int subsampling, int optimize, const void *icc, size_t icc_length, ap_jpeg_writer **out,
                        char *err, size_t err_len);
/// Writes an XMP packet as an APP1 segment ("http://ns.adobe.com/xap/1.0/\0" + packet, at most 65,504 bytes).
/// Only before the first row.
int ap_jpeg_writer_add_xmp(ap_jpeg_writer *writer, const void *xmp, size_t length, char *err, size_t err_len);
/// One row of width*4 RGBA8 bytes. Without flatten, any alpha < 255 gives AP_ERR_NEEDS_BACKGROUND.
int ap_jpeg_writer_write_row(ap_jpeg_writer *writer, const uint8_t *rgba, int flatten, uint8_t r, uint8_t g,
                             uint8_t b, char *err, size_t err_len);
int ap_jpeg_writer_finish(ap_jpeg_writer *writer, char *err, size_t err_len);
const uint8_t *ap_jpeg_writer_data(const ap_jpeg_writer *writer, size_t *length);
void ap_jpeg_writer_free(ap_jpeg_writer *writer);

/// WebP and AVIF writers hold the whole image: rows are collected (RGBA8), encoded at finish.
typedef struct ap_plane_writer ap_plane_writer;

/// Largest WebP side (the format stores 14 bits).
#define AP_WEBP_MAX_SIDE 16383

/// quality 0-100 (lossy), or the effort with lossless != 0; method 0-6 (slower = smaller);
/// threads > 1 sets libwebp's thread_level. path NULL: write into memory.
int ap_webp_writer_open(const char *path, uint32_t width, uint32_t height, int quality, int lossless, int method,
                        int threads, const void *icc, size_t icc_length, const void *xmp, size_t xmp_length,
                        ap_plane_writer **out, char *err, size_t err_len);
/// quantizer 0-63 for colour and alpha (0 lossless); speed 0-10; yuv 444, 422 or 420; threads >= 1.
/// Codec: aom when libavif has it, else libavif's choice.
int ap_avif_writer_open(const char *path, uint32_t width, uint32_t height, int quantizer, int alpha_quantizer,
                        int speed, int yuv, int threads, const void *icc, size_t icc_length, const void *xmp,
                        size_t xmp_length, ap_plane_writer **out, char *err, size_t err_len);
/// One row of width*4 RGBA8 bytes; with flatten != 0 composited onto (r,g,b).
int ap_plane_writer_write_row(ap_plane_writer *writer, const uint8_t *rgba, int flatten, uint8_t r, uint8_t g,
                              uint8_t b, char *err, size_t err_len);
/// Encodes (all rows written) and writes the file or keeps the bytes.
int ap_plane_writer_finish(ap_plane_writer *writer, char *err, size_t err_len);
const uint8_t *ap_plane_writer_data(const ap_plane_writer *writer, size_t *length);
void ap_plane_writer_free(ap_plane_writer *writer);
/// 1 when libavif was built with an encoder (aom, rav1e or svt).
int ap_avif_can_encode(void);

/// Loads `library` ("soname|fallback") and looks up `symbol` in it exactly as WebP and AVIF are loaded on first use,
/// then lets it go: AP_OK, or AP_ERR_UNSUPPORTED with the message a missing codec library gives (naming `format`
/// and `packages`). Lets tests check that message without uninstalling a library.
int ap_lazy_library_check(const char *format, const char *library, const char *packages, const char *symbol,
                          char *err, size_t err_len);

// ---------------------------------------------------------------- pixel math (no library calls)

/// Counts alpha == 0 and 0 < alpha < 255 in a row; first/last x with alpha > 0 (-1 when none).
/// Returns 1 when any pixel has alpha < 255.
int ap_alpha_scan(const uint8_t *rgba, size_t width, uint64_t *transparent, uint64_t *translucent,
                  int64_t *first_visible, int64_t *last_visible);
/// Index of the first pixel with alpha < 255, or -1.
int64_t ap_first_non_opaque(const uint8_t *rgba, size_t width);
/// Composites RGBA onto an opaque colour, in place (alpha becomes 255).
void ap_flatten_row(uint8_t *rgba, size_t width, uint8_t r, uint8_t g, uint8_t b);
/// Converts decoded CMYK (4 bytes a pixel) to RGBA in place. inverted: Adobe convention.
void ap_cmyk_to_rgba(uint8_t *row, size_t width, int inverted);
/// Applies EXIF orientation 1-8. dst holds width*height*4 bytes; its size is (h,w) for 5-8.
void ap_orient_rgba(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst, int orientation);
/// Separable Lanczos3 resize with premultiplied alpha. Returns AP_OK or AP_ERR_NOMEM.
int ap_resize_rgba(const uint8_t *src, uint32_t src_width, uint32_t src_height, uint8_t *dst, uint32_t dst_width,
                   uint32_t dst_height);
/// EXIF orientation (TIFF IFD0 tag 0x0112) from an APP1 payload that starts with "Exif\0\0"; 1 when absent/bad.
int ap_exif_orientation(const uint8_t *data, size_t length);

#ifdef __cplusplus
}
#endif

#endif
