import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The `assetpipe` binary tests run: `ASSETPIPE_BINARY` when set (e.g. a sanitized build), else the package's
/// `.build/debug/assetpipe`.
public enum AssetpipeBinary {
    public static var path: String {
        if let env = ProcessInfo.processInfo.environment["ASSETPIPE_BINARY"], !env.isEmpty { return env }
        return packageRoot.appendingPathComponent(".build/debug/assetpipe").path
    }

    /// The package root (this file is Tests/TestSupport/AssetpipeProcess.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}

/// `assetpipe build PROJECT --base-url URL --jobs 2` (key `test-key`), killed with SIGKILL as soon as its stderr
/// shows `marker` at least `count` times, or when `limit` has passed.
public struct KilledBuild {
    /// What the build wrote to stderr before it died.
    public var stderr: String
    /// False when the build ended on its own before it could be killed.
    public var wasKilled: Bool

    public static func run(
        project: String, baseURL: String, marker: String, count: Int, limit: Duration, log: String
    ) async throws -> KilledBuild {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AssetpipeBinary.path)
        process.arguments = ["build", project, "--base-url", baseURL, "--jobs", "2"]
        var environment = ProcessInfo.processInfo.environment
        environment["APIMART_API_KEY"] = "test-key"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        let end = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < end && process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.components(separatedBy: marker).count - 1 >= count { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return KilledBuild(
            stderr: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "",
            wasKilled: process.terminationReason == .uncaughtSignal)
    }
}
