// Entry point: ImageDecoder.decode / ImageRowReader for JPEG — open from memory (markers, EXIF,
// ICC, limits), start decompress, read every scanline (YCbCr/gray/RGB to RGBA, CMYK/YCCK through
// ap_cmyk_to_rgba), close.
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (fuzz_sniff(data, size) != AP_FORMAT_JPEG) return 0;
    ap_reader *r = NULL;
    ap_image_info info;
    if (fuzz_open(AP_FORMAT_JPEG, data, size, &r, &info) == AP_OK) {
        fuzz_read_all(r, &info, 1, NULL, NULL);
        ap_reader_close(r);
    }
    return 0;
}
