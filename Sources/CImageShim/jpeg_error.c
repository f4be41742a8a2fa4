#include "internal.h"

static void ap_jpeg_error_exit(j_common_ptr cinfo) {
    ap_jpeg_error *e = (ap_jpeg_error *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    ap_copy_msg(e->msg, sizeof e->msg, buffer);
    switch (cinfo->err->msg_code) {
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_ARITH_NOTIMPL:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
        e->code = AP_ERR_UNSUPPORTED;
        break;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
    case JERR_OUT_OF_MEMORY:
    case JERR_NO_BACKING_STORE:
        e->code = AP_ERR_TOO_LARGE;
        break;
    case JERR_FILE_READ:
    case JERR_FILE_WRITE:
        e->code = AP_ERR_IO;
        break;
    default:
        if (e->code == AP_OK) e->code = AP_ERR_CORRUPT;
        break;
    }
    longjmp(e->env, 1);
}

/// Never prints. Warnings are kept; a premature end of file is an error (a truncated file is not
/// silently padded with grey).
static void ap_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    ap_jpeg_error *e = (ap_jpeg_error *)cinfo->err;
    if (msg_level >= 0) return;  // trace messages
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        e->code = AP_ERR_CORRUPT;
        ap_jpeg_error_exit(cinfo);
        return;
    }
    if (cinfo->err->num_warnings == 0) {
        char buffer[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, buffer);
        ap_copy_msg(e->warning, sizeof e->warning, buffer);
    }
    cinfo->err->num_warnings++;
}

static void ap_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

void ap_jpeg_error_init(ap_jpeg_error *e) {
    memset(e, 0, sizeof *e);
    jpeg_std_error(&e->pub);
    e->pub.error_exit = ap_jpeg_error_exit;
    e->pub.emit_message = ap_jpeg_emit_message;
    e->pub.output_message = ap_jpeg_output_message;
}
