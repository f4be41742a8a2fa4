import ImageCodec
import TestSupport
import Testing

/// Regression tests for the decoder fuzzing (Fuzz/, RELIABILITY.md "Decoders under attack"): every input
/// that crashed a harness, and the nastiest hand-made seeds, each pinned to the exact outcome through
/// the public API (probe, decode, transparency analysis). The tests make or embed their own bytes.
struct FuzzRegressionTests {
    // MARK: - Byte helpers

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
    static func be16(_ v: Int) -> [UInt8] { [UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// A chunk with a correct CRC; `declaredLength` overrides the length field (the data stays as given).
    static func chunk(_ type: String, _ data: [UInt8], declaredLength: UInt32? = nil) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(declaredLength ?? UInt32(data.count)) + body + be32(crc32(body))
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func ihdr(width: UInt32, height: UInt32, depth: UInt8 = 8, colorType: UInt8 = 6) -> [UInt8] {
        chunk("IHDR", be32(width) + be32(height) + [depth, colorType, 0, 0, 0])
    }

    /// Expects every entry point that takes file bytes to refuse `bytes` with `code`.
    static func expectRefused(
        _ bytes: [UInt8],
        _ code: ImageCodecError.Code,
        probe: Bool = true,
        _ note: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var attempts: [(String, () throws -> Void)] = [
            ("decode", { _ = try ImageDecoder.decode(.bytes(bytes)) }),
            ("transparency", { _ = try TransparencyAnalyzer.analyze(.bytes(bytes)) }),
        ]
        if probe { attempts.insert(("probe", { _ = try ImageProbe.probe(.bytes(bytes)) }), at: 0) }
        for (name, attempt) in attempts {
            let error = #expect(throws: ImageCodecError.self, "\(name) \(note)", sourceLocation: sourceLocation) {
                try attempt()
            }
            #expect(
                error?.code == code,
                "\(name) \(note): \(String(describing: error))",
                sourceLocation: sourceLocation
            )
        }
    }

    /// The offset of the first JPEG marker `marker` (walking segments from SOI), or nil.
    static func jpegSegment(_ bytes: [UInt8], _ marker: UInt8) -> Int? {
        var i = 2
        while i + 4 <= bytes.count, bytes[i] == 0xFF {
            if bytes[i + 1] == marker { return i }
            if bytes[i + 1] == 0xDA { return nil }
            i += 2 + (Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]))
        }
        return nil
    }

    static func jpeg(width: Int = 16, height: Int = 16) throws -> [UInt8] {
        try ImageEncoder.jpeg(Fixtures.gradient(width: width, height: height))
    }

    // MARK: - Fuzzer findings

    /// F1 (probe, png_decode, transparency, mask_check; the seed libpng-crashers/huge_pCAL_chunk.png):
    /// a 57-byte PNG whose pCAL chunk declares 0x3fffffff bytes made libpng allocate 1 GiB before
    /// noticing the data is missing (libpng reports "chunk data is too large" only as a benign warning).
    /// Fixed in the shim by making that warning fatal. The outcome must be a plain `corrupt`, never
    /// `too-large` from a failed allocation. The allocation itself cannot be seen from here (process-wide memory peaks are masked by
    /// other tests that read the same kind of file in parallel); `Fuzz/run.sh` replays the minimised input
    /// (Fuzz/regressions/) through every C harness under -malloc_limit_mb=512 before fuzzing, so CI's fuzz
    /// smoke fails if it comes back.
    @Test func hugeAncillaryChunkIsCorruptNotAllocated() {
        let finding: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03, 0x00, 0x00, 0x00, 0x25, 0xDB, 0x56,
            0xCA, 0x3F, 0xFF, 0xFF, 0xFF, 0x70, 0x43, 0x41, 0x4C, 0xAE, 0xAF, 0x3F, 0xE6, 0x00, 0x00, 0x00,
            0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        #expect(finding.count == 57)
        Self.expectRefused(finding, .corrupt)
        // libFuzzer -minimize_crash=1 reduced it to 41 bytes: signature, IHDR, and a bare chunk header
        // claiming 0x3fffffff bytes of sCAL.
        let minimized = Array(finding[0..<33]) + [0x3F, 0xFF, 0xFF, 0xFF, 0x73, 0x43, 0x41, 0x4C]
        #expect(minimized.count == 41)
        Self.expectRefused(minimized, .corrupt)
    }

    /// The same attack with every ancillary chunk type libpng parses itself, at the largest legal
    /// length (2^31 - 1), on an RGBA image (so the transparency analysis reads rows too).
    @Test(arguments: [
        "pCAL", "sCAL", "sPLT", "hIST", "tEXt", "zTXt", "iTXt", "eXIf", "bKGD", "tIME", "pHYs", "sBIT",
        "gAMA", "cHRM", "sRGB", "oFFs", "sTER", "iCCP", "tRNS", "juNK",
    ])
    func hugeChunkOfEveryKind(type: String) {
        let bytes =
            Self.pngSignature + Self.ihdr(width: 4, height: 4)
            + Self.chunk(type, [0, 0, 0, 0], declaredLength: 0x7FFF_FFFF) + Self.chunk("IEND", [])
        Self.expectRefused(bytes, .corrupt, "\(type)")
    }

    // MARK: - Hand-made seeds: sizes

    /// A 1 MB-class header that claims 100,000 × 100,000 (10 gigapixels, over the side limit).
    @Test func pngClaimingTenGigapixelsIsTooLarge() {
        let bytes =
            Self.pngSignature + Self.ihdr(width: 100_000, height: 100_000)
            + Self.chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + Self.chunk("IEND", [])
        Self.expectRefused(bytes, .tooLarge)
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageProbe.probe(.bytes(bytes)) }
        #expect(error?.message.contains("100000×100000") == true, "\(String(describing: error))")
    }

    /// 30,000 × 30,000: under the side limit, over the pixel limit.
    @Test func pngOverThePixelLimitIsTooLarge() {
        let bytes =
            Self.pngSignature + Self.ihdr(width: 30_000, height: 30_000)
            + Self.chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + Self.chunk("IEND", [])
        Self.expectRefused(bytes, .tooLarge)
    }

    /// Widths the PNG format itself forbids: zero, and over 2^31 - 1.
    @Test(arguments: [UInt32(0), 0x8000_0000, 0xFFFF_FFFF])
    func pngImpossibleWidthIsCorrupt(width: UInt32) {
        let bytes = Self.pngSignature + Self.ihdr(width: width, height: 1) + Self.chunk("IEND", [])
        Self.expectRefused(bytes, .corrupt)
    }

    /// A real baseline JPEG whose SOF0 is rewritten to claim `side` × `side`.
    static func jpegClaiming(side: Int) throws -> [UInt8] {
        var bytes = try jpeg()
        let sof = try #require(jpegSegment(bytes, 0xC0))
        bytes.replaceSubrange((sof + 5)..<(sof + 9), with: be16(side) + be16(side))
        return bytes
    }

    /// SOF0 claiming 65535 × 65535: beyond what libjpeg itself can address (65500), refused as too large.
    @Test func jpegClaiming65535SquaredIsTooLarge() throws {
        let bytes = try Self.jpegClaiming(side: 65_535)
        Self.expectRefused(bytes, .tooLarge)
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageProbe.probe(.bytes(bytes)) }
        #expect(error?.message.contains("65535×65535") == true, "\(String(describing: error))")
    }

    /// SOF0 claiming 40,000 × 40,000: over the side limit, under libjpeg's own maximum.
    @Test func jpegClaimingFortyThousandSquaredIsTooLarge() throws {
        let bytes = try Self.jpegClaiming(side: 40_000)
        Self.expectRefused(bytes, .tooLarge)
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageDecoder.decode(.bytes(bytes)) }
        #expect(error?.message.contains("40000×40000") == true, "\(String(describing: error))")
    }

    /// SOF0 with a zero height: refused as damaged.
    @Test func jpegWithZeroHeightIsCorrupt() throws {
        var bytes = try Self.jpeg()
        let sof = try #require(Self.jpegSegment(bytes, 0xC0))
        bytes.replaceSubrange((sof + 5)..<(sof + 7), with: [0, 0])
        Self.expectRefused(bytes, .corrupt)
    }

    // MARK: - Hand-made seeds: truncation

    /// The IDAT cut in half: the header reads fine, the rows do not.
    @Test func truncatedIDATIsCorrupt() throws {
        let image = Fixtures.gradient(width: 64, height: 64) { x, y in UInt8((x * 4 + y) & 0xFF) }
        let png = try ImageEncoder.png(image, options: PNGEncodeOptions(level: 0))
        // Find the first IDAT and cut in its middle.
        var pos = 8
        var cut: Int? = nil
        while pos + 12 <= png.count {
            let length = Int(png[pos]) << 24 | Int(png[pos + 1]) << 16 | Int(png[pos + 2]) << 8 | Int(png[pos + 3])
            if Array(png[(pos + 4)..<(pos + 8)]) == Array("IDAT".utf8) {
                cut = pos + 8 + length / 2
                break
            }
            pos += 12 + length
        }
        let truncated = Array(png.prefix(try #require(cut)))
        let info = try ImageProbe.probe(.bytes(truncated))
        #expect(info.width == 64 && info.height == 64 && info.hasAlpha)
        Self.expectRefused(truncated, .corrupt, probe: false)
        // A row reader gives the rows it could, then the error, then the same error again.
        let reader = try ImageRowReader(.bytes(truncated))
        var row: [UInt8] = []
        var failed: ImageCodecError? = nil
        for _ in 0..<reader.height {
            do throws(ImageCodecError) { try reader.readRow(into: &row) } catch {
                failed = error
                break
            }
        }
        #expect(failed?.code == .corrupt)
        #expect(throws: ImageCodecError.self) { try reader.readRow(into: &row) }
    }

    /// A JPEG cut inside its entropy-coded data is an error, not a picture padded with grey.
    @Test func truncatedJPEGScanIsCorrupt() throws {
        let bytes = try Self.jpeg(width: 96, height: 96)
        let sos = try #require(bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let truncated = Array(bytes.prefix(sos + (bytes.count - sos) / 2))
        #expect(try ImageProbe.probe(.bytes(truncated)).width == 96)
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageDecoder.decode(.bytes(truncated)) }
        #expect(error?.code == .corrupt)
        // JPEG has no alpha: the analysis answers from the header, without reading the scan.
        #expect(try TransparencyAnalyzer.analyze(.bytes(truncated)).opaque)
    }

    // MARK: - Hand-made seeds: EXIF orientation parse

    /// Inserts an APP1 "Exif\0\0" + `tiff` segment right after SOI.
    static func withExif(_ jpeg: [UInt8], tiff: [UInt8]) -> [UInt8] {
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        return Array(jpeg[0..<2]) + [0xFF, 0xE1] + be16(payload.count + 2) + payload + Array(jpeg[2...])
    }

    /// Big-endian TIFF header + IFD0 at `ifd` with `entries` entries (only the ones given are present).
    static func tiff(ifd: UInt32 = 8, entryCount: Int? = nil, entries: [[UInt8]]) -> [UInt8] {
        var t: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A] + be32(ifd)
        t += be16(entryCount ?? entries.count)
        for e in entries { t += e }
        return t
    }

    static func orientationEntry(type: Int, count: UInt32 = 1, value: [UInt8]) -> [UInt8] {
        [0x01, 0x12] + be16(type) + be32(count) + value
    }

    /// (what, TIFF bytes after "Exif\0\0", expected orientation)
    static let exifCases: [(String, [UInt8], Int)] = [
        // (name, TIFF bytes, expected orientation)
        ("valid SHORT 6", tiff(entries: [orientationEntry(type: 3, value: [0, 6, 0, 0])]), 6),
        ("valid LONG 8", tiff(entries: [orientationEntry(type: 4, value: [0, 0, 0, 8])]), 8),
        ("value 9", tiff(entries: [orientationEntry(type: 3, value: [0, 9, 0, 0])]), 1),
        ("value 0", tiff(entries: [orientationEntry(type: 3, value: [0, 0, 0, 0])]), 1),
        ("count 0", tiff(entries: [orientationEntry(type: 3, count: 0, value: [0, 6, 0, 0])]), 1),
        ("wrong type ASCII", tiff(entries: [orientationEntry(type: 2, value: [0x36, 0, 0, 0])]), 1),
        (
            "IFD offset past the end",
            tiff(ifd: 0xFFFF_FFF0, entries: [orientationEntry(type: 3, value: [0, 6, 0, 0])]), 1
        ),
        ("IFD offset inside the header", tiff(ifd: 2, entries: []), 1),
        ("IFD at the last byte", [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 9, 0], 1),
        (
            "65535 entries, one present",
            tiff(entryCount: 0xFFFF, entries: [[0x00, 0x01] + [UInt8](repeating: 0, count: 10)]), 1
        ),
        ("entry cut short", tiff(entries: [[0x01, 0x12, 0x00, 0x03, 0x00]]), 1),
        ("bad byte order", [0x4A, 0x4A, 0x00, 0x2A, 0, 0, 0, 8, 0, 0], 1),
        ("bad magic", [0x4D, 0x4D, 0x00, 0x2B, 0, 0, 0, 8, 0, 0], 1),
        ("header only", [0x4D, 0x4D], 1),
        ("empty", [], 1),
    ]

    @Test(arguments: exifCases)
    func hostileExifOrientation(name: String, tiff: [UInt8], expected: Int) throws {
        let bytes = Self.withExif(try Self.jpeg(width: 24, height: 16), tiff: tiff)
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.orientation == expected, "\(name)")
        #expect(info.width == 24 && info.height == 16)
        let image = try ImageDecoder.decode(.bytes(bytes), applyOrientation: true)
        let swaps = expected >= 5
        #expect(image.width == (swaps ? 16 : 24) && image.height == (swaps ? 24 : 16), "\(name)")
    }
}
