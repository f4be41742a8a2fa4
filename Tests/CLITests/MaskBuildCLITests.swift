import Foundation
import ImageCodec
import TestSupport
import Testing

/// Issue 14 item 7, the build side: an asset whose mask is fully opaque (nothing may be edited) is refused before
/// anything is uploaded or submitted, exit 2 as an input problem, with the command line that repairs it; `--dry-run`
/// and `--check` report the same. Real processes against `assetpipe simulator` on port 0.
///
/// Rerun: `swift test --skip-build --filter MaskBuildCLITests`.
@Suite(.requires(.assetpipeBinary)) struct MaskBuildCLITests {
    static let manifest = """
        assets:
          - name: hero/edit
            prompt: repaint the marked window
            quality: low
            references: [sources/photo.png]
            mask: masks/sketch.png
        """

    static let env: [String: String?] = ["APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil]
    /// No key: `--dry-run` reads no balance (no network).
    static let noKey: [String: String?] = ["APIMART_API_KEY": nil, "APIMART_BASE_URL": nil]

    /// `masks/sketch.png` is opaque everywhere, a white rectangle drawn on black in its colour channels.
    static func project() throws -> String {
        var sketch = RGBAImage(width: 64, height: 48, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 10..<20 { for x in 10..<30 { sketch[x, y] = RGBA8(r: 255, g: 255, b: 255, a: 255) } }
        return try CLIProject.make(
            manifest,
            label: "mask-build",
            files: [
                "sources/photo.png": Fixtures.png(Fixtures.photo(64, 48)),
                "masks/sketch.png": Fixtures.png(sketch),
            ]
        )
    }

    @Test func aFullyOpaqueMaskIsRefusedBeforeAnyUploadOrSubmit() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let repair = "assetpipe mask make --reference \(dir)/sources/photo.png --from \(dir)/masks/sketch.png --edit"

        for mode in ["--dry-run", "--check"] {
            let r = try await AssetpipeBinary.run(["build", dir, mode], environment: Self.noKey)
            #expect(r.exitCode == 2, "\(mode): \(r)")
            #expect(r.stderr.contains("mask-fully-opaque"), "\(mode): \(r.stderr)")
            #expect(r.stderr.contains(repair + " white"), "\(mode): \(r.stderr)")
            #expect(r.stderr.contains(repair + " black"), "\(mode)")
        }

        try await SimulatorProcess.with { simulator in
            let r = try await AssetpipeBinary.run(
                ["build", dir, "--base-url", simulator.baseURL],
                environment: Self.env
            )
            #expect(r.exitCode == 2, "\(r)")
            #expect((r.stdout + r.stderr).contains("mask-fully-opaque"), "\(r)")
            #expect((r.stdout + r.stderr).contains(repair + " white"), "\(r)")
            #expect(try await simulator.submitRequests() == 0)
            #expect(try await simulator.submissions() == 0)
            #expect(try await simulator.uploadRequests() == 0)
            #expect(try await simulator.billedImages() == 0)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/generated/hero/edit.png"))

        // The repair it names makes a mask the build accepts (checked without paying: --dry-run is exit 0).
        let made = try await AssetpipeBinary.run(
            [
                "mask", "make", "--reference", dir + "/sources/photo.png", "--from", dir + "/masks/sketch.png",
                "--edit", "white", "-o", dir + "/masks/sketch-fixed.png",
            ]
        )
        #expect(made.exitCode == 0, "\(made)")
        try Self.manifest.replacingOccurrences(of: "sketch.png", with: "sketch-fixed.png")
            .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        let again = try await AssetpipeBinary.run(["build", dir, "--dry-run"], environment: Self.noKey)
        #expect(again.exitCode == 0, "\(again)")
    }

    /// `generate` refuses the same mask, before anything is sent (exit 2), with the same repair.
    @Test func generateRefusesAFullyOpaqueMaskToo() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await AssetpipeBinary.run(
            [
                "generate", "--prompt", "p", "--out", dir + "/out", "--simulator", "--image",
                dir + "/sources/photo.png", "--mask", dir + "/masks/sketch.png",
            ],
            environment: Self.noKey
        )
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("mask-fully-opaque"), "\(r)")
        #expect(r.stderr.contains("--from \(dir)/masks/sketch.png --edit white"), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }
}
