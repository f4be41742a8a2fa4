// Entry point: MaskChecker.check (the `mask check` subcommand and the pipeline's pre-flight check)
// on fuzzed mask bytes. A Swift harness: ImageCodec, APIMartWire and MaskTools are compiled from
// their sources with -sanitize=address (+ coverage) and linked with the ASan/UBSan-built shim, so the
// whole path is exercised: sniff, ImageProbe.probe, a full row-by-row decode of the mask, the alpha
// statistics, and the size comparison with a reference. Built and run by Fuzz/run.sh (target mask_check).
//
// As in the C PNG harnesses, PNG chunk CRCs are recomputed first so mutations reach libpng's parsers.
// Inputs whose length is odd are checked against a JPEG reference with EXIF orientation 6 (the
// oriented-size path); even lengths against a 64×48 PNG.
import ImageCodec
import MaskTools

private let pngReference: ImageSource = {
    var image = RGBAImage(width: 64, height: 48)
    for y in 0..<48 { for x in 0..<64 { image[x, y] = RGBA8(r: UInt8(x), g: UInt8(y), b: 0, a: 255) } }
    return .bytes(try! ImageEncoder.png(image))
}()

/// A 48×64 baseline JPEG whose APP1 carries EXIF orientation 6 (shown 64×48).
private let rotatedJPEGReference: ImageSource = {
    var image = RGBAImage(width: 48, height: 64)
    for y in 0..<64 { for x in 0..<48 { image[x, y] = RGBA8(r: 200, g: UInt8(x), b: UInt8(y), a: 255) } }
    let jpeg = try! ImageEncoder.jpeg(image)
    // Big-endian TIFF, IFD0 with one SHORT entry 0x0112 = 6.
    let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    return .bytes(Array(jpeg[0..<2]) + app1 + Array(jpeg[2...]))
}()

/// The C harnesses' limits (fuzz_common.h): an interlaced PNG is decoded whole, so the product's default limit
/// (268 M pixels) would let a 100-byte input allocate 1 GB, over the fuzzer's 512 MB malloc limit, by design.
private let fuzzLimits = DecodeLimits(maxPixels: 4 << 20, maxSide: 8192, maxChunkBytes: 1 << 20)

private let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

/// Recomputes every complete chunk's CRC (see fuzz_png_fix_crcs in fuzz_common.h).
private func fixCRCs(_ b: inout [UInt8]) {
    guard b.count >= 8, b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47 else { return }
    var pos = 8
    while pos + 12 <= b.count {
        let len = Int(b[pos]) << 24 | Int(b[pos + 1]) << 16 | Int(b[pos + 2]) << 8 | Int(b[pos + 3])
        if len > b.count - pos - 12 { break }
        var c: UInt32 = 0xFFFF_FFFF
        for i in (pos + 4)..<(pos + 8 + len) { c = crcTable[Int((c ^ UInt32(b[i])) & 0xFF)] ^ (c >> 8) }
        c ^= 0xFFFF_FFFF
        let q = pos + 8 + len
        b[q] = UInt8(c >> 24); b[q + 1] = UInt8((c >> 16) & 0xFF); b[q + 2] = UInt8((c >> 8) & 0xFF); b[q + 3] = UInt8(c & 0xFF)
        pos += len + 12
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMaskCheck(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fixCRCs(&bytes)
    let reference = size % 2 == 1 ? rotatedJPEGReference : pngReference
    let report = MaskChecker.check(
        mask: .bytes(bytes), maskName: "mask.png", reference: reference, referenceName: "ref", limits: fuzzLimits)
    // The report must be self-consistent whatever the bytes.
    precondition(report.valid == report.problems.isEmpty, "valid disagrees with problems")
    precondition(report.reference != nil, "the fixed reference must always be readable")
    if let f = report.editableFraction { precondition(f >= 0 && f <= 1, "editableFraction \(f)") }
    if let m = report.mask {
        precondition(m.width > 0 && m.height > 0, "mask info with an empty size")
        if let b = report.editableBounds {
            precondition(b.x >= 0 && b.y >= 0 && b.x + b.width <= m.width && b.y + b.height <= m.height, "bounds \(b)")
        }
    }
    for finding in report.problems + report.warnings { precondition(!finding.code.isEmpty && !finding.message.isEmpty) }
    return 0
}
