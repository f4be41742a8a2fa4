// Streaming readers for PNG (libpng) and JPEG (libjpeg-turbo): open -> read_row -> close.
#include <errno.h>

#include "internal.h"

// Real progressive JPEGs have about 10 scans (mozjpeg ~20). Each scan walks the whole coefficient
// buffer, so a hostile file with thousands of tiny scans would take very long: refuse it.
#define AP_MAX_JPEG_SCANS 200


ap_reader *ap_reader_new(int format, const char *path, const void *data, size_t length,
                                const ap_limits *limits, char *err, size_t err_len, int *code) {
    ap_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        *code = AP_ERR_NOMEM;
        ap_copy_msg(err, err_len, "out of memory");
        return NULL;
    }
    r->format = format;
    r->limits = *limits;
    r->info.format = format;
    r->info.orientation = 1;
    if (path != NULL) {
        r->fp = fopen(path, "rb");
        if (r->fp == NULL) {
            snprintf(err, err_len, "cannot open: %s", strerror(errno));
            *code = AP_ERR_IO;
            free(r);
            return NULL;
        }
    } else {
        r->mem = malloc(length ? length : 1);
        if (r->mem == NULL) {
            *code = AP_ERR_NOMEM;
            ap_copy_msg(err, err_len, "out of memory");
            free(r);
            return NULL;
        }
        if (length) memcpy(r->mem, data, length);
        r->mem_length = length;
    }
    return r;
}

void ap_reader_close(ap_reader *r) {
    if (r == NULL) return;
    if (r->png != NULL) png_destroy_read_struct(&r->png, &r->png_info, NULL);
    if (r->jpeg != NULL) {
        jpeg_destroy_decompress(r->jpeg);
        free(r->jpeg);
    }
    free(r->jerr);
    if (r->fp != NULL) fclose(r->fp);
    free(r->mem);
    free(r->icc);
    free(r->full);
    free(r->rows);
    if (r->codec != NULL && r->codec_free != NULL) r->codec_free(r->codec);
    free(r);
}

const char *ap_reader_warning(const ap_reader *r) { return r->warning; }

const uint8_t *ap_reader_icc(const ap_reader *r, size_t *length) {
    *length = r->icc_length;
    return r->icc;
}

int ap_read_head(const char *path, uint8_t *buffer, size_t capacity, size_t *count, char *err, size_t err_len) {
    *count = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, err_len, "cannot open: %s", strerror(errno));
        return AP_ERR_IO;
    }
    size_t n = fread(buffer, 1, capacity, fp);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        ap_copy_msg(err, err_len, "read error");
        return AP_ERR_IO;
    }
    *count = n;
    return AP_OK;
}

int ap_check_size(ap_reader *r, char *err, size_t err_len) {
    uint64_t w = r->info.width, h = r->info.height;
    if (w == 0 || h == 0) {
        ap_copy_msg(err, err_len, "image has zero width or height");
        return AP_ERR_CORRUPT;
    }
    if (w > r->limits.max_side || h > r->limits.max_side) {
        snprintf(err, err_len, "%llux%llu is over the limit of %u pixels a side", (unsigned long long)w,
                 (unsigned long long)h, r->limits.max_side);
        return AP_ERR_TOO_LARGE;
    }
    if (w * h > r->limits.max_pixels) {
        snprintf(err, err_len, "%llux%llu = %llu pixels is over the limit of %llu pixels", (unsigned long long)w,
                 (unsigned long long)h, (unsigned long long)(w * h), (unsigned long long)r->limits.max_pixels);
        return AP_ERR_TOO_LARGE;
    }
    return AP_OK;
}

// ================================================================= PNG

static void ap_png_error_fn(png_structp png, png_const_charp message) {
    ap_reader *r = png_get_error_ptr(png);
    ap_copy_msg(r->msg, sizeof r->msg, message);
    png_longjmp(png, 1);
}

static void ap_png_warning_fn(png_structp png, png_const_charp message) {
    ap_reader *r = png_get_error_ptr(png);
    if (strstr(message, "exceeds user limit")) r->over_user_limit = 1;
    if (r->warning[0] == 0) ap_copy_msg(r->warning, sizeof r->warning, message);
    // libpng reports an over-long chunk as a *benign* error and then allocates (and zeroes) it
    // anyway: make it fatal, so a tiny file cannot make us allocate a gigabyte.
    if (strstr(message, "chunk data is too large")) png_error(png, message);
}

static void ap_png_mem_read(png_structp png, png_bytep out, size_t length) {
    ap_reader *r = png_get_io_ptr(png);
    if (length > r->mem_length - r->mem_pos) png_error(png, "unexpected end of data (truncated file)");
    memcpy(out, r->mem + r->mem_pos, length);
    r->mem_pos += length;
}

static int ap_png_classify(const char *msg) {
    // A chunk over the chunk limit stays "corrupt": in practice it is a damaged length field.
    if (strstr(msg, "chunk data is too large")) return AP_ERR_CORRUPT;
    if (strstr(msg, "exceeds user limit") || strstr(msg, "is too large for this architecture") ||
        strstr(msg, "Out of memory") || strstr(msg, "out of memory"))
        return AP_ERR_TOO_LARGE;
    return AP_ERR_CORRUPT;
}

int ap_png_open(const char *path, const void *data, size_t length, const ap_limits *limits, ap_reader **out,
                ap_image_info *info, char *err, size_t err_len) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    info->format = AP_FORMAT_PNG;
    info->orientation = 1;
    int code = AP_OK;
    ap_reader *r = ap_reader_new(AP_FORMAT_PNG, path, data, length, limits, err, err_len, &code);
    if (r == NULL) return code;
    r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, ap_png_error_fn, ap_png_warning_fn);
    if (r->png == NULL) {
        ap_reader_close(r);
        ap_copy_msg(err, err_len, "out of memory");
        return AP_ERR_NOMEM;
    }
    r->png_info = png_create_info_struct(r->png);
    if (r->png_info == NULL) {
        ap_reader_close(r);
        ap_copy_msg(err, err_len, "out of memory");
        return AP_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(r->png))) {
        code = r->over_user_limit ? AP_ERR_TOO_LARGE : ap_png_classify(r->msg);
        if (r->over_user_limit)
            snprintf(err, err_len, "%s (%s)", r->warning, r->msg);
        else
            ap_copy_msg(err, err_len, r->msg);
        // A header declaring a size over the limits is refused for that, even when the rest is
        // missing or damaged.
        if (r->info.width == 0 && png_get_image_width(r->png, r->png_info) > 0) {
            r->info.width = png_get_image_width(r->png, r->png_info);
            r->info.height = png_get_image_height(r->png, r->png_info);
            r->info.bit_depth = png_get_bit_depth(r->png, r->png_info);
            r->info.png_color_type = png_get_color_type(r->png, r->png_info);
        }
        if (code != AP_ERR_TOO_LARGE && r->info.width > 0 && r->info.height > 0) {
            char size_msg[AP_MSG_LEN];
            if (ap_check_size(r, size_msg, sizeof size_msg) == AP_ERR_TOO_LARGE) {
                code = AP_ERR_TOO_LARGE;
                ap_copy_msg(err, err_len, size_msg);
            }
        }
        *info = r->info;
        ap_reader_close(r);
        return code;
    }
    uint32_t side = limits->max_side > 0x7fffffffu ? 0x7fffffffu : limits->max_side;
    png_set_user_limits(r->png, side, side);
    png_set_chunk_malloc_max(r->png, (png_alloc_size_t)limits->max_chunk_bytes);
    png_set_chunk_cache_max(r->png, 1000);
    // Text and suggested palettes are never used: skip them (zTXt/iTXt can be decompression bombs).
    static const png_byte skipped[] = {'t', 'E', 'X', 't', 0, 'z', 'T', 'X', 't', 0, 'i', 'T', 'X', 't', 0,
                                       's', 'P', 'L', 'T', 0, 'e', 'X', 'I', 'f', 0};
    png_set_keep_unknown_chunks(r->png, PNG_HANDLE_CHUNK_NEVER, skipped, 5);
    if (r->fp != NULL)
        png_init_io(r->png, r->fp);
    else
        png_set_read_fn(r->png, r, ap_png_mem_read);
    png_read_info(r->png, r->png_info);

    png_uint_32 w = 0, h = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(r->png, r->png_info, &w, &h, &depth, &color, &interlace, NULL, NULL);
    r->info.width = w;
    r->info.height = h;
    r->info.bit_depth = depth;
    r->info.png_color_type = color;
    r->info.interlaced = interlace != PNG_INTERLACE_NONE;
    r->info.has_trns = png_get_valid(r->png, r->png_info, PNG_INFO_tRNS) != 0;
    r->info.has_alpha = (color & PNG_COLOR_MASK_ALPHA) != 0 || r->info.has_trns;
    r->info.components = png_get_channels(r->png, r->png_info);
    png_charp name = NULL;
    int compression = 0;
    png_bytep profile = NULL;
    png_uint_32 profile_length = 0;
    if (png_get_iCCP(r->png, r->png_info, &name, &compression, &profile, &profile_length) && profile != NULL &&
        profile_length > 0) {
        r->icc = malloc(profile_length);
        if (r->icc != NULL) {
            memcpy(r->icc, profile, profile_length);
            r->icc_length = profile_length;
        }
    }
    r->info.icc_length = r->icc_length;
    *info = r->info;
    code = ap_check_size(r, err, err_len);
    if (code != AP_OK) {
        ap_reader_close(r);
        return code;
    }

    // Decode to RGBA8 as stored: expand palette/gray/tRNS, round 16 to 8 bits, no gamma.
    png_set_expand(r->png);
    if (depth == 16) png_set_scale_16(r->png);
    png_set_gray_to_rgb(r->png);
    png_set_add_alpha(r->png, 0xff, PNG_FILLER_AFTER);
    r->passes = png_set_interlace_handling(r->png);
    png_read_update_info(r->png, r->png_info);
    if (png_get_rowbytes(r->png, r->png_info) != (size_t)w * 4 || png_get_bit_depth(r->png, r->png_info) != 8) {
        ap_copy_msg(err, err_len, "unexpected row layout after transformations");
        ap_reader_close(r);
        return AP_ERR_UNSUPPORTED;
    }
    *out = r;
    return AP_OK;
}

static int ap_png_read_row(ap_reader *r, uint8_t *row, int check_end, char *err, size_t err_len) {
    if (setjmp(png_jmpbuf(r->png))) {
        r->failed = ap_png_classify(r->msg);
        ap_copy_msg(err, err_len, r->msg);
        return r->failed;
    }
    size_t stride = (size_t)r->info.width * 4;
    if (r->passes > 1) {
        if (r->full == NULL) {
            size_t total = stride * r->info.height;
            r->full = malloc(total);
            r->rows = malloc(sizeof(png_bytep) * r->info.height);
            if (r->full == NULL || r->rows == NULL) png_error(r->png, "out of memory for an interlaced image");
            for (uint32_t y = 0; y < r->info.height; y++) r->rows[y] = r->full + stride * y;
            png_read_image(r->png, r->rows);  // the reader owns rows: freed on close even after an error
        }
        memcpy(row, r->full + stride * r->next_row, stride);
    } else {
        png_read_row(r->png, row, NULL);
    }
    r->next_row++;
    if (check_end && r->next_row == r->info.height) png_read_end(r->png, r->png_info);
    return AP_OK;
}

// ================================================================= JPEG

static void ap_jpeg_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > AP_MAX_JPEG_SCANS) {
        ap_jpeg_error *e = (ap_jpeg_error *)cinfo->err;
        snprintf(e->msg, sizeof e->msg, "more than %d progressive scans (corrupt or hostile file)",
                 AP_MAX_JPEG_SCANS);
        e->code = AP_ERR_CORRUPT;
        longjmp(e->env, 1);
    }
}

static int ap_jpeg_cs(J_COLOR_SPACE cs) {
    switch (cs) {
    case JCS_GRAYSCALE: return AP_CS_GRAY;
    case JCS_YCbCr: return AP_CS_YCBCR;
    case JCS_RGB: return AP_CS_RGB;
    case JCS_CMYK: return AP_CS_CMYK;
    case JCS_YCCK: return AP_CS_YCCK;
    default: return AP_CS_UNKNOWN;
    }
}

static uint16_t ap_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

/// After JERR_SOF_UNSUPPORTED the source sits on the SOF segment: read its size fields if buffered.
static void ap_jpeg_sof_from_source(ap_reader *r) {
    struct jpeg_source_mgr *src = r->jpeg->src;
    if (src == NULL || src->bytes_in_buffer < 8) return;
    const uint8_t *p = src->next_input_byte;
    r->info.bit_depth = p[2];
    r->info.height = ap_be16(p + 3);
    r->info.width = ap_be16(p + 5);
    r->info.components = p[7];
}

static void ap_jpeg_fill_info(ap_reader *r) {
    struct jpeg_decompress_struct *c = r->jpeg;
    r->info.width = c->image_width;
    r->info.height = c->image_height;
    r->info.bit_depth = c->data_precision;
    r->info.components = c->num_components;
    r->info.color_space = ap_jpeg_cs(c->jpeg_color_space);
    r->info.progressive = c->progressive_mode != 0;
    r->info.arithmetic = c->arith_code != 0;
    r->info.adobe = c->saw_Adobe_marker != 0;
}

int ap_jpeg_open(const char *path, const void *data, size_t length, const ap_limits *limits, ap_reader **out,
                 ap_image_info *info, char *err, size_t err_len) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    info->format = AP_FORMAT_JPEG;
    info->orientation = 1;
    int code = AP_OK;
    ap_reader *r = ap_reader_new(AP_FORMAT_JPEG, path, data, length, limits, err, err_len, &code);
    if (r == NULL) return code;
    r->jpeg = calloc(1, sizeof *r->jpeg);
    r->jerr = calloc(1, sizeof *r->jerr);
    if (r->jpeg == NULL || r->jerr == NULL) {
        free(r->jpeg);
        r->jpeg = NULL;
        ap_reader_close(r);
        ap_copy_msg(err, err_len, "out of memory");
        return AP_ERR_NOMEM;
    }
    ap_jpeg_error_init(r->jerr);
    r->jpeg->err = &r->jerr->pub;
    if (setjmp(r->jerr->env)) {
        code = r->jerr->code ? r->jerr->code : AP_ERR_CORRUPT;
        if (r->jerr->pub.msg_code == JERR_SOF_UNSUPPORTED) ap_jpeg_sof_from_source(r);
        int code_seen = r->jerr->pub.msg_code;
        if (code_seen == JERR_BAD_PRECISION || code_seen == JERR_IMAGE_TOO_BIG || code_seen == JERR_WIDTH_OVERFLOW ||
            r->jpeg->image_width > 0)
            ap_jpeg_fill_info(r);
        if (code != AP_ERR_TOO_LARGE && code != AP_ERR_UNSUPPORTED && r->info.width > 0 && r->info.height > 0) {
            char size_msg[AP_MSG_LEN];
            if (ap_check_size(r, size_msg, sizeof size_msg) == AP_ERR_TOO_LARGE) {
                code = AP_ERR_TOO_LARGE;
                ap_copy_msg(r->jerr->msg, sizeof r->jerr->msg, size_msg);
            }
        }
        ap_copy_msg(err, err_len, r->jerr->msg);
        *info = r->info;
        ap_reader_close(r);
        return code;
    }
    jpeg_create_decompress(r->jpeg);
    // Progressive images keep all coefficients: bound that by the pixel limit (no backing store).
    uint64_t budget = r->limits.max_pixels * 8 + (64u << 20);
    r->jpeg->mem->max_memory_to_use = budget > (uint64_t)0x7fffffff * 8 ? 0x7fffffff : (long)budget;
    r->progress.progress_monitor = ap_jpeg_progress;
    r->jpeg->progress = &r->progress;
    if (r->fp != NULL)
        jpeg_stdio_src(r->jpeg, r->fp);
    else
        jpeg_mem_src(r->jpeg, r->mem, (unsigned long)r->mem_length);
    jpeg_save_markers(r->jpeg, JPEG_APP0 + 1, 0xffff);
    jpeg_save_markers(r->jpeg, JPEG_APP0 + 2, 0xffff);
    jpeg_read_header(r->jpeg, TRUE);
    ap_jpeg_fill_info(r);
    for (jpeg_saved_marker_ptr m = r->jpeg->marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
            r->info.orientation = ap_exif_orientation(m->data, m->data_length);
            break;
        }
    }
    JOCTET *icc = NULL;
    unsigned int icc_length = 0;
    if (jpeg_read_icc_profile(r->jpeg, &icc, &icc_length) && icc != NULL) {
        if (icc_length > 0 && icc_length <= r->limits.max_chunk_bytes) {
            r->icc = icc;
            r->icc_length = icc_length;
        } else {
            free(icc);
        }
    }
    r->info.icc_length = r->icc_length;
    *info = r->info;
    code = ap_check_size(r, err, err_len);
    if (code != AP_OK) {
        ap_reader_close(r);
        return code;
    }
    switch (r->jpeg->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        r->jpeg->out_color_space = JCS_EXT_RGBA;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        r->jpeg->out_color_space = JCS_CMYK;
        r->cmyk = 1;
        break;
    default:
        snprintf(err, err_len, "JPEG with %d components in an unknown colour space", r->jpeg->num_components);
        ap_reader_close(r);
        return AP_ERR_UNSUPPORTED;
    }
    *out = r;
    return AP_OK;
}

static int ap_jpeg_read_row(ap_reader *r, uint8_t *row, char *err, size_t err_len) {
    if (setjmp(r->jerr->env)) {
        r->failed = r->jerr->code ? r->jerr->code : AP_ERR_CORRUPT;
        ap_copy_msg(err, err_len, r->jerr->msg);
        return r->failed;
    }
    if (!r->started) {
        jpeg_start_decompress(r->jpeg);
        r->started = 1;
        if (r->jpeg->output_components != 4 || r->jpeg->output_width != r->info.width) {
            r->jerr->code = AP_ERR_UNSUPPORTED;
            ap_copy_msg(r->jerr->msg, sizeof r->jerr->msg, "unexpected output layout");
            longjmp(r->jerr->env, 1);
        }
    }
    JSAMPROW rows[1] = {row};
    if (jpeg_read_scanlines(r->jpeg, rows, 1) != 1) {
        r->jerr->code = AP_ERR_CORRUPT;
        ap_copy_msg(r->jerr->msg, sizeof r->jerr->msg, "no more scanlines (truncated data)");
        longjmp(r->jerr->env, 1);
    }
    if (r->cmyk) ap_cmyk_to_rgba(row, r->info.width, r->jpeg->saw_Adobe_marker);
    r->next_row++;
    return AP_OK;
}

// ================================================================= all formats

static int ap_whole_read_row(ap_reader *r, uint8_t *row, char *err, size_t err_len);


int ap_reader_read_row(ap_reader *r, uint8_t *row, int check_end, char *err, size_t err_len) {
    if (r->failed) {
        ap_copy_msg(err, err_len, r->format == AP_FORMAT_JPEG ? r->jerr->msg : r->msg);
        return r->failed;
    }
    if (r->next_row >= r->info.height) {
        ap_copy_msg(err, err_len, "all rows were already read");
        return AP_ERR_INVALID;
    }
    if (r->format == AP_FORMAT_PNG) return ap_png_read_row(r, row, check_end, err, err_len);
    if (r->format == AP_FORMAT_JPEG) return ap_jpeg_read_row(r, row, err, err_len);
    return ap_whole_read_row(r, row, err, err_len);
}

// ================================================================= WebP, AVIF: decoded whole, served by rows

int ap_reader_slurp(ap_reader *r, char *err, size_t err_len) {
    if (r->fp == NULL) return AP_OK;
    size_t capacity = 1 << 16, length = 0;
    uint8_t *data = malloc(capacity);
    for (;;) {
        if (data == NULL) {
            ap_copy_msg(err, err_len, "out of memory");
            return AP_ERR_NOMEM;
        }
        size_t n = fread(data + length, 1, capacity - length, r->fp);
        length += n;
        if (length < capacity) break;
        if (capacity >= AP_MAX_WHOLE_FILE) {
            free(data);
            snprintf(err, err_len, "the file is over %llu bytes", (unsigned long long)AP_MAX_WHOLE_FILE);
            return AP_ERR_TOO_LARGE;
        }
        uint8_t *grown = realloc(data, capacity * 2);
        if (grown == NULL) free(data);
        data = grown;
        capacity *= 2;
    }
    if (ferror(r->fp)) {
        free(data);
        ap_copy_msg(err, err_len, "read error");
        return AP_ERR_IO;
    }
    fclose(r->fp);
    r->fp = NULL;
    r->mem = data;
    r->mem_length = length;
    return AP_OK;
}

static int ap_whole_read_row(ap_reader *r, uint8_t *row, char *err, size_t err_len) {
    size_t stride = (size_t)r->info.width * 4;
    if (r->full == NULL) {
        r->full = malloc(stride * r->info.height);
        if (r->full == NULL) {
            ap_copy_msg(r->msg, sizeof r->msg, "out of memory for the decoded image");
            r->failed = AP_ERR_NOMEM;
        } else {
            r->msg[0] = 0;
            int code = r->decode_whole(r, r->full, r->msg, sizeof r->msg);
            if (code != AP_OK) r->failed = code;
        }
        if (r->failed) {
            ap_copy_msg(err, err_len, r->msg);
            return r->failed;
        }
    }
    memcpy(row, r->full + stride * r->next_row, stride);
    r->next_row++;
    return AP_OK;
}

int ap_reader_decode_whole(ap_reader *r, uint8_t *rgba, char *err, size_t err_len) {
    if (r->decode_whole == NULL || r->next_row != 0 || r->full != NULL || r->failed) {
        ap_copy_msg(err, err_len, "the image is not decoded whole, or rows were already read");
        return AP_ERR_INVALID;
    }
    r->msg[0] = 0;
    int code = r->decode_whole(r, rgba, r->msg, sizeof r->msg);
    if (code != AP_OK) {
        r->failed = code;
        ap_copy_msg(err, err_len, r->msg);
        return code;
    }
    r->next_row = r->info.height;
    return AP_OK;
}

int ap_reader_decodes_whole(const ap_reader *r) { return r->decode_whole != NULL; }
