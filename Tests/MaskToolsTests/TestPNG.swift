/// A tiny, dependency-free PNG writer for tests: stored (uncompressed) deflate blocks, CRC-32 and
/// Adler-32 by hand. It writes the layouts the codec's encoder does not (gray, RGB, palette with and
/// without tRNS, gray+alpha, 16-bit, Adam7 interlaced), so the mask checker meets real files of each.
enum TestPNG {
    enum ColorType: UInt8 {
        case gray = 0
        case rgb = 2
        case palette = 3
        case grayAlpha = 4
        case rgba = 6

        var channels: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    /// `sample(x, y)` gives the channel values of a pixel (palette: the index), at `bitDepth` (8 or 16).
    static func encode(
        width: Int,
        height: Int,
        colorType: ColorType,
        bitDepth: Int = 8,
        interlaced: Bool = false,
        palette: [(UInt8, UInt8, UInt8)]? = nil,
        trns: [UInt8]? = nil,
        sample: (Int, Int) -> [Int]
    ) -> [UInt8] {
        precondition(bitDepth == 8 || bitDepth == 16)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr: [UInt8] = []
        ihdr += be32(width) + be32(height)
        ihdr += [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
        out += chunk("IHDR", ihdr)
        if let palette {
            out += chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] })
        }
        if let trns { out += chunk("tRNS", trns) }

        var raw: [UInt8] = []
        let passes: [(x0: Int, y0: Int, dx: Int, dy: Int)] =
            interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        for pass in passes {
            let xs = Array(stride(from: pass.x0, to: width, by: pass.dx))
            let ys = Array(stride(from: pass.y0, to: height, by: pass.dy))
            if xs.isEmpty || ys.isEmpty { continue }
            for y in ys {
                raw.append(0)  // filter: none
                for x in xs {
                    let s = sample(x, y)
                    precondition(s.count == colorType.channels)
                    for v in s {
                        if bitDepth == 16 {
                            raw.append(UInt8((v >> 8) & 0xFF))
                            raw.append(UInt8(v & 0xFF))
                        } else {
                            raw.append(UInt8(v & 0xFF))
                        }
                    }
                }
            }
        }
        out += chunk("IDAT", zlibStored(raw))
        out += chunk("IEND", [])
        return out
    }

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let t = Array(type.utf8)
        return be32(data.count) + t + data + be32(Int(crc32(t + data)))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var i = 0
        repeat {
            let n = min(65_535, data.count - i)
            let final: UInt8 = i + n == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[i..<(i + n)]
            i += n
        } while i < data.count
        out += be32(Int(adler32(data)))
        return out
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for x in bytes {
            a = (a + UInt32(x)) % 65_521
            b = (b + a) % 65_521
        }
        return (b << 16) | a
    }
}
