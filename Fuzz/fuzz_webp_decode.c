// Entry point: ImageDecoder.decode / ImageRowReader for WebP: open from memory (WebPGetFeatures, limits,
// WebPDemux for the EXIF orientation and ICCP chunks), decode the whole frame at the first row (WebPDecode into
// RGBA), read every row, close. The RIFF size field is set to the input's length first, so that mutations reach
// the chunk parsers and VP8/VP8L decoders instead of stopping at the container's size check.
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (fuzz_sniff(data, size) != AP_FORMAT_WEBP) return 0;
    uint8_t *copy = malloc(size);
    if (copy == NULL) abort();
    memcpy(copy, data, size);
    uint32_t riff = (uint32_t)(size - 8);
    copy[4] = (uint8_t)riff, copy[5] = (uint8_t)(riff >> 8), copy[6] = (uint8_t)(riff >> 16);
    copy[7] = (uint8_t)(riff >> 24);
    // Half the inputs keep their own size field, so the mismatch paths stay covered.
    const uint8_t *input = (size & 1) ? data : copy;
    ap_reader *r = NULL;
    ap_image_info info;
    if (fuzz_open(AP_FORMAT_WEBP, input, size, &r, &info) == AP_OK) {
        if (size & 2)
            fuzz_decode_whole(r, &info);
        else
            fuzz_read_all(r, &info, 1, NULL, NULL);
        ap_reader_close(r);
    }
    free(copy);
    return 0;
}
