import AssetpipeBasics
import Foundation
import ImageCodec
import Testing

/// `assetpipe generate` as a user runs it: the built binary as a subprocess.
@Suite("assetpipe generate")
struct GenerateCLITests {
    static let key = "sk-CLI-do-not-leak-4b9e1d77"

    /// The shared runner's choice: env ASSETPIPE_BINARY (e.g. a sanitized build), else `.build/debug/assetpipe`.
    static var binary: String { CLIRunner.binaryPath }

    /// Written by one reader thread, read after `group.wait()`.
    final class DataBox: @unchecked Sendable {
        var data = Data()
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with a clean environment (no APIMART_* unless given).
    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("APIMART_") }
        environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "assetpipe-cli-cache-" + UUID().uuidString
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let group = DispatchGroup()
        let outData = DataBox()
        let errData = DataBox()
        DispatchQueue.global().async(group: group) { outData.data = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        group.wait()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
            stderr: String(decoding: errData.data, as: UTF8.self))
    }

    static func folder() -> String {
        let path = NSTemporaryDirectory() + "assetpipe-generate-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func expectNoKey(_ run: Run, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!run.stdout.contains(key) && !run.stderr.contains(key), "key leaked", sourceLocation: sourceLocation)
    }

    /// A simulator subprocess (`assetpipe simulator`); returns its base URL from its first stdout line.
    final class SimulatorProcess {
        let process = Process()
        let baseURL: String

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: GenerateCLITests.binary)
            process.arguments = ["simulator", "--port", "0"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            let handle = out.fileHandleForReading
            while true {
                let byte = handle.readData(ofLength: 1)
                if byte.isEmpty || byte == Data([0x0A]) { break }
                line.append(byte)
            }
            baseURL = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    @Test func generatesWithTheSimulatorAndPrintsJSON() throws {
        let out = Self.folder()
        let run = try Self.run([
            "generate", "--prompt", "a red kite", "--simulator", "--n", "2", "--out", out, "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
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

    @Test func editWithReferenceMaskAndAutoSizeWritesJPEG() throws {
        let dir = Self.folder()
        let reference = dir + "/ref.png"
        let mask = dir + "/mask.png"
        try AtomicFile.write(
            try ImageEncoder.png(RGBAImage(width: 200, height: 300, fill: RGBA8(r: 90, g: 90, b: 200))), to: reference)
        var m = RGBAImage(width: 200, height: 300, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 0..<150 { for x in 0..<200 { m[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
        try AtomicFile.write(try ImageEncoder.png(m), to: mask)
        let run = try Self.run([
            "generate", "--prompt", "a moon", "--simulator", "--image", reference, "--mask", mask, "--size", "auto",
            "--format", "jpeg", "--compression", "70", "--out", dir + "/out",
        ])
        #expect(run.status == 0, "\(run.stderr)")
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
    func usageAndContractErrorsExit2(_ extra: [String]) throws {
        let run = try Self.run(["generate", "--prompt", "p", "--simulator", "--out", Self.folder()] + extra)
        #expect(run.status == 2, "\(extra): \(run.stderr)")
    }

    @Test func badLocalMaskExits2BeforeAnyUpload() throws {
        let dir = Self.folder()
        let reference = dir + "/ref.png"
        try AtomicFile.write(
            try ImageEncoder.png(RGBAImage(width: 64, height: 64, fill: RGBA8(r: 1, g: 2, b: 3))), to: reference)
        let mask = dir + "/mask.jpg"
        try AtomicFile.write(
            try ImageEncoder.jpeg(RGBAImage(width: 64, height: 64, fill: RGBA8(r: 1, g: 2, b: 3))), to: mask)
        let run = try Self.run([
            "generate", "--prompt", "p", "--simulator", "--image", reference, "--mask", mask, "--out", dir,
        ])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("mask"))
        #expect(!run.stderr.contains("uploaded"))
    }

    @Test func missingKeyExits2AndSaysHowToSetIt() throws {
        let run = try Self.run([
            "generate", "--prompt", "p", "--base-url", "http://127.0.0.1:1", "--out", Self.folder(),
        ])
        #expect(run.status == 2)
        #expect(run.stderr.contains("APIMART_API_KEY"))
        #expect(run.stderr.contains("--simulator"))
    }

    @Test func wrongKeyExits3AndNeverShowsTheKey() throws {
        let simulator = try SimulatorProcess(["--key", "the-right-key"])
        defer { simulator.stop() }
        try #require(simulator.baseURL.hasPrefix("http://"))
        for json in [false, true] {
            let run = try Self.run(
                ["generate", "--prompt", "p", "--out", Self.folder()] + (json ? ["--json"] : []),
                environment: ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": simulator.baseURL])
            #expect(run.status == 3, "\(run.stderr)")
            #expect(run.stderr.contains("APIMART_API_KEY"))
            Self.expectNoKey(run)
        }
    }

    @Test func rightKeyWorksAndNeverShowsTheKey() throws {
        let simulator = try SimulatorProcess(["--key", Self.key, "--task-seconds", "0.5"])
        defer { simulator.stop() }
        let out = Self.folder()
        let run = try Self.run(
            ["generate", "--prompt", "p", "--out", out, "--json"],
            environment: ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": simulator.baseURL])
        #expect(run.status == 0, "\(run.stderr)")
        Self.expectNoKey(run)
        for name in try FileManager.default.contentsOfDirectory(atPath: out) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil)
        }
    }

    @Test func deadlineExits1() throws {
        let simulator = try SimulatorProcess(["--task-seconds", "30"])
        defer { simulator.stop() }
        let run = try Self.run(
            ["generate", "--prompt", "p", "--out", Self.folder(), "--deadline", "1"],
            environment: ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": simulator.baseURL])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("did not finish"))
        Self.expectNoKey(run)
    }

    @Test func helpIsShortAndNamesTheExitCodes() throws {
        let run = try Self.run(["generate", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("--prompt"))
        #expect(run.stdout.contains("--simulator"))
        #expect(run.stdout.contains("3 account error"))
    }
}
