import AssetGallery
import AssetPipeline
import Foundation
import ImageCodec
import Testing

/// Headless Chromium, when installed (`CHROMIUM` names another binary).
enum Chromium {
    static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        if let given = env["CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) { return given }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin", "/snap/bin"]
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) { return dir + "/" + name }
        }
        return nil
    }()

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true" }

    /// Runs chromium headless on a page; returns (stdout, stderr, status).
    static func run(_ binary: String, _ arguments: [String], profile: String) throws -> (out: String, err: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-extensions", "--hide-scrollbars", "--user-data-dir=\(profile)",
        ] + arguments
        // Files, not pipes: chromium's helper processes may keep a pipe open after the browser exits.
        let outPath = profile + ".out", errPath = profile + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let outText = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (outText, errText, process.terminationStatus)
    }
}

@Suite("the page in a browser")
struct BrowserTests {
    @Test(
        "headless Chromium renders a non-blank page with no console errors and no broken images",
        .enabled(if: Chromium.path != nil || Chromium.isCI, "Chromium is not installed: browser test skipped (it never is in CI)"))
    func rendersInChromium() async throws {
        guard let chromium = Chromium.path else {
            Issue.record("CI=true but no chromium was found: .ci/run installs Debian's chromium package")
            return
        }
        let project = try GalleryProject.make()
        defer { project.remove() }
        try await withSimulator { c in
            try await build(project, c)
            try project.writeManifest(bottlePrompt: "A flat icon of a blue bottle, no background", withMask: true)
            try await build(project, c)
        }
        let (result, _) = try gallery(project)
        let url = URL(fileURLWithPath: result.indexPath).absoluteString
        let profile = project.directory + "/chromium-profile"
        let shot = project.directory + "/shot.png"

        // Screenshot, with the console logged to stderr.
        let render = try Chromium.run(
            chromium,
            ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--window-size=1280,2000",
             "--screenshot=\(shot)", url],
            profile: profile)
        #expect(FileManager.default.fileExists(atPath: shot), "no screenshot; chromium said: \(render.err.suffix(2000))")
        let consoleLines = render.err.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleLines.isEmpty, "console: \(consoleLines.joined(separator: "\n"))")

        let image = try ImageDecoder.decode(.file(shot))
        #expect(image.width >= 1000)
        // Non-blank: the luma varies, and a fair share of pixels is not the background.
        var sum = 0.0, sumSq = 0.0, distinct = Set<UInt32>()
        let n = image.width * image.height
        image.pixels.withUnsafeBufferPointer { p in
            for i in stride(from: 0, to: n * 4, by: 4) {
                let y = 0.299 * Double(p[i]) + 0.587 * Double(p[i + 1]) + 0.114 * Double(p[i + 2])
                sum += y
                sumSq += y * y
                if distinct.count < 5000 { distinct.insert(UInt32(p[i]) << 16 | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2])) }
            }
        }
        let mean = sum / Double(n)
        let variance = sumSq / Double(n) - mean * mean
        #expect(variance > 100, "screenshot looks blank (luma variance \(variance))")
        #expect(distinct.count > 200, "screenshot has only \(distinct.count) colours")

        // The DOM after the scripts ran: ready, no errors, thumbnails loaded.
        let dom = try Chromium.run(
            chromium, ["--virtual-time-budget=5000", "--window-size=1280,2000", "--dump-dom", url],
            profile: profile)
        #expect(dom.out.contains("data-ready=\"1\""), "the page's script did not finish: \(dom.err.suffix(1000))")
        #expect(dom.out.contains("data-errors=\"0\""), "errors: \(attributeValues("data-error-list", in: dom.out))")
        let loaded = Int(attributeValues("data-images-loaded", in: dom.out).first ?? "0") ?? 0
        #expect(loaded >= 3, "only \(loaded) thumbnails loaded")
        #expect(attributeValues("data-images-broken", in: dom.out).first == "0")
        #expect(dom.out.contains("aria-pressed=\"true\""))
    }
}
