import AssetGallery
import AssetPipeline
import Foundation
import ImageCodec
import TestSupport
import Testing

/// Runs headless Chromium on a page with a throwaway profile.
func runChromium(_ binary: String, _ arguments: [String], profile: String) async throws -> ChildProcess.Outcome {
    try await ChildProcess.run(
        binary,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--hide-scrollbars", "--user-data-dir=\(profile)",
        ] + arguments,
        timeout: .seconds(90)
    )
}

@Suite("the page in a browser")
struct BrowserTests {
    @Test(
        "headless Chromium renders a non-blank page with no console errors and no broken images",
        .requires(.chromium)
    )
    func rendersInChromium() async throws {
        let chromium = try #require(Chromium.path)
        let project = try GalleryProject.make()
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { sim in
            let c = connection(to: sim)
            try await build(project, c)
            try project.writeManifest(bottlePrompt: "A flat icon of a blue bottle, no background", withMask: true)
            try await build(project, c)
        }
        let (result, _) = try gallery(project)
        let url = URL(fileURLWithPath: result.indexPath).absoluteString
        let profile = project.directory + "/chromium-profile"
        let shot = project.directory + "/shot.png"

        // Screenshot, with the console logged to stderr.
        let render = try await runChromium(
            chromium,
            [
                "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--window-size=1280,2000",
                "--screenshot=\(shot)", url,
            ],
            profile: profile
        )
        #expect(
            FileManager.default.fileExists(atPath: shot),
            "no screenshot; chromium said: \(render.stderr.suffix(2000))"
        )
        let consoleLines = render.stderr.split(separator: "\n").filter {
            $0.contains(":CONSOLE") || $0.contains("Uncaught")
        }
        #expect(consoleLines.isEmpty, "console: \(consoleLines.joined(separator: "\n"))")

        let image = try ImageDecoder.decode(.file(shot))
        #expect(image.width >= 1000)
        // Non-blank: the luma varies, and a fair share of pixels is not the background.
        var sum = 0.0
        var sumSq = 0.0
        var distinct = Set<UInt32>()
        let n = image.width * image.height
        image.pixels.withUnsafeBufferPointer { p in
            for i in stride(from: 0, to: n * 4, by: 4) {
                let y = 0.299 * Double(p[i]) + 0.587 * Double(p[i + 1]) + 0.114 * Double(p[i + 2])
                sum += y
                sumSq += y * y
                if distinct.count < 5000 {
                    distinct.insert(UInt32(p[i]) << 16 | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2]))
                }
            }
        }
        let mean = sum / Double(n)
        let variance = sumSq / Double(n) - mean * mean
        #expect(variance > 100, "screenshot looks blank (luma variance \(variance))")
        #expect(distinct.count > 200, "screenshot has only \(distinct.count) colours")

        // The DOM after the scripts ran: ready, no errors, thumbnails loaded.
        let dom = try await runChromium(
            chromium,
            ["--virtual-time-budget=5000", "--window-size=1280,2000", "--dump-dom", url],
            profile: profile
        )
        #expect(dom.stdout.contains("data-ready=\"1\""), "the page's script did not finish: \(dom.stderr.suffix(1000))")
        #expect(
            dom.stdout.contains("data-errors=\"0\""),
            "errors: \(attributeValues("data-error-list", in: dom.stdout))"
        )
        let loaded = Int(attributeValues("data-images-loaded", in: dom.stdout).first ?? "0") ?? 0
        #expect(loaded >= 3, "only \(loaded) thumbnails loaded")
        #expect(attributeValues("data-images-broken", in: dom.stdout).first == "0")
        #expect(dom.stdout.contains("aria-pressed=\"true\""))
    }
}
