// WebP through libwebp: decoding (WebPDecode; EXIF orientation and ICC profile from the RIFF chunks through
// WebPDemux) and encoding (WebPEncode; ICCP and XMP chunks added with WebPMux). libwebp is loaded on first use
// (lazy_library.c): every call goes through WEBP(name), the headers' inline wrappers spelled out with their ABI
// versions.
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "internal.h"

// The libwebp, libwebpdemux and libwebpmux functions this file calls.
#define AP_WEBP_FUNCTIONS(X) \
    X(WebPInitDecoderConfigInternal) X(WebPGetFeaturesInternal) X(WebPDecode) X(WebPFreeDecBuffer) \
    X(WebPDemuxInternal) X(WebPDemuxGetChunk) X(WebPDemuxReleaseChunkIterator) X(WebPDemuxDelete) \
    X(WebPConfigInitInternal) X(WebPPictureInitInternal) X(WebPValidateConfig) X(WebPPictureImportRGBX) \
    X(WebPPictureImportRGBA) X(WebPPictureFree) X(WebPMemoryWriterInit) X(WebPMemoryWrite) X(WebPEncode) \
    X(WebPMemoryWriterClear) X(WebPFree) X(WebPMuxCreateInternal) X(WebPMuxSetChunk) X(WebPMuxAssemble) \
    X(WebPMuxDelete)

AP_LAZY_FUNCTIONS(ap_webp, AP_WEBP_FUNCTIONS)
// libwebpmux and libwebpdemux each bring libwebp with them.
static ap_lazy_library ap_webp_library = AP_LAZY_LIBRARY("WebP", ap_webp, "libwebp7 libwebpmux3 libwebpdemux2",
                                                         "libwebpmux.so.3|libwebpmux.so",
                                                         "libwebpdemux.so.2|libwebpdemux.so");
#define WEBP(name) AP_LAZY_CALL(ap_webp, name)

static int ap_webp_status_code(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OK: return AP_OK;
    case VP8_STATUS_OUT_OF_MEMORY: return AP_ERR_NOMEM;
    case VP8_STATUS_UNSUPPORTED_FEATURE: return AP_ERR_UNSUPPORTED;
    case VP8_STATUS_INVALID_PARAM: return AP_ERR_INVALID;
    default: return AP_ERR_CORRUPT;  // bitstream error, not enough data (truncated), suspended, aborted
    }
}

static const char *ap_webp_status_text(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OK: return "ok";
    case VP8_STATUS_OUT_OF_MEMORY: return "libwebp: out of memory";
    case VP8_STATUS_INVALID_PARAM: return "libwebp: invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "libwebp: bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "libwebp: unsupported feature";
    case VP8_STATUS_SUSPENDED: return "libwebp: decoding suspended";
    case VP8_STATUS_USER_ABORT: return "libwebp: decoding aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "libwebp: not enough data (truncated file)";
    default: return "libwebp: unknown error";
    }
}

int ap_exif_orientation_tiff(const uint8_t *data, size_t length) {
    if (data == NULL || length < 8) return 1;
    if (length >= 6 && memcmp(data, "Exif\0\0", 6) == 0) return ap_exif_orientation(data, length);
    // A bare TIFF header: give ap_exif_orientation the APP1 form it reads.
    if (length > (64u << 20)) return 1;
    uint8_t *copy = malloc(length + 6);
    if (copy == NULL) return 1;
    memcpy(copy, "Exif\0\0", 6);
    memcpy(copy + 6, data, length);
    int orientation = ap_exif_orientation(copy, length + 6);
    free(copy);
    return orientation;
}

static int ap_webp_decode_whole(ap_reader *r, uint8_t *rgba, char *err, size_t err_len) {
    WebPDecoderConfig config;
    if (!WEBP(WebPInitDecoderConfigInternal)(&config, WEBP_DECODER_ABI_VERSION)) {
        ap_copy_msg(err, err_len, "libwebp version mismatch");
        return AP_ERR_UNSUPPORTED;
    }
    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = rgba;
    config.output.u.RGBA.stride = (int)r->info.width * 4;
    config.output.u.RGBA.size = (size_t)r->info.width * r->info.height * 4;
    VP8StatusCode status = WEBP(WebPDecode)(r->mem, r->mem_length, &config);
    WEBP(WebPFreeDecBuffer)(&config.output);
    if (status != VP8_STATUS_OK) {
        ap_copy_msg(err, err_len, ap_webp_status_text(status));
        return ap_webp_status_code(status);
    }
    if ((uint32_t)config.output.width != r->info.width || (uint32_t)config.output.height != r->info.height) {
        ap_copy_msg(err, err_len, "the decoded size differs from the header's");
        return AP_ERR_CORRUPT;
    }
    return AP_OK;
}

int ap_webp_open(const char *path, const void *data, size_t length, const ap_limits *limits, ap_reader **out,
                 ap_image_info *info, char *err, size_t err_len) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    info->format = AP_FORMAT_WEBP;
    info->orientation = 1;
    int code = ap_lazy_load(&ap_webp_library, err, err_len);
    if (code != AP_OK) return code;
    ap_reader *r = ap_reader_new(AP_FORMAT_WEBP, path, data, length, limits, err, err_len, &code);
    if (r == NULL) return code;
    code = ap_reader_slurp(r, err, err_len);
    if (code != AP_OK) {
        ap_reader_close(r);
        return code;
    }
    WebPBitstreamFeatures features;
    VP8StatusCode status = WEBP(WebPGetFeaturesInternal)(r->mem, r->mem_length, &features, WEBP_DECODER_ABI_VERSION);
    if (status != VP8_STATUS_OK) {
        ap_copy_msg(err, err_len, ap_webp_status_text(status));
        ap_reader_close(r);
        return ap_webp_status_code(status);
    }
    r->info.width = (uint32_t)features.width;
    r->info.height = (uint32_t)features.height;
    r->info.bit_depth = 8;
    r->info.has_alpha = features.has_alpha != 0;
    r->info.lossless = features.format == 2;
    r->info.animated = features.has_animation != 0;
    r->info.components = features.has_alpha ? 4 : 3;
    code = ap_check_size(r, err, err_len);
    if (code != AP_OK) {
        *info = r->info;
        ap_reader_close(r);
        return code;
    }
    if (features.has_animation) {
        *info = r->info;
        ap_copy_msg(err, err_len, "animated WebP");
        ap_reader_close(r);
        return AP_ERR_UNSUPPORTED;
    }
    // Metadata chunks (extended format only). A file WebPDemux refuses is left to WebPDecode to judge.
    WebPData whole = {r->mem, r->mem_length};
    WebPDemuxer *demux = WEBP(WebPDemuxInternal)(&whole, 0, NULL, WEBP_DEMUX_ABI_VERSION);
    if (demux != NULL) {
        WebPChunkIterator chunk;
        if (WEBP(WebPDemuxGetChunk)(demux, "EXIF", 1, &chunk)) {
            r->info.orientation = ap_exif_orientation_tiff(chunk.chunk.bytes, chunk.chunk.size);
            WEBP(WebPDemuxReleaseChunkIterator)(&chunk);
        }
        if (WEBP(WebPDemuxGetChunk)(demux, "ICCP", 1, &chunk)) {
            if (chunk.chunk.size > 0 && chunk.chunk.size <= r->limits.max_chunk_bytes) {
                r->icc = malloc(chunk.chunk.size);
                if (r->icc != NULL) {
                    memcpy(r->icc, chunk.chunk.bytes, chunk.chunk.size);
                    r->icc_length = chunk.chunk.size;
                }
            }
            WEBP(WebPDemuxReleaseChunkIterator)(&chunk);
        }
        WEBP(WebPDemuxDelete)(demux);
    }
    r->info.icc_length = r->icc_length;
    r->decode_whole = ap_webp_decode_whole;
    *info = r->info;
    *out = r;
    return AP_OK;
}

// ---------------------------------------------------------------- encoding

static const char *ap_webp_encoding_error(WebPEncodingError e) {
    switch (e) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY: return "libwebp: out of memory";
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY: return "libwebp: out of memory for the bitstream";
    case VP8_ENC_ERROR_NULL_PARAMETER: return "libwebp: null parameter";
    case VP8_ENC_ERROR_INVALID_CONFIGURATION: return "libwebp: invalid configuration";
    case VP8_ENC_ERROR_BAD_DIMENSION: return "libwebp: bad picture dimension (at most 16383 pixels a side)";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW: return "libwebp: partition 0 overflow (lower the quality)";
    case VP8_ENC_ERROR_PARTITION_OVERFLOW: return "libwebp: partition overflow";
    case VP8_ENC_ERROR_BAD_WRITE: return "libwebp: write error";
    case VP8_ENC_ERROR_FILE_TOO_BIG: return "libwebp: the file would be over 4 GiB";
    default: return "libwebp: encoding error";
    }
}

int ap_webp_encode(ap_plane_writer *w, char *err, size_t err_len) {
    WebPConfig config;
    WebPPicture picture;
    if (!WEBP(WebPConfigInitInternal)(&config, WEBP_PRESET_DEFAULT, 75.f, WEBP_ENCODER_ABI_VERSION) || !WEBP(WebPPictureInitInternal)(&picture, WEBP_ENCODER_ABI_VERSION)) {
        ap_copy_msg(err, err_len, "libwebp version mismatch");
        return AP_ERR_UNSUPPORTED;
    }
    config.lossless = w->lossless;
    config.quality = (float)w->quality;
    config.method = w->method;
    config.thread_level = w->threads > 1 ? 1 : 0;
    if (!WEBP(WebPValidateConfig)(&config)) {
        ap_copy_msg(err, err_len, "libwebp: invalid configuration");
        return AP_ERR_INVALID;
    }
    picture.width = (int)w->width;
    picture.height = (int)w->height;
    picture.use_argb = w->lossless;
    int stride = (int)w->width * 4;
    int imported = w->opaque ? WEBP(WebPPictureImportRGBX)(&picture, w->rgba, stride)
                             : WEBP(WebPPictureImportRGBA)(&picture, w->rgba, stride);
    if (!imported) {
        WEBP(WebPPictureFree)(&picture);
        ap_copy_msg(err, err_len, "libwebp: out of memory importing the pixels");
        return AP_ERR_NOMEM;
    }
    // The RGBA copy is not needed once imported (lossy holds YUVA planes, lossless ARGB).
    free(w->rgba);
    w->rgba = NULL;
    WebPMemoryWriter memory;
    WEBP(WebPMemoryWriterInit)(&memory);
    picture.writer = WEBP(WebPMemoryWrite);
    picture.custom_ptr = &memory;
    int ok = WEBP(WebPEncode)(&config, &picture);
    WebPEncodingError e = picture.error_code;
    WEBP(WebPPictureFree)(&picture);
    if (!ok) {
        WEBP(WebPMemoryWriterClear)(&memory);
        ap_copy_msg(err, err_len, ap_webp_encoding_error(e));
        return e == VP8_ENC_ERROR_OUT_OF_MEMORY || e == VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY ? AP_ERR_NOMEM
               : e == VP8_ENC_ERROR_BAD_DIMENSION                                             ? AP_ERR_TOO_LARGE
                                                                                              : AP_ERR_INVALID;
    }
    if (w->icc_length == 0 && w->xmp_length == 0) {
        w->out = memory.mem;  // allocated by WebPMalloc
        w->out_length = memory.size;
        w->out_free = WEBP(WebPFree);
        return AP_OK;
    }
    // Metadata: let WebPMux write the VP8X header and the ICCP / XMP chunks in their places.
    WebPData image = {memory.mem, memory.size};
    WebPMux *mux = WEBP(WebPMuxCreateInternal)(&image, 0, WEBP_MUX_ABI_VERSION);
    int code = AP_OK;
    WebPData assembled = {NULL, 0};
    if (mux == NULL) {
        ap_copy_msg(err, err_len, "libwebp: cannot add metadata (out of memory)");
        code = AP_ERR_NOMEM;
    } else {
        WebPMuxError me = WEBP_MUX_OK;
        if (w->icc_length > 0) {
            WebPData icc = {w->icc, w->icc_length};
            me = WEBP(WebPMuxSetChunk)(mux, "ICCP", &icc, 0);
        }
        if (me == WEBP_MUX_OK && w->xmp_length > 0) {
            WebPData xmp = {w->xmp, w->xmp_length};
            me = WEBP(WebPMuxSetChunk)(mux, "XMP ", &xmp, 0);
        }
        if (me == WEBP_MUX_OK) me = WEBP(WebPMuxAssemble)(mux, &assembled);
        if (me != WEBP_MUX_OK) {
            snprintf(err, err_len, "libwebp: cannot add metadata (mux error %d)", (int)me);
            code = me == WEBP_MUX_MEMORY_ERROR ? AP_ERR_NOMEM : AP_ERR_INVALID;
        }
        WEBP(WebPMuxDelete)(mux);
    }
    WEBP(WebPMemoryWriterClear)(&memory);
    if (code != AP_OK) {
        WEBP(WebPFree)((void *)assembled.bytes);
        return code;
    }
    w->out = (uint8_t *)assembled.bytes;
    w->out_length = assembled.size;
    w->out_free = WEBP(WebPFree);
    return AP_OK;
}

int ap_webp_writer_open(const char *path, uint32_t width, uint32_t height, int quality, int lossless, int method,
                        int threads, const void *icc, size_t icc_length, const void *xmp, size_t xmp_length,
                        ap_plane_writer **out, char *err, size_t err_len) {
    *out = NULL;
    int loaded = ap_lazy_load(&ap_webp_library, err, err_len);
    if (loaded != AP_OK) return loaded;
    if (width > AP_WEBP_MAX_SIDE || height > AP_WEBP_MAX_SIDE) {
        snprintf(err, err_len, "%ux%u is over WebP's limit of %d pixels a side", width, height, AP_WEBP_MAX_SIDE);
        return AP_ERR_TOO_LARGE;
    }
    if (quality < 0 || quality > 100 || method < 0 || method > 6) {
        snprintf(err, err_len, "WebP quality %d (0-100) or method %d (0-6) out of range", quality, method);
        return AP_ERR_INVALID;
    }
    int code = AP_OK;
    ap_plane_writer *w =
        ap_plane_writer_new(AP_FORMAT_WEBP, path, width, height, icc, icc_length, xmp, xmp_length, err, err_len, &code);
    if (w == NULL) return code;
    w->quality = quality;
    w->lossless = lossless != 0;
    w->method = method;
    w->threads = threads;
    w->encode = ap_webp_encode;
    *out = w;
    return AP_OK;
}
