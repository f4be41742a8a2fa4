import ImageCodec
import TestSupport
import Testing

/// Conformance over PngSuite: header values, exact pixels, and a specific error for each x*.png.
@Suite(.requires(.corpus))
struct PNGSuiteTests {
    /// The error each deliberately corrupt file must produce.
    static let expectedErrors: [String: ImageCodecError.Code] = [
        "xs1n0g01.png": .notAnImage,  // signature byte 1 MSB reset
        "xs2n0g01.png": .notAnImage,  // signature byte 2 is 'Q'
        "xs4n0g01.png": .notAnImage,  // signature byte 4 lowercase
        "xs7n0g01.png": .notAnImage,  // 7th signature byte a space
        "xcrn0g04.png": .notAnImage,  // CR bytes added (signature damaged)
        "xlfn0g04.png": .notAnImage,  // LF bytes added (signature damaged)
        "xc1n0g08.png": .corrupt,  // colour type 1
        "xc9n2c08.png": .corrupt,  // colour type 9
        "xd0n2c08.png": .corrupt,  // bit depth 0
        "xd3n2c08.png": .corrupt,  // bit depth 3
        "xd9n2c08.png": .corrupt,  // bit depth 99
        "xdtn0g01.png": .corrupt,  // missing IDAT
        "xhdn0g08.png": .corrupt,  // IHDR CRC
        "xcsn0g01.png": .corrupt,  // IDAT CRC
    ]

    @Test("every PngSuite file", arguments: Corpus.pngSuite)
    func conformance(entry: Corpus.Entry) throws {
        let path = Corpus.path("pngsuite/\(entry.file)")
        if entry.expect_decode == "fail" {
            let expected = try #require(Self.expectedErrors[entry.file], "no expected error listed for \(entry.file)")
            let error = #expect(throws: ImageCodecError.self) { _ = try ImageDecoder.decode(.file(path)) }
            #expect(error?.code == expected, "\(entry.file): \(String(describing: error))")
            #expect(error?.path == path)
            // The same from memory.
            let memoryError = #expect(throws: ImageCodecError.self) {
                _ = try ImageDecoder.decode(.bytes(Corpus.bytes("pngsuite/\(entry.file)")))
            }
            #expect(memoryError?.code == expected)
            return
        }
        let ihdr = try #require(entry.ihdr)
        let info = try ImageProbe.probe(.file(path))
        #expect(info.format == .png)
        #expect(info.width == ihdr.width && info.height == ihdr.height)
        #expect(info.bitDepth == ihdr.bit_depth)
        #expect(info.interlaced == (ihdr.interlace == 1))
        let colorTypes: [Int: PNGColorType] = [0: .gray, 2: .rgb, 3: .palette, 4: .grayAlpha, 6: .rgba]
        #expect(info.png?.colorType == colorTypes[ihdr.color_type])
        #expect(info.png?.hasTRNS == (entry.has_tRNS ?? false))
        #expect(info.hasAlpha == (ihdr.color_type >= 4 || (entry.has_tRNS ?? false)))

        let image = try ImageDecoder.decode(.file(path))
        #expect(image.width == ihdr.width && image.height == ihdr.height)
        let expected = try #require(entry.expectedSHA)
        #expect(sha256Hex(image.pixels) == expected, "\(entry.file) pixels differ")
        // Memory source decodes identically; so does the row reader.
        let fromMemory = try ImageDecoder.decode(.bytes(Corpus.bytes("pngsuite/\(entry.file)")))
        #expect(fromMemory == image)
    }

    @Test func corpusListsAllFiles() {
        #expect(Corpus.pngSuite.count >= 175)
        #expect(Corpus.pngSuite.filter { $0.expect_decode == "fail" }.count == Self.expectedErrors.count)
    }
}
