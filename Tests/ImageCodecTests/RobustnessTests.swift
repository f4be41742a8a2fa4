import ImageCodec
import TestSupport
import Testing

/// Every corpus file, truncated at many points and with bytes flipped: a clean error or a decode,
/// never a crash or hang. Decoding uses small limits so hostile sizes are refused fast.
@Suite(.requires(.corpus))
struct RobustnessTests {
    static let files = Corpus.allImages()
    static let limits = DecodeLimits(maxPixels: 4_000_000, maxSide: 8192)

    /// Decodes, accepting any outcome but a crash; returns the error code if any.
    @discardableResult
    static func attempt(_ bytes: [UInt8]) -> ImageCodecError.Code? {
        do {
            _ = try ImageProbe.probe(.bytes(bytes), limits: limits)
            let image = try ImageDecoder.decode(.bytes(bytes), limits: limits)
            #expect(image.pixels.count == image.width * image.height * 4)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func everyCorpusFileDecodesOrFailsCleanly() {
        #expect(Self.files.count > 300)
        for name in Self.files { Self.attempt(Corpus.bytes(name)) }
    }

    @Test func truncatedFiles() {
        for name in Self.files {
            let bytes = Corpus.bytes(name)
            guard bytes.count > 8 else { continue }
            // 12 cut points spread over the file, plus the first few bytes.
            var cuts = Set([0, 1, 2, 3, 8, bytes.count - 1, bytes.count - 2])
            for i in 1..<12 { cuts.insert(bytes.count * i / 12) }
            for cut in cuts.sorted() where cut < bytes.count {
                let code = Self.attempt(Array(bytes.prefix(cut)))
                // Truncating a real image can never produce a *successful* probe of nothing.
                if cut < 8 { #expect(code != nil, "\(name) cut at \(cut)") }
            }
        }
    }

    @Test func flippedBytes() {
        var rng = SeededGenerator(seed: 0x5EED_C0DEC)
        for name in Self.files {
            let bytes = Corpus.bytes(name)
            guard bytes.count > 16 else { continue }
            for _ in 0..<6 {
                var copy = bytes
                let flips = Int.random(in: 1...8, using: &rng)
                for _ in 0..<flips {
                    // Favour the header, where structure lives.
                    let limit = Bool.random(using: &rng) ? min(copy.count, 512) : copy.count
                    let i = Int.random(in: 0..<limit, using: &rng)
                    copy[i] ^= UInt8.random(in: 1...255, using: &rng)
                }
                Self.attempt(copy)
            }
        }
    }

    @Test func rowReaderStopsAfterError() throws {
        let bytes = Corpus.bytes("pngsuite/basn6a08.png")
        let truncated = Array(bytes.prefix(bytes.count / 2))
        let reader = try ImageRowReader(.bytes(truncated))
        var row: [UInt8] = []
        var failures = 0
        for _ in 0..<reader.height {
            do { try reader.readRow(into: &row) } catch { failures += 1 }
        }
        #expect(failures > 0)
        #expect(throws: ImageCodecError.self) { try reader.readRow(into: &row) }
    }
}

/// SplitMix64: a small deterministic generator for reproducible fuzzing.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
