// Streaming writers for PNG (libpng) and JPEG (libjpeg-turbo), to a file or to memory.
#include <errno.h>

#include "internal.h"

// The part of opening a writer both formats share: a one-row scratch buffer (width × 4 bytes) and, for a file
// destination, the file itself. On failure nothing is left open that the writer's own free would not release.
static int ap_writer_prepare(const char *path, uint32_t width, uint8_t **scratch, FILE **fp, char *err,
                             size_t err_len) {
    *scratch = malloc((size_t)width * 4);
    if (*scratch == NULL) return AP_ERR_NOMEM;
    if (path != NULL) {
        *fp = fopen(path, "wb");
        if (*fp == NULL) {
            snprintf(err, err_len, "cannot create: %s", strerror(errno));
            return AP_ERR_IO;
        }
    }
    return AP_OK;
}

// The part of finishing a writer both formats share: a file destination is flushed, and a write error (a full
// disk) fails the writer. Memory destinations have nothing to flush.
static int ap_writer_flush(FILE *fp, int *failed, char *err, size_t err_len) {
    if (fp != NULL && (fflush(fp) != 0 || ferror(fp))) {
        snprintf(err, err_len, "write failed: %s", strerror(errno));
        *failed = AP_ERR_IO;
        return AP_ERR_IO;
    }
    return AP_OK;
}

// ================================================================= PNG

struct ap_png_writer {
    png_structp png;
    png_infop info;
    FILE *fp;
    uint8_t *buffer;
    size_t length;
    size_t capacity;
    uint32_t width;
    uint32_t height;
    uint32_t row;
    int channels;
    int level;
    int filters;
    int header_written;
    int failed;
    uint8_t *scratch;
    // Set at the first row when the image is small enough (see png_idat.c); NULL: libpng's streaming zlib.
    ap_idat *idat;
    int whole_image;  // idat was used (it is released once the IDAT is written)
    uint64_t whole_image_max;
    char msg[AP_MSG_LEN];
};

static void ap_pngw_error(png_structp png, png_const_charp message) {
    ap_png_writer *w = png_get_error_ptr(png);
    ap_copy_msg(w->msg, sizeof w->msg, message);
    png_longjmp(png, 1);
}

static void ap_pngw_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void ap_pngw_mem_write(png_structp png, png_bytep data, size_t length) {
    ap_png_writer *w = png_get_io_ptr(png);
    if (length > w->capacity - w->length) {
        size_t capacity = w->capacity ? w->capacity : 65536;
        while (length > capacity - w->length) {
            if (capacity > SIZE_MAX / 2) png_error(png, "out of memory");
            capacity *= 2;
        }
        uint8_t *grown = realloc(w->buffer, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        w->buffer = grown;
        w->capacity = capacity;
    }
    memcpy(w->buffer + w->length, data, length);
    w->length += length;
}

static void ap_pngw_mem_flush(png_structp png) { (void)png; }

// The code for an error libpng raised while writing rows or chunks.
static int ap_pngw_failure(const ap_png_writer *w) {
    return strstr(w->msg, "out of memory") || strstr(w->msg, "Out of memory") ? AP_ERR_NOMEM : AP_ERR_IO;
}

void ap_png_writer_free(ap_png_writer *w) {
    if (w == NULL) return;
    if (w->png != NULL) png_destroy_write_struct(&w->png, &w->info);
    ap_idat_free(w->idat);
    if (w->fp != NULL) fclose(w->fp);
    free(w->buffer);
    free(w->scratch);
    free(w);
}

int ap_png_writer_open(const char *path, uint32_t width, uint32_t height, int channels, int level, int filters,
                       const void *icc, size_t icc_length, ap_png_writer **out, char *err, size_t err_len) {
    *out = NULL;
    if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu || (channels != 3 && channels != 4) ||
        level < 0 || level > 9) {
        ap_copy_msg(err, err_len, "invalid PNG writer parameters");
        return AP_ERR_INVALID;
    }
    ap_png_writer *w = calloc(1, sizeof *w);
    if (w == NULL) return AP_ERR_NOMEM;
    w->width = width;
    w->height = height;
    w->channels = channels;
    w->level = level;
    w->filters = filters;
    w->whole_image_max = AP_PNG_WHOLE_IMAGE_MAX;
    int prepared = ap_writer_prepare(path, width, &w->scratch, &w->fp, err, err_len);
    if (prepared != AP_OK) {
        ap_png_writer_free(w);
        return prepared;
    }
    w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, w, ap_pngw_error, ap_pngw_warning);
    if (w->png == NULL || (w->info = png_create_info_struct(w->png)) == NULL) {
        ap_png_writer_free(w);
        return AP_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(w->png))) {
        ap_copy_msg(err, err_len, w->msg);
        int code = strstr(w->msg, "ICC") || strstr(w->msg, "iCCP") || strstr(w->msg, "profile") ? AP_ERR_INVALID
                                                                                                 : AP_ERR_IO;
        ap_png_writer_free(w);
        return code;
    }
    if (w->fp != NULL)
        png_init_io(w->png, w->fp);
    else
        png_set_write_fn(w->png, w, ap_pngw_mem_write, ap_pngw_mem_flush);
    png_set_compression_level(w->png, level);
    png_set_filter(w->png, PNG_FILTER_TYPE_BASE, filters & PNG_ALL_FILTERS ? filters & PNG_ALL_FILTERS : PNG_NO_FILTERS);
    png_set_IHDR(w->png, w->info, width, height, 8, channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    if (icc != NULL && icc_length > 0) {
        if (icc_length > 0xffffffffu) png_error(w->png, "ICC profile too large");
        png_set_iCCP(w->png, w->info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, (png_const_bytep)icc,
                     (png_uint_32)icc_length);
        if (!png_get_valid(w->png, w->info, PNG_INFO_iCCP)) png_error(w->png, "the ICC profile was refused");
    }
    *out = w;
    return AP_OK;
}

int ap_png_writer_add_text(ap_png_writer *w, const char *key, const char *value, int utf8, char *err,
                           size_t err_len) {
    if (w->header_written || w->failed) {
        ap_copy_msg(err, err_len, "text must be added before the first row");
        return AP_ERR_INVALID;
    }
    size_t key_length = strlen(key);
    if (key_length < 1 || key_length > 79) {
        ap_copy_msg(err, err_len, "a PNG text key must be 1 to 79 characters");
        return AP_ERR_INVALID;
    }
    if (setjmp(png_jmpbuf(w->png))) {
        w->failed = AP_ERR_INVALID;
        ap_copy_msg(err, err_len, w->msg);
        return w->failed;
    }
    png_text text;
    memset(&text, 0, sizeof text);
    text.compression = utf8 ? PNG_ITXT_COMPRESSION_NONE : PNG_TEXT_COMPRESSION_NONE;
    text.key = (png_charp)key;
    text.text = (png_charp)value;
    text.text_length = utf8 ? 0 : strlen(value);
    text.itxt_length = utf8 ? strlen(value) : 0;
    png_set_text(w->png, w->info, &text, 1);
    return AP_OK;
}

int ap_png_writer_write_row(ap_png_writer *w, const uint8_t *rgba, int flatten, uint8_t r, uint8_t g, uint8_t b,
                            char *err, size_t err_len) {
    if (w->failed) {
        ap_copy_msg(err, err_len, w->msg);
        return w->failed;
    }
    if (w->row >= w->height) {
        ap_copy_msg(err, err_len, "all rows were already written");
        return AP_ERR_INVALID;
    }
    const uint8_t *source = rgba;
    if (flatten) {
        memcpy(w->scratch, rgba, (size_t)w->width * 4);
        ap_flatten_row(w->scratch, w->width, r, g, b);
        source = w->scratch;
    } else if (w->channels == 3 && ap_first_non_opaque(rgba, w->width) >= 0) {
        ap_copy_msg(err, err_len, "the row has transparent pixels but the PNG has no alpha channel");
        return AP_ERR_NEEDS_BACKGROUND;
    }
    if (w->channels == 3) {
        // RGBA -> RGB in place in scratch (reading ahead of writing).
        if (source != w->scratch) memcpy(w->scratch, source, (size_t)w->width * 4);
        for (size_t x = 0; x < w->width; x++) {
            w->scratch[x * 3] = w->scratch[x * 4];
            w->scratch[x * 3 + 1] = w->scratch[x * 4 + 1];
            w->scratch[x * 3 + 2] = w->scratch[x * 4 + 2];
        }
        source = w->scratch;
    }
    if (setjmp(png_jmpbuf(w->png))) {
        w->failed = ap_pngw_failure(w);
        ap_copy_msg(err, err_len, w->msg);
        return w->failed;
    }
    if (!w->header_written) {
        png_write_info(w->png, w->info);
        w->header_written = 1;
        // libdeflate needs the whole image: only when it fits under the limit; out of memory, stream instead.
        if (ap_idat_deflate_level(w->level) > 0 &&
            ap_idat_filtered_size(w->width, w->height, w->channels) <= w->whole_image_max)
            w->idat = ap_idat_open(w->width, w->height, w->channels, w->filters, w->level);
        w->whole_image = w->idat != NULL;
    }
    if (w->idat != NULL)
        ap_idat_add_row(w->idat, source);
    else
        png_write_row(w->png, (png_const_bytep)source);
    w->row++;
    return AP_OK;
}

int ap_png_writer_finish(ap_png_writer *w, char *err, size_t err_len) {
    if (w->failed) {
        ap_copy_msg(err, err_len, w->msg);
        return w->failed;
    }
    if (w->row != w->height) {
        ap_copy_msg(err, err_len, "not all rows were written");
        return AP_ERR_INVALID;
    }
    if (setjmp(png_jmpbuf(w->png))) {
        w->failed = ap_pngw_failure(w);
        ap_copy_msg(err, err_len, w->msg);
        return w->failed;
    }
    if (w->idat != NULL) {
        const uint8_t *data;
        size_t length;
        int code = ap_idat_compress(w->idat, &data, &length, w->msg, sizeof w->msg);
        if (code != AP_OK) {
            w->failed = code;
            ap_copy_msg(err, err_len, w->msg);
            return code;
        }
        for (size_t at = 0; at < length; at += AP_PNG_IDAT_CHUNK_MAX)
            png_write_chunk(w->png, (png_const_bytep) "IDAT", data + at,
                            length - at < AP_PNG_IDAT_CHUNK_MAX ? length - at : AP_PNG_IDAT_CHUNK_MAX);
        // Not png_write_end: libpng never saw an IDAT of its own and would stop with "No IDATs written
        // into file". Nothing else is due after IDAT (text and iCCP went out with png_write_info).
        png_write_chunk(w->png, (png_const_bytep) "IEND", NULL, 0);
        ap_idat_free(w->idat);
        w->idat = NULL;
    } else {
        png_write_end(w->png, w->info);
    }
    return ap_writer_flush(w->fp, &w->failed, err, err_len);
}

const uint8_t *ap_png_writer_data(const ap_png_writer *w, size_t *length) {
    *length = w->length;
    return w->buffer;
}

void ap_png_writer_set_whole_image_limit(ap_png_writer *w, uint64_t bytes) {
    w->whole_image_max = bytes < AP_PNG_WHOLE_IMAGE_MAX ? bytes : AP_PNG_WHOLE_IMAGE_MAX;
}

int ap_png_writer_whole_image(const ap_png_writer *w) { return w->whole_image; }

// ================================================================= JPEG

struct ap_jpeg_writer {
    struct jpeg_compress_struct cinfo;
    ap_jpeg_error jerr;
    int created;
    FILE *fp;
    unsigned char *buffer;
    unsigned long length;
    uint32_t width;
    uint32_t height;
    uint32_t row;
    int failed;
    uint8_t *scratch;
};

void ap_jpeg_writer_free(ap_jpeg_writer *w) {
    if (w == NULL) return;
    if (w->created) jpeg_destroy_compress(&w->cinfo);
    if (w->fp != NULL) fclose(w->fp);
    free(w->buffer);
    free(w->scratch);
    free(w);
}

int ap_jpeg_writer_open(const char *path, uint32_t width, uint32_t height, int quality, int progressive,
                        int subsampling, int optimize, const void *icc, size_t icc_length, ap_jpeg_writer **out,
                        char *err, size_t err_len) {
    *out = NULL;
    if (width == 0 || height == 0 || width > 65500 || height > 65500 || quality < 1 || quality > 100 ||
        subsampling < 0 || subsampling > 2) {
        ap_copy_msg(err, err_len, width > 65500 || height > 65500 ? "JPEG is limited to 65500 pixels a side"
                                                                     : "invalid JPEG writer parameters");
        return AP_ERR_INVALID;
    }
    if (icc_length > 0xffffffffu) {
        ap_copy_msg(err, err_len, "ICC profile too large");
        return AP_ERR_INVALID;
    }
    ap_jpeg_writer *w = calloc(1, sizeof *w);
    if (w == NULL) return AP_ERR_NOMEM;
    w->width = width;
    w->height = height;
    int prepared = ap_writer_prepare(path, width, &w->scratch, &w->fp, err, err_len);
    if (prepared != AP_OK) {
        ap_jpeg_writer_free(w);
        return prepared;
    }
    ap_jpeg_error_init(&w->jerr);
    w->cinfo.err = &w->jerr.pub;
    if (setjmp(w->jerr.env)) {
        ap_copy_msg(err, err_len, w->jerr.msg);
        int code = w->jerr.code == AP_ERR_CORRUPT ? AP_ERR_IO : w->jerr.code;
        ap_jpeg_writer_free(w);
        return code;
    }
    jpeg_create_compress(&w->cinfo);
    w->created = 1;
    if (w->fp != NULL)
        jpeg_stdio_dest(&w->cinfo, w->fp);
    else
        jpeg_mem_dest(&w->cinfo, &w->buffer, &w->length);
    w->cinfo.image_width = width;
    w->cinfo.image_height = height;
    w->cinfo.input_components = 4;
    w->cinfo.in_color_space = JCS_EXT_RGBX;
    jpeg_set_defaults(&w->cinfo);
    jpeg_set_quality(&w->cinfo, quality, TRUE);
    w->cinfo.optimize_coding = optimize ? TRUE : FALSE;
    if (progressive) jpeg_simple_progression(&w->cinfo);
    int h = subsampling == 2 ? 1 : 2, v = subsampling == 0 ? 2 : 1;
    w->cinfo.comp_info[0].h_samp_factor = h;
    w->cinfo.comp_info[0].v_samp_factor = v;
    for (int i = 1; i < w->cinfo.num_components; i++) {
        w->cinfo.comp_info[i].h_samp_factor = 1;
        w->cinfo.comp_info[i].v_samp_factor = 1;
    }
    jpeg_start_compress(&w->cinfo, TRUE);
    if (icc != NULL && icc_length > 0)
        jpeg_write_icc_profile(&w->cinfo, (const JOCTET *)icc, (unsigned int)icc_length);
    *out = w;
    return AP_OK;
}

int ap_jpeg_writer_add_xmp(ap_jpeg_writer *w, const void *xmp, size_t length, char *err, size_t err_len) {
    static const char ns[] = "http://ns.adobe.com/xap/1.0/";  // written with its NUL
    if (w->failed || w->row > 0) {
        ap_copy_msg(err, err_len, "XMP must be added before the first row");
        return AP_ERR_INVALID;
    }
    if (length == 0 || length + sizeof ns > 65533) {
        ap_copy_msg(err, err_len, "an XMP packet in JPEG is 1 to 65,504 bytes (one APP1 segment)");
        return AP_ERR_INVALID;
    }
    if (setjmp(w->jerr.env)) {
        w->failed = w->jerr.code == AP_ERR_CORRUPT ? AP_ERR_IO : w->jerr.code;
        ap_copy_msg(err, err_len, w->jerr.msg);
        return w->failed;
    }
    jpeg_write_m_header(&w->cinfo, JPEG_APP0 + 1, (unsigned int)(length + sizeof ns));
    for (size_t i = 0; i < sizeof ns; i++) jpeg_write_m_byte(&w->cinfo, ns[i]);
    const uint8_t *p = xmp;
    for (size_t i = 0; i < length; i++) jpeg_write_m_byte(&w->cinfo, p[i]);
    return AP_OK;
}

int ap_jpeg_writer_write_row(ap_jpeg_writer *w, const uint8_t *rgba, int flatten, uint8_t r, uint8_t g, uint8_t b,
                             char *err, size_t err_len) {
    if (w->failed) {
        ap_copy_msg(err, err_len, w->jerr.msg);
        return w->failed;
    }
    if (w->row >= w->height) {
        ap_copy_msg(err, err_len, "all rows were already written");
        return AP_ERR_INVALID;
    }
    const uint8_t *source = rgba;
    if (flatten) {
        memcpy(w->scratch, rgba, (size_t)w->width * 4);
        ap_flatten_row(w->scratch, w->width, r, g, b);
        source = w->scratch;
    } else if (ap_first_non_opaque(rgba, w->width) >= 0) {
        ap_copy_msg(err, err_len, "the image has transparent pixels and JPEG has no alpha: give a background");
        return AP_ERR_NEEDS_BACKGROUND;
    }
    if (setjmp(w->jerr.env)) {
        w->failed = w->jerr.code == AP_ERR_CORRUPT ? AP_ERR_IO : w->jerr.code;
        ap_copy_msg(err, err_len, w->jerr.msg);
        return w->failed;
    }
    JSAMPROW rows[1] = {(JSAMPROW)source};
    jpeg_write_scanlines(&w->cinfo, rows, 1);
    w->row++;
    return AP_OK;
}

int ap_jpeg_writer_finish(ap_jpeg_writer *w, char *err, size_t err_len) {
    if (w->failed) {
        ap_copy_msg(err, err_len, w->jerr.msg);
        return w->failed;
    }
    if (w->row != w->height) {
        ap_copy_msg(err, err_len, "not all rows were written");
        return AP_ERR_INVALID;
    }
    if (setjmp(w->jerr.env)) {
        w->failed = w->jerr.code == AP_ERR_CORRUPT ? AP_ERR_IO : w->jerr.code;
        ap_copy_msg(err, err_len, w->jerr.msg);
        return w->failed;
    }
    jpeg_finish_compress(&w->cinfo);
    return ap_writer_flush(w->fp, &w->failed, err, err_len);
}

const uint8_t *ap_jpeg_writer_data(const ap_jpeg_writer *w, size_t *length) {
    *length = w->length;
    return w->buffer;
}
