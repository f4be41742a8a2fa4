// AVIF through libavif: decoding (avifDecoder, first frame; `irot`/`imir` reported as the equivalent EXIF
// orientation, applied by the caller like a JPEG's) and encoding (avifEncoder, aom when present). libavif is loaded
// on first use (lazy_library.c): every call goes through AVIF(name).
#include <avif/avif.h>

#include "internal.h"

// The libavif functions this file calls.
#define AP_AVIF_FUNCTIONS(X) \
    X(avifResultToString) X(avifRGBImageSetDefaults) X(avifCodecName) X(avifRWDataFree) X(avifImageYUVToRGB) \
    X(avifImageSetProfileICC) X(avifImageSetMetadataXMP) X(avifImageRGBToYUV) X(avifImageDestroy) \
    X(avifImageCreate) X(avifFree) X(avifEncoderWrite) X(avifEncoderDestroy) X(avifEncoderCreate) \
    X(avifDecoderSetIOMemory) X(avifDecoderParse) X(avifDecoderNextImage) X(avifDecoderDestroy) \
    X(avifDecoderCreate)

AP_LAZY_FUNCTIONS(ap_avif, AP_AVIF_FUNCTIONS)
// The library whose headers this was compiled with (Debian's libavif15 is libavif 0.11), else the development link.
static ap_lazy_library ap_avif_library = AP_LAZY_LIBRARY("AVIF", ap_avif, "libavif15", "libavif.so.15|libavif.so");
#define AVIF(name) AP_LAZY_CALL(ap_avif, name)

static int ap_avif_load(char *err, size_t err_len) { return ap_lazy_load(&ap_avif_library, err, err_len); }

static int ap_avif_result_code(avifResult result) {
    switch (result) {
    case AVIF_RESULT_OK: return AP_OK;
    case AVIF_RESULT_OUT_OF_MEMORY: return AP_ERR_NOMEM;
    case AVIF_RESULT_NO_CODEC_AVAILABLE:
    case AVIF_RESULT_NOT_IMPLEMENTED:
    case AVIF_RESULT_UNSUPPORTED_DEPTH: return AP_ERR_UNSUPPORTED;
    case AVIF_RESULT_IO_ERROR: return AP_ERR_IO;
    case AVIF_RESULT_INVALID_ARGUMENT:
    case AVIF_RESULT_INVALID_CODEC_SPECIFIC_OPTION:
    case AVIF_RESULT_NO_YUV_FORMAT_SELECTED: return AP_ERR_INVALID;
    default: return AP_ERR_CORRUPT;  // parse failures, truncated data, decode failures, size mismatches
    }
}

/// "<result>: <diagnostic>" (libavif's diagnostic names what failed, e.g. which box).
static void ap_avif_message(char *err, size_t err_len, avifResult result, const avifDiagnostics *diag) {
    if (diag != NULL && diag->error[0] != 0)
        snprintf(err, err_len, "libavif: %s: %s", AVIF(avifResultToString)(result), diag->error);
    else
        snprintf(err, err_len, "libavif: %s", AVIF(avifResultToString)(result));
}

/// The EXIF orientation that shows the picture as `irot` (anticlockwise quarter turns) then `imir`
/// (0 top-bottom, 1 left-right) do (HEIF applies rotation before mirroring).
static int ap_avif_orientation(const avifImage *image) {
    int angle = (image->transformFlags & AVIF_TRANSFORM_IROT) ? (image->irot.angle & 3) : 0;
    int mirror = (image->transformFlags & AVIF_TRANSFORM_IMIR) ? (image->imir.mode ? 1 : 0) : -1;
    static const int table[4][3] = {
        // no mirror, top-bottom, left-right
        {1, 4, 2},
        {8, 5, 7},
        {3, 2, 4},
        {6, 7, 5},
    };
    return table[angle][mirror + 1];
}

static void ap_avif_decoder_free(void *decoder) { AVIF(avifDecoderDestroy)(decoder); }

static int ap_avif_decode_whole(ap_reader *r, uint8_t *rgba, char *err, size_t err_len) {
    avifDecoder *decoder = r->codec;
    avifResult result = AVIF(avifDecoderNextImage)(decoder);
    if (result != AVIF_RESULT_OK) {
        ap_avif_message(err, err_len, result, &decoder->diag);
        return ap_avif_result_code(result);
    }
    avifImage *image = decoder->image;
    if (image->width != r->info.width || image->height != r->info.height) {
        ap_copy_msg(err, err_len, "the decoded size differs from the header's");
        return AP_ERR_CORRUPT;
    }
    avifRGBImage rgb;
    AVIF(avifRGBImageSetDefaults)(&rgb, image);
    rgb.format = AVIF_RGB_FORMAT_RGBA;
    rgb.depth = 8;
    rgb.pixels = rgba;
    rgb.rowBytes = r->info.width * 4;
    result = AVIF(avifImageYUVToRGB)(image, &rgb);
    if (result != AVIF_RESULT_OK) {
        ap_avif_message(err, err_len, result, NULL);
        return ap_avif_result_code(result);
    }
    return AP_OK;
}

int ap_avif_open(const char *path, const void *data, size_t length, const ap_limits *limits, ap_reader **out,
                 ap_image_info *info, char *err, size_t err_len) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    info->format = AP_FORMAT_AVIF;
    info->orientation = 1;
    int code = ap_avif_load(err, err_len);
    if (code != AP_OK) return code;
    ap_reader *r = ap_reader_new(AP_FORMAT_AVIF, path, data, length, limits, err, err_len, &code);
    if (r == NULL) return code;
    code = ap_reader_slurp(r, err, err_len);
    if (code != AP_OK) {
        ap_reader_close(r);
        return code;
    }
    avifDecoder *decoder = AVIF(avifDecoderCreate)();
    if (decoder == NULL) {
        ap_copy_msg(err, err_len, "out of memory");
        ap_reader_close(r);
        return AP_ERR_NOMEM;
    }
    r->codec = decoder;
    r->codec_free = ap_avif_decoder_free;
    decoder->maxThreads = 1;
    decoder->ignoreExif = AVIF_TRUE;
    decoder->ignoreXMP = AVIF_TRUE;
    // libavif's own limits (16384² pixels, 32768 a side) stay as they are: ours are checked right after the
    // parse, before any pixel is decoded, with a message that names the size and the flag that raises them.
    avifResult result = AVIF(avifDecoderSetIOMemory)(decoder, r->mem, r->mem_length);
    if (result == AVIF_RESULT_OK) result = AVIF(avifDecoderParse)(decoder);
    if (result != AVIF_RESULT_OK) {
        ap_avif_message(err, err_len, result, &decoder->diag);
        code = ap_avif_result_code(result);
        // A size over libavif's limit (the ones set from ours) is reported as a parse failure.
        if (strstr(decoder->diag.error, "dimension") != NULL || strstr(decoder->diag.error, "too large") != NULL ||
            strstr(decoder->diag.error, "exceed") != NULL)
            code = AP_ERR_TOO_LARGE;
        *info = r->info;
        ap_reader_close(r);
        return code;
    }
    avifImage *image = decoder->image;
    r->info.width = image->width;
    r->info.height = image->height;
    r->info.bit_depth = (int)image->depth;
    r->info.has_alpha = decoder->alphaPresent != 0;
    r->info.components = (image->yuvFormat == AVIF_PIXEL_FORMAT_YUV400 ? 1 : 3) + (decoder->alphaPresent ? 1 : 0);
    r->info.animated = decoder->imageCount > 1;
    switch (image->yuvFormat) {
    case AVIF_PIXEL_FORMAT_YUV444: r->info.yuv_format = 444; break;
    case AVIF_PIXEL_FORMAT_YUV422: r->info.yuv_format = 422; break;
    case AVIF_PIXEL_FORMAT_YUV420: r->info.yuv_format = 420; break;
    case AVIF_PIXEL_FORMAT_YUV400: r->info.yuv_format = 400; break;
    default: r->info.yuv_format = 0; break;
    }
    r->info.orientation = ap_avif_orientation(image);
    if (image->icc.size > 0 && image->icc.size <= r->limits.max_chunk_bytes) {
        r->icc = malloc(image->icc.size);
        if (r->icc != NULL) {
            memcpy(r->icc, image->icc.data, image->icc.size);
            r->icc_length = image->icc.size;
        }
    }
    r->info.icc_length = r->icc_length;
    *info = r->info;
    code = ap_check_size(r, err, err_len);
    if (code != AP_OK) {
        ap_reader_close(r);
        return code;
    }
    r->decode_whole = ap_avif_decode_whole;
    *out = r;
    return AP_OK;
}

// ---------------------------------------------------------------- encoding

int ap_avif_can_encode(void) {
    char ignored[8];
    if (ap_avif_load(ignored, sizeof ignored) != AP_OK) return 0;
    return AVIF(avifCodecName)(AVIF_CODEC_CHOICE_AUTO, AVIF_CODEC_FLAG_CAN_ENCODE) != NULL;
}

static void ap_avif_out_free(void *out) { AVIF(avifFree)(out); }

int ap_avif_encode(ap_plane_writer *w, char *err, size_t err_len) {
    avifPixelFormat yuv = w->yuv == 420 ? AVIF_PIXEL_FORMAT_YUV420
                        : w->yuv == 422 ? AVIF_PIXEL_FORMAT_YUV422
                                        : AVIF_PIXEL_FORMAT_YUV444;
    avifImage *image = AVIF(avifImageCreate)(w->width, w->height, 8, yuv);
    avifEncoder *encoder = AVIF(avifEncoderCreate)();
    avifRWData output = AVIF_DATA_EMPTY;
    int code = AP_OK;
    if (image == NULL || encoder == NULL) {
        ap_copy_msg(err, err_len, "libavif: out of memory");
        code = AP_ERR_NOMEM;
        goto done;
    }
    // As avifenc does for PNG input: full range, BT.601 matrix, sRGB-ish CICP left unspecified.
    image->yuvRange = AVIF_RANGE_FULL;
    avifRGBImage rgb;
    AVIF(avifRGBImageSetDefaults)(&rgb, image);
    rgb.format = AVIF_RGB_FORMAT_RGBA;
    rgb.depth = 8;
    rgb.pixels = w->rgba;
    rgb.rowBytes = w->width * 4;
    rgb.ignoreAlpha = w->opaque ? AVIF_TRUE : AVIF_FALSE;
    avifResult result = AVIF(avifImageRGBToYUV)(image, &rgb);
    if (result != AVIF_RESULT_OK) {
        ap_avif_message(err, err_len, result, NULL);
        code = ap_avif_result_code(result);
        goto done;
    }
    // The RGBA copy is not needed once converted to YUV(A) planes.
    free(w->rgba);
    w->rgba = NULL;
    if (w->icc_length > 0) AVIF(avifImageSetProfileICC)(image, w->icc, w->icc_length);
    if (w->xmp_length > 0) AVIF(avifImageSetMetadataXMP)(image, w->xmp, w->xmp_length);
    if (AVIF(avifCodecName)(AVIF_CODEC_CHOICE_AOM, AVIF_CODEC_FLAG_CAN_ENCODE) != NULL)
        encoder->codecChoice = AVIF_CODEC_CHOICE_AOM;
    encoder->maxThreads = w->threads > 0 ? w->threads : 1;
    encoder->speed = w->speed;
    encoder->minQuantizer = w->quantizer;
    encoder->maxQuantizer = w->quantizer;
    encoder->minQuantizerAlpha = w->alpha_quantizer;
    encoder->maxQuantizerAlpha = w->alpha_quantizer;
    result = AVIF(avifEncoderWrite)(encoder, image, &output);
    if (result != AVIF_RESULT_OK) {
        ap_avif_message(err, err_len, result, &encoder->diag);
        code = ap_avif_result_code(result);
        if (code == AP_ERR_CORRUPT) code = AP_ERR_INVALID;  // an encoder failure is not damaged input
        goto done;
    }
    w->out = output.data;
    w->out_length = output.size;
    w->out_free = ap_avif_out_free;
    output.data = NULL;
done:
    AVIF(avifRWDataFree)(&output);
    if (encoder != NULL) AVIF(avifEncoderDestroy)(encoder);
    if (image != NULL) AVIF(avifImageDestroy)(image);
    return code;
}

int ap_avif_writer_open(const char *path, uint32_t width, uint32_t height, int quantizer, int alpha_quantizer,
                        int speed, int yuv, int threads, const void *icc, size_t icc_length, const void *xmp,
                        size_t xmp_length, ap_plane_writer **out, char *err, size_t err_len) {
    *out = NULL;
    int loaded = ap_avif_load(err, err_len);
    if (loaded != AP_OK) return loaded;
    if (!ap_avif_can_encode()) {
        ap_copy_msg(err, err_len, "this libavif has no AV1 encoder (aom, rav1e or svt)");
        return AP_ERR_UNSUPPORTED;
    }
    if (quantizer < 0 || quantizer > 63 || alpha_quantizer < 0 || alpha_quantizer > 63 || speed < 0 ||
        speed > 10 || (yuv != 444 && yuv != 422 && yuv != 420)) {
        snprintf(err, err_len, "AVIF quantizer %d/%d (0-63), speed %d (0-10) or YUV %d (444, 422, 420) out of range",
                 quantizer, alpha_quantizer, speed, yuv);
        return AP_ERR_INVALID;
    }
    int code = AP_OK;
    ap_plane_writer *w =
        ap_plane_writer_new(AP_FORMAT_AVIF, path, width, height, icc, icc_length, xmp, xmp_length, err, err_len, &code);
    if (w == NULL) return code;
    w->quantizer = quantizer;
    w->alpha_quantizer = alpha_quantizer;
    w->speed = speed;
    w->yuv = yuv;
    w->threads = threads;
    w->encode = ap_avif_encode;
    *out = w;
    return AP_OK;
}
