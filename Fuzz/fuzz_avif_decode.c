// Entry point: ImageDecoder.decode / ImageRowReader for AVIF: open from memory (avifDecoderParse: the ISO BMFF
// boxes, ispe, irot/imir, colr ICC, with libavif's limits set from ours), decode the first frame at the first row
// (avifDecoderNextImage through dav1d/libgav1/aom, then avifImageYUVToRGB into RGBA), read every row, close.
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (fuzz_sniff(data, size) != AP_FORMAT_AVIF) return 0;
    ap_reader *r = NULL;
    ap_image_info info;
    if (fuzz_open(AP_FORMAT_AVIF, data, size, &r, &info) == AP_OK) {
        if (size & 2)
            fuzz_decode_whole(r, &info);
        else
            fuzz_read_all(r, &info, 1, NULL, NULL);
        ap_reader_close(r);
    }
    return 0;
}
