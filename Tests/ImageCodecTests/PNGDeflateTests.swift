import AssetpipeBasics
import Foundation
import TestSupport
import Testing

@testable import ImageCodec

/// The PNG writer's buffered path (rows filtered in the shim, the whole IDAT compressed at once with
/// libdeflate, or zlib for flat images at levels 8-9) against libpng's streaming zlib path.
struct PNGDeflateTests {
    // MARK: - Helpers

    /// A photo-like picture: smooth gradients plus a little noise (deterministic).
    static func photoLike(width: Int, height: Int, alpha: Bool, seed: UInt32 = 2024) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        var state = seed
        func noise() -> Int {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int((state >> 24) % 7) - 3 + Int((state >> 16) % 3) - 1
        }
        func clamp(_ v: Int) -> UInt8 { UInt8(max(0, min(255, v))) }
        for y in 0..<height {
            for x in 0..<width {
                let r = x * 255 / max(1, width - 1)
                let g = y * 255 / max(1, height - 1)
                let b = (x + 2 * y) % 256
                let a = alpha ? 255 - (x * 3 + y * 5) % 200 : 255
                image[x, y] = RGBA8(r: clamp(r + noise()), g: clamp(g + noise()), b: clamp(b + noise()), a: UInt8(a))
            }
        }
        return image
    }

    /// A flat picture (sprite-like: solid rectangles on transparency): nearly every filtered byte is 0.
    static func flat(width: Int, height: Int) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        for (i, colour) in [RGBA8(r: 200, g: 30, b: 30), RGBA8(r: 20, g: 120, b: 220), RGBA8(r: 250, g: 200, b: 0)]
            .enumerated()
        {
            for y in (height * i / 4)..<(height * (i + 2) / 4) {
                for x in (width * i / 5)..<(width * (i + 2) / 5) { image[x, y] = colour }
            }
        }
        return image
    }

    struct Chunk {
        var type: String
        var data: ArraySlice<UInt8>
        var crcValid: Bool
    }

    /// The chunks after the signature, each with its CRC checked here (independently of libpng).
    static func chunks(_ bytes: [UInt8]) -> [Chunk] {
        var result: [Chunk] = []
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 12 + length <= bytes.count else { break }
            let typeAndData = bytes[(at + 4)..<(at + 8 + length)]
            let stored = bytes[(at + 8 + length)..<(at + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            result.append(
                Chunk(
                    type: String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self),
                    data: bytes[(at + 8)..<(at + 8 + length)],
                    crcValid: crc32(typeAndData) == stored
                )
            )
            at += 12 + length
        }
        return result
    }

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func idat(_ bytes: [UInt8]) -> [UInt8] {
        chunks(bytes).filter { $0.type == "IDAT" }.flatMap { Array($0.data) }
    }

    /// Encodes through `ImageRowWriter` (to memory, or to `path`); `limit` overrides the buffering limit
    /// (0: always libpng's streaming zlib).
    static func encode(
        _ image: RGBAImage,
        _ options: PNGEncodeOptions,
        alpha: Bool = true,
        path: String? = nil,
        limit: Int? = nil
    ) throws -> (bytes: [UInt8], buffered: Bool) {
        func run() throws -> (bytes: [UInt8], buffered: Bool) {
            let writer = try ImageRowWriter(
                png: options,
                width: image.width,
                height: image.height,
                alpha: alpha,
                path: path
            )
            let stride = image.width * 4
            for y in 0..<image.height { try writer.write(row: Array(image.pixels[(y * stride)..<((y + 1) * stride)])) }
            try writer.finish()
            let bytes = try path.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) } ?? writer.bytes()
            return (bytes, writer.usesWholeImageDeflate)
        }
        if let limit { return try ImageRowWriter.$pngWholeImageLimit.withValue(limit) { try run() } }
        return try run()
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]

    // MARK: - Round trips

    @Test(arguments: PNGFilter.allCases, [1, 6, 9])
    func roundTripWithICCAndText(filter: PNGFilter, level: Int) throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let icc = Fixtures.iccProfile()
        let options = PNGEncodeOptions(
            level: level,
            filter: filter,
            text: ["Software": "assetpipe", "Title": "café ☕"],
            iccProfile: icc
        )
        for alpha in [true, false] {
            for width in [1, 3, 17] {
                for height in [1, 6] {
                    for toFile in [false, true] {
                        let image = Self.photoLike(width: width, height: height, alpha: alpha)
                        let what = "\(width)×\(height) alpha \(alpha) \(toFile ? "file" : "memory")"
                        let path = toFile ? dir.file("\(width)x\(height)-\(alpha).png") : nil
                        let (bytes, buffered) = try Self.encode(image, options, alpha: alpha, path: path)
                        // Level 6 stays on libpng's zlib; 1 and 9 are buffered.
                        #expect(buffered == (level != 6), "\(what)")
                        #expect(Array(bytes.prefix(8)) == Self.signature, "\(what)")
                        #expect(Array(bytes.suffix(12)) == Self.iend, "\(what)")
                        let chunks = Self.chunks(bytes)
                        #expect(chunks.allSatisfy { $0.crcValid }, "\(what)")
                        let types = chunks.map(\.type)
                        let firstIDAT = try #require(types.firstIndex(of: "IDAT"), "\(what)")
                        #expect(Array(types[..<firstIDAT]) == ["IHDR", "iCCP", "tEXt", "iTXt"], "\(what)")
                        #expect(types[firstIDAT...].dropLast().allSatisfy { $0 == "IDAT" }, "\(what)")
                        // Everything before IDAT is what libpng's own path writes.
                        let streamed = try Self.encode(image, options, alpha: alpha, limit: 0)
                        #expect(!streamed.buffered)
                        let head = bytes.count - chunks[firstIDAT...].reduce(0) { $0 + 12 + $1.data.count }
                        let streamedHead =
                            streamed.bytes.count
                            - Self.chunks(streamed.bytes).drop(while: { $0.type != "IDAT" }).reduce(0) {
                                $0 + 12 + $1.data.count
                            }
                        #expect(bytes[..<head] == streamed.bytes[..<streamedHead], "\(what)")
                        // libpng (CRCs up to IEND) decodes the same pixels and profile.
                        let decoded = try ImageDecoder.decode(toFile ? .file(path!) : .bytes(bytes))
                        #expect(decoded.pixels == image.pixels, "\(what)")
                        #expect(decoded.iccProfile == icc, "\(what)")
                        let info = try ImageProbe.probe(.bytes(bytes))
                        #expect(info.png?.colorType == (alpha ? .rgba : .rgb), "\(what)")
                    }
                }
            }
        }
    }

    @Test(arguments: [2, 3, 8])
    func otherBufferedLevelsRoundTrip(level: Int) throws {
        let image = Self.photoLike(width: 33, height: 20, alpha: true)
        let (bytes, buffered) = try Self.encode(image, PNGEncodeOptions(level: level))
        #expect(buffered)
        #expect(try ImageDecoder.decode(.bytes(bytes)) == image)
    }

    @Test(arguments: [0, 4, 5, 7])
    func levelsLibdeflateDoesNotWinStayOnZlib(level: Int) throws {
        let image = Self.photoLike(width: 33, height: 20, alpha: true)
        let (bytes, buffered) = try Self.encode(image, PNGEncodeOptions(level: level))
        #expect(!buffered)
        #expect(try ImageDecoder.decode(.bytes(bytes)) == image)
    }

    /// ImageEncoder and the converter go through the same writer.
    @Test func encoderAndConverterUseTheBufferedPath() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let image = Self.photoLike(width: 64, height: 48, alpha: true)
        let bytes = try ImageEncoder.png(image, options: PNGEncodeOptions(level: 9))
        #expect(Self.chunks(bytes).filter { $0.type == "IDAT" }.count == 1)
        #expect(try ImageDecoder.decode(.bytes(bytes)) == image)
        let source = dir.file("in.png")
        try AtomicFile.write(ImageEncoder.png(image, options: PNGEncodeOptions(level: 0)), to: source)
        let out = dir.file("out.png")
        let result = try ImageConverter.convert(.file(source), options: ConversionOptions(pngLevel: 9), to: out)
        #expect(try ImageDecoder.decode(.file(out)) == image)
        #expect(result.bytes == bytes.count)
    }

    // MARK: - Size

    /// On a photo-like image libdeflate (level 10 for zlib 8-9) is no larger than zlib at the same level.
    @Test(arguments: [1, 3, 8, 9])
    func photoLikeIsNoLargerThanZlib(level: Int) throws {
        let image = Self.photoLike(width: 512, height: 512, alpha: false, seed: 7)
        let options = PNGEncodeOptions(level: level)
        let buffered = try Self.encode(image, options, alpha: false)
        let streamed = try Self.encode(image, options, alpha: false, limit: 0)
        #expect(buffered.buffered && !streamed.buffered)
        let ratio = Double(buffered.bytes.count) / Double(streamed.bytes.count)
        #expect(ratio <= 1.0, "level \(level): \(buffered.bytes.count) bytes against zlib's \(streamed.bytes.count)")
        #expect(try ImageDecoder.decode(.bytes(buffered.bytes)) == image)
    }

    /// Flat images at levels 8-9 are compressed by zlib exactly as libpng would: same filtered rows, same parameters.
    @Test(arguments: [8, 9])
    func flatImagesKeepZlibOutput(level: Int) throws {
        let image = Self.flat(width: 300, height: 200)
        let buffered = try Self.encode(image, PNGEncodeOptions(level: level))
        let streamed = try Self.encode(image, PNGEncodeOptions(level: level), limit: 0)
        #expect(buffered.buffered && !streamed.buffered)
        let (ours, libpngs) = (Self.idat(buffered.bytes), Self.idat(streamed.bytes))
        let same = ours == libpngs
        #expect(same, "IDAT data: \(ours.count) bytes here, \(libpngs.count) from libpng")
        #expect(try ImageDecoder.decode(.bytes(buffered.bytes)) == image)
    }

    // MARK: - Limit

    @Test func limitDecidesTheBufferedPath() throws {
        let image = Self.photoLike(width: 40, height: 30, alpha: true)
        let filtered = 30 * (1 + 40 * 4)
        let at = try Self.encode(image, PNGEncodeOptions(level: 9), limit: filtered)
        let below = try Self.encode(image, PNGEncodeOptions(level: 9), limit: filtered - 1)
        #expect(at.buffered && !below.buffered)
        #expect(try ImageDecoder.decode(.bytes(at.bytes)) == image)
        #expect(try ImageDecoder.decode(.bytes(below.bytes)) == image)
        // The default (64 MiB) buffers it; the override cannot raise the limit.
        #expect(try Self.encode(image, PNGEncodeOptions(level: 9)).buffered)
        #expect(try Self.encode(image, PNGEncodeOptions(level: 9), limit: Int.max).buffered)
    }

    /// Images above the limit (here lowered; really 64 MiB of filtered rows, e.g. 4096² RGBA) keep streaming
    /// through libpng's zlib in a conversion: its IDAT chunks are libpng's 8 KiB ones.
    @Test func conversionAboveTheLimitStreams() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let image = Self.photoLike(width: 160, height: 120, alpha: true)
        let source = dir.file("in.png")
        try AtomicFile.write(ImageEncoder.png(image, options: PNGEncodeOptions(level: 1)), to: source)
        let options = ConversionOptions(pngLevel: 9)
        let streamedOut = dir.file("streamed.png")
        try ImageRowWriter.$pngWholeImageLimit.withValue(1000) {
            _ = try ImageConverter.convert(.file(source), options: options, to: streamedOut)
        }
        let bufferedOut = dir.file("buffered.png")
        try ImageConverter.convert(.file(source), options: options, to: bufferedOut)
        let streamed = Self.chunks(try [UInt8](Data(contentsOf: URL(fileURLWithPath: streamedOut))))
            .filter { $0.type == "IDAT" }
        let buffered = Self.chunks(try [UInt8](Data(contentsOf: URL(fileURLWithPath: bufferedOut))))
            .filter { $0.type == "IDAT" }
        #expect(streamed.count > 1 && streamed.dropLast().allSatisfy { $0.data.count == 8192 })
        #expect(buffered.count == 1)
        #expect(try ImageDecoder.decode(.file(streamedOut)) == image)
        #expect(try ImageDecoder.decode(.file(bufferedOut)) == image)
    }

    /// Compressed data over 1 MiB is split into 1 MiB IDAT chunks.
    @Test func largeIDATIsSplit() throws {
        var image = RGBAImage(width: 640, height: 480)
        var state: UInt32 = 99
        for i in image.pixels.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            image.pixels[i] = UInt8(state >> 24)
        }
        let (bytes, buffered) = try Self.encode(image, PNGEncodeOptions(level: 9))
        #expect(buffered)
        let sizes = Self.chunks(bytes).filter { $0.type == "IDAT" }.map(\.data.count)
        #expect(sizes.count == 2 && sizes[0] == 1 << 20 && sizes[1] > 0, "\(sizes)")
        #expect(try ImageDecoder.decode(.bytes(bytes)) == image)
    }

    // MARK: - Errors

    @Test func unfinishedWritersFailCleanly() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let image = Self.photoLike(width: 20, height: 10, alpha: true)
        for path in [nil, dir.file("partial.png")] {
            let writer = try ImageRowWriter(png: PNGEncodeOptions(level: 9), width: 20, height: 10, path: path)
            for y in 0..<5 { try writer.write(row: Array(image.pixels[(y * 80)..<((y + 1) * 80)])) }
            #expect(writer.usesWholeImageDeflate)
            let error = #expect(throws: ImageCodecError.self) { try writer.finish() }
            #expect(error?.code == .invalidArgument)
        }
        // A writer dropped half-way releases its buffers (checked by the sanitizer runs).
        let dropped = try ImageRowWriter(png: PNGEncodeOptions(level: 9), width: 20, height: 10)
        try dropped.write(row: Array(image.pixels[0..<80]))
    }
}
