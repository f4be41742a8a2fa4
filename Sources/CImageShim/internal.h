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

#endif
