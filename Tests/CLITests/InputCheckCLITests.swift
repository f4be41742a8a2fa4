import Foundation
import ImageCodec
import TestSupport
import Testing

/// Inputs are checked before CI says yes (issue 14, item 6): `--dry-run` and `--check` read every reference and
/// mask the way the build does and report the same errors, exit 2, in words and in `--json`; the build refuses
/// the same inputs before anything is uploaded.
@Suite(.requires(.assetpipeBinary)) struct InputCheckCLITests {
    static let noKey: [String: String?] = ["APIMART_API_KEY": nil, "APIMART_BASE_URL": nil]

    enum Case: String, CaseIterable, Sendable {
        case notAnImage = "not-an-image"
        case truncatedPNG = "truncated-png"
        case truncatedJPEG = "truncated-jpeg"
        case maskWrongSize = "mask-wrong-size"
        case maskWithoutAlpha = "mask-without-alpha"
    }

    /// The project of a case, and the file its error names.
    static func project(_ c: Case) throws -> (dir: String, named: String) {
        let folder = try TemporaryFolder("input-check")
        let photo = Fixtures.photo(48, 48, seed: 3)
        let png = Fixtures.png(photo)
        try folder.write(png, to: "ok.png")
        var reference = "ok.png"
        var mask: String?
        switch c {
        case .notAnImage:
            try folder.write(Array("just some text, not a picture\n".utf8), to: "ref.png")
            reference = "ref.png"
        case .truncatedPNG:
            try folder.write(Array(png.prefix(png.count * 2 / 3)), to: "ref.png")
            reference = "ref.png"
        case .truncatedJPEG:
            let jpeg = Fixtures.jpeg(photo)
            try folder.write(Array(jpeg.prefix(jpeg.count / 2)), to: "ref.jpg")
            reference = "ref.jpg"
        case .maskWrongSize:
            let small = Fixtures.mask(32, 32, editable: PixelRect(x: 0, y: 0, width: 8, height: 8))
            try folder.write(Fixtures.png(small), to: "mask.png")
            mask = "mask.png"
        case .maskWithoutAlpha:
            // Opaque pixels written with layout .auto: an RGB PNG, no alpha channel.
            let black = RGBAImage(width: 48, height: 48, fill: RGBA8(r: 0, g: 0, b: 0))
            let rgb = try ImageEncoder.png(black, options: PNGEncodeOptions(layout: .auto))
            try folder.write(rgb, to: "mask.png")
            mask = "mask.png"
        }
        let text =
            """
            assets:
              - name: fine
                prompt: nothing wrong here
                quality: low
              - name: edited
                prompt: p
                quality: low
                references: [\(reference)]
            """ + (mask.map { "\n    mask: \($0)\n" } ?? "\n")
        try text.write(toFile: folder.file("assetpipe.yaml"), atomically: true, encoding: .utf8)
        return (folder.path, mask ?? reference)
    }

    @Test(arguments: Case.allCases)
    func dryRunCheckAndBuildRefuseTheSameInput(_ c: Case) async throws {
        let (dir, named) = try Self.project(c)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var messages: [String] = []
        for mode in ["--dry-run", "--check", "--simulator"] {
            let r = try await AssetpipeBinary.run(["build", dir, mode], environment: Self.noKey)
            #expect(r.exitCode == 2, "\(c) \(mode): \(r)")
            #expect(r.stderr.contains("asset 'edited'"), "\(c) \(mode): \(r)")
            #expect(r.stderr.contains(named), "\(c) \(mode): \(r)")
            #expect(!r.stderr.contains("asset 'fine'"), "\(c) \(mode): \(r)")
            // The message from the asset's name on (the build's progress line and the plan's error differ before it).
            let line = r.stderr.split(separator: "\n").first { $0.contains("asset 'edited'") } ?? ""
            messages.append(line.range(of: "asset 'edited'").map { String(line[$0.lowerBound...]) } ?? "")
        }
        // The same words in the three modes.
        #expect(Set(messages).count == 1, "\(c): \(messages)")
        // Nothing was uploaded or billed by the build: no lock entry for the refused asset.
        let lock = (try? String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8)) ?? ""
        #expect(!lock.contains("\"edited\""), "\(c): \(lock)")

        for mode in ["--dry-run", "--check"] {
            let r = try await AssetpipeBinary.run(["build", dir, mode, "--json"], environment: Self.noKey)
            #expect(r.exitCode == 2, "\(c) \(mode) --json: \(r)")
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "local-validation", "\(c) \(mode): \(r)")
            #expect((error?["message"] as? String)?.contains(named) == true, "\(c) \(mode): \(r)")
            // The plan is there too.
            #expect(object?["assets"] as? [Any] != nil, "\(c) \(mode): \(r)")
        }
    }
}
