// Entry point: ImageProbe.probe — sniff, open (PNG chunks up to IDAT / JPEG markers up to SOS,
// including the EXIF APP1 orientation parse and the ICC profile), close without reading pixels.
// Also feeds the input straight to ap_exif_orientation as an APP1 payload ("Exif\0\0" + input),
// so the TIFF/IFD walker is fuzzed directly, not only behind a valid JPEG header.
// Inputs whose length is a multiple of 4 go through a file instead (ImageSource.file: ap_read_head,
// then the stdio readers: png_init_io / jpeg_stdio_src), the path `assetpipe inspect` takes.
#include <unistd.h>

#include "fuzz_common.h"

static const char *fuzz_tmp_path(void) {
    static char path[512];
    if (!path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path, sizeof path, "%s/assetpipe-fuzz-probe-%d", dir && *dir ? dir : "/tmp", (int)getpid());
    }
    return path;
}

static void probe_file(const uint8_t *data, size_t size) {
    const char *path = fuzz_tmp_path();
    FILE *f = fopen(path, "wb");
    if (f == NULL) return;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    uint8_t head[64];
    size_t count = 0;
    char err[256];
    int code = ap_read_head(path, head, sizeof head, &count, err, sizeof err);
    fuzz_check_code(code, err, sizeof err);
    if (code != AP_OK || count != (size < sizeof head ? size : sizeof head) || memcmp(head, data, count) != 0) abort();
    int format = fuzz_sniff(head, count);
    if (format != FUZZ_NONE) {
        ap_reader *r = NULL;
        ap_image_info info;
        memset(err, 0x7f, sizeof err);
        err[sizeof err - 1] = 0;
        code = fuzz_open_any(format, path, NULL, 0, &r, &info, err, sizeof err);
        fuzz_check_code(code, err, sizeof err);
        if ((code == AP_OK) != (r != NULL)) abort();
        ap_reader_close(r);
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // 1. The EXIF walker on an exactly sized buffer.
    uint8_t *app1 = malloc(size + 6);
    if (app1 == NULL) abort();
    memcpy(app1, "Exif\0\0", 6);
    if (size) memcpy(app1 + 6, data, size);
    int o = ap_exif_orientation(app1, size + 6);
    free(app1);
    if (o < 1 || o > 8) abort();

    // 2. The header read ImageProbe does, from a file or from memory.
    if (size % 4 == 0) {
        probe_file(data, size);
        return 0;
    }
    int format = fuzz_sniff(data, size);
    if (format == FUZZ_NONE) return 0;
    ap_reader *r = NULL;
    ap_image_info info;
    fuzz_open(format, data, size, &r, &info);
    ap_reader_close(r);
    return 0;
}
