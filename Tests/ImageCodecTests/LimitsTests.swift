import ImageCodec
import TestSupport
import Testing

struct LimitsTests {
    /// A small PNG whose IHDR declares `width` × `height` (valid CRCs; the IDAT holds almost nothing).
    static func craftedPNG(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] {
            [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(crc32(body))
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be(width) + be(height) + [8, 6, 0, 0, 0])
        out += chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
        out += chunk("IEND", [])
        return out + [UInt8](repeating: 0, count: 1_000_000 - out.count)  // "a 1 MB file"
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test func gigapixelPNGIsRefused() throws {
        let bytes = Self.craftedPNG(width: 31_623, height: 31_623)  // ~1 gigapixel, under the side limit
        for attempt in [{ _ = try ImageProbe.probe(.bytes(bytes)) }, { _ = try ImageDecoder.decode(.bytes(bytes)) }] {
            let error = #expect(throws: ImageCodecError.self) { try attempt() }
            #expect(error?.code == .tooLarge)
            #expect(error?.message.contains("268,402,689") == true, "\(String(describing: error))")
            #expect(error?.message.contains("--max-pixels") == true)
        }
    }

    @Test func sideLimitNamesItsFlag() {
        let bytes = Self.craftedPNG(width: 40_000, height: 10)
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageProbe.probe(.bytes(bytes)) }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("--max-side") == true, "\(String(describing: error))")
        #expect(error?.message.contains("40000×10") == true)
    }

    @Test func limitsAreConfigurable() throws {
        let image = Fixtures.gradient(width: 100, height: 100)
        let png = try ImageEncoder.png(image)
        let jpeg = try ImageEncoder.jpeg(image)
        let small = DecodeLimits(maxPixels: 9_999)
        for bytes in [png, jpeg] {
            let error = #expect(throws: ImageCodecError.self) {
                _ = try ImageDecoder.decode(.bytes(bytes), limits: small)
            }
            #expect(error?.code == .tooLarge)
            #expect(try ImageProbe.probe(.bytes(bytes), limits: DecodeLimits(maxPixels: 10_000)).width == 100)
        }
        let narrow = DecodeLimits(maxSide: 99)
        #expect(throws: ImageCodecError.self) { _ = try ImageRowReader(.bytes(jpeg), limits: narrow) }
    }
}
