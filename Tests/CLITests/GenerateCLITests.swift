import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// `assetpipe generate` as a user runs it: the built binary as a subprocess.
@Suite("assetpipe generate", .requires(.assetpipeBinary))
struct GenerateCLITests {
    static let key = "sk-CLI-do-not-leak-4b9e1d77"

    /// Runs the binary with a clean environment (no APIMART_* unless given).
    static func run(
        _ arguments: [String],
        environment extra: [String: String] = [:]
    ) async throws
        -> ChildProcess.Outcome
    {
        var environment: [String: String?] = [:]
        for key in ProcessInfo.processInfo.environment.keys where key.hasPrefix("APIMART_") {
            environment.updateValue(nil, forKey: key)
        }
        environment["XDG_CACHE_HOME"] = try TemporaryFolder("cli-cache").path
        for (k, v) in extra { environment[k] = v }
        return try await AssetpipeBinary.run(arguments, environment: environment)
    }

    static func folder() throws -> String { try TemporaryFolder("generate").path }

    static func expectNoKey(_ run: ChildProcess.Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!run.stdout.contains(key) && !run.stderr.contains(key), "key leaked", sourceLocation: sourceLocation)
    }

    /// `assetpipe simulator --port 0 ARGUMENTS` and its base URL (its first stdout line).
    static func simulator(_ arguments: [String]) async throws -> (process: ChildProcess, baseURL: String) {
        let process = try AssetpipeBinary.start(["simulator", "--port", "0"] + arguments)
        return (process, try await process.firstLine())
    }

    @Test func generatesWithTheSimulatorAndPrintsJSON() async throws {
        let out = try Self.folder()
        let run = try await Self.run([
            "generate", "--prompt", "a red kite", "--simulator", "--n", "2", "--out", out, "--json",
        ])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let taskID = try #require(json["task_id"] as? String)
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 2)
        for (i, file) in files.enumerated() {
            let path = try #require(file["path"] as? String)
            #expect(path == out + "/\(taskID)-\(i).png")
            let info = try ImageProbe.probe(.file(path))
            #expect(info.format == .png && info.width == 1024)
        }
        #expect(run.stderr.contains("submitted task \(taskID)"))
        #expect(run.stderr.contains("completed"))
    }

    @Test func editWithReferenceMaskAndAutoSizeWritesJPEG() async throws {
        let dir = try Self.folder()
        let reference = dir + "/ref.png"
        let mask = dir + "/mask.png"
        try AtomicFile.write(
            try ImageEncoder.png(RGBAImage(width: 200, height: 300, fill: RGBA8(r: 90, g: 90, b: 200))),
            to: reference
        )
        var m = RGBAImage(width: 200, height: 300, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 0..<150 { for x in 0..<200 { m[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
        try AtomicFile.write(try ImageEncoder.png(m), to: mask)
        let run = try await Self.run([
            "generate", "--prompt", "a moon", "--simulator", "--image", reference, "--mask", mask, "--size", "auto",
            "--format", "jpeg", "--compression", "70", "--out", dir + "/out",
        ])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let path = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path.hasSuffix("-0.jpg"))
        let info = try ImageProbe.probe(.file(path))
        #expect(info.format == .jpeg && info.width == 1024 && info.height == 1536)
        #expect(run.stderr.contains("uploaded"))
    }

    @Test(arguments: [
        ["--background", "transparent", "--format", "jpeg"],
        ["--size", "16:9"],
        ["--model", "dall-e-9"],
        ["--compression", "101"],
        ["--mask", "/nonexistent/mask.png"],
        ["--quality", "ultra"],
    ])
    func usageAndContractErrorsExit2(_ extra: [String]) async throws {
        let run = try await Self.run(["generate", "--prompt", "p", "--simulator", "--out", Self.folder()] + extra)
        #expect(run.exitCode == 2, "\(extra): \(run.stderr)")
    }

    @Test func badLocalMaskExits2BeforeAnyUpload() async throws {
        let dir = try Self.folder()
        let reference = dir + "/ref.png"
        try AtomicFile.write(
            try ImageEncoder.png(RGBAImage(width: 64, height: 64, fill: RGBA8(r: 1, g: 2, b: 3))),
            to: reference
        )
        let mask = dir + "/mask.jpg"
        try AtomicFile.write(
            try ImageEncoder.jpeg(RGBAImage(width: 64, height: 64, fill: RGBA8(r: 1, g: 2, b: 3))),
            to: mask
        )
        let run = try await Self.run([
            "generate", "--prompt", "p", "--simulator", "--image", reference, "--mask", mask, "--out", dir,
        ])
        #expect(run.exitCode == 2, "\(run.stderr)")
        #expect(run.stderr.contains("mask"))
        #expect(!run.stderr.contains("uploaded"))
    }

    /// A file named on the command line that is missing is exit 1, as for every command (README's table).
    @Test(arguments: ["--image", "--mask"])
    func missingInputFileExits1(_ flag: String) async throws {
        let dir = try Self.folder()
        let reference = dir + "/ref.png"
        try AtomicFile.write(
            try ImageEncoder.png(RGBAImage(width: 64, height: 64, fill: RGBA8(r: 1, g: 2, b: 3))),
            to: reference
        )
        let images = flag == "--image" ? ["--image", dir + "/nothere.png"] : ["--image", reference]
        let mask = flag == "--mask" ? ["--mask", dir + "/nothere.png"] : []
        let run = try await Self.run(
            ["generate", "--prompt", "p", "--simulator", "--out", dir] + images + mask
        )
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(run.stderr.contains("nothere.png"), "\(run.stderr)")
    }

    @Test func missingKeyExits2AndSaysHowToSetIt() async throws {
        let run = try await Self.run([
            "generate", "--prompt", "p", "--base-url", "http://127.0.0.1:1", "--out", Self.folder(),
        ])
        #expect(run.exitCode == 2)
        #expect(run.stderr.contains("APIMART_API_KEY"))
        #expect(run.stderr.contains("--simulator"))
    }

    @Test func wrongKeyExits3AndNeverShowsTheKey() async throws {
        let simulator = try await Self.simulator(["--key", "the-right-key"])
        defer { simulator.process.kill() }
        try #require(simulator.baseURL.hasPrefix("http://"))
        for json in [false, true] {
            let run = try await Self.run(
                ["generate", "--prompt", "p", "--out", Self.folder()] + (json ? ["--json"] : []),
                environment: ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": simulator.baseURL]
            )
            #expect(run.exitCode == 3, "\(run.stderr)")
            #expect(run.stderr.contains("APIMART_API_KEY"))
            Self.expectNoKey(run)
        }
    }

    @Test func rightKeyWorksAndNeverShowsTheKey() async throws {
        let simulator = try await Self.simulator(["--key", Self.key, "--task-seconds", "0.5"])
        defer { simulator.process.kill() }
        let out = try Self.folder()
        let run = try await Self.run(
            ["generate", "--prompt", "p", "--out", out, "--json"],
            environment: ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": simulator.baseURL]
        )
        #expect(run.exitCode == 0, "\(run.stderr)")
        Self.expectNoKey(run)
        for name in try FileManager.default.contentsOfDirectory(atPath: out) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil)
        }
    }

    @Test func deadlineExits1() async throws {
        let simulator = try await Self.simulator(["--task-seconds", "30"])
        defer { simulator.process.kill() }
        let run = try await Self.run(
            ["generate", "--prompt", "p", "--out", Self.folder(), "--deadline", "1"],
            environment: ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": simulator.baseURL]
        )
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(run.stderr.contains("did not finish"))
        Self.expectNoKey(run)
    }

    @Test func helpIsShortAndNamesTheExitCodes() async throws {
        let run = try await Self.run(["generate", "--help"])
        #expect(run.exitCode == 0)
        #expect(run.stdout.contains("--prompt"))
        #expect(run.stdout.contains("--simulator"))
        #expect(run.stdout.contains("3 account error"))
    }
}
