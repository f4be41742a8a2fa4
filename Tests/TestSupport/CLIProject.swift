import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The one project maker of the CLI tests: a temporary folder with an `assetpipe.yaml` (and input files).
public enum CLIProject {
    /// Two assets: `icons/a` (a PNG and a flattened 64-wide JPEG), and `b` (`n` images when `n` > 1).
    public static func twoAssets(n: Int = 1) -> String {
        """
        assets:
        \(pngAndJPEGAsset("icons/a", prompt: "a small icon"))
          - name: b
            prompt: another picture
            quality: low
        """ + (n > 1 ? "\n    n: \(n)" : "")
    }

    /// One entry of a manifest's `assets:` list (no trailing newline): `name` with `prompt` at low quality, as a PNG
    /// and a JPEG flattened onto white, 64 pixels wide.
    public static func pngAndJPEGAsset(_ name: String, prompt: String) -> String {
        """
          - name: \(name)
            prompt: \(prompt)
            quality: low
            outputs:
              - format: png
              - format: jpeg
                flatten: "#ffffff"
                width: 64
        """
    }

    /// Two assets, `a` and `b`, one PNG each at low quality: the smallest paid build of two.
    public static let small = """
        assets:
          - name: a
            prompt: first picture
            quality: low
          - name: b
            prompt: second picture
            quality: low
        """

    /// The environment of a CLI run against a simulator process: a test key, and no base URL from the shell.
    public static let environment: [String: String?] = ["APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil]

    /// A fresh folder `assetpipe-LABEL-…` holding `manifest` as `assetpipe.yaml` and `files` (relative path →
    /// bytes, folders made on the way); returns its path.
    public static func make(
        _ manifest: String,
        label: String = "cli",
        files: [String: [UInt8]] = [:]
    ) throws -> String {
        let folder = try TemporaryFolder(label)
        try folder.write(manifest, to: "assetpipe.yaml")
        for (relative, bytes) in files { try folder.write(bytes, to: relative) }
        return folder.path
    }
}

/// `assetpipe simulator` as a separate process on port 0, its counters read over `GET /_simulator/stats`; stopped
/// (SIGTERM, then SIGKILL) by `stop()`, or scoped with ``with(_:_:)``.
public final class SimulatorProcess: Sendable {
    public let child: ChildProcess
    public let baseURL: String

    public init(_ arguments: [String]) async throws {
        child = try AssetpipeBinary.start(["simulator", "--port", "0"] + arguments)
        let line = try await child.firstLine(timeout: .seconds(10))
        guard line.hasPrefix("http://127.0.0.1:") else {
            child.kill()
            throw ChildProcess.Failure("the simulator printed no loopback base URL: '\(line)'")
        }
        baseURL = line
    }

    /// Runs `body` with a simulator started with `arguments` after `--task-seconds 0.2`, stopped afterwards
    /// whether `body` returned or threw.
    public static func with(
        _ arguments: [String] = [],
        _ body: (SimulatorProcess) async throws -> Void
    ) async throws {
        let simulator = try await SimulatorProcess(["--task-seconds", "0.2"] + arguments)
        do {
            try await body(simulator)
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    public func stop() async { _ = await child.stop(timeout: .seconds(2)) }

    /// `assetpipe build DIR --base-url (this simulator) EXTRA...` with `CLIProject.environment`.
    public func build(_ dir: String, _ extra: [String] = []) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(
            ["build", dir, "--base-url", baseURL] + extra,
            environment: CLIProject.environment
        )
    }

    /// The simulator's counters (`GET /_simulator/stats`).
    public func stats() async throws -> [String: Any] {
        let url = URL(string: baseURL + "/_simulator/stats")!
        let data: Data = try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: url) { data, _, error in
                if let data {
                    continuation.resume(returning: data)
                } else {
                    continuation.resume(throwing: error ?? ChildProcess.Failure("no stats"))
                }
            }.resume()
        }
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ChildProcess.Failure("stats are not a JSON object")
        }
        return object
    }

    public func submissions() async throws -> Int { try await stats()["submissions"] as? Int ?? -1 }
    public func billedImages() async throws -> Int { try await stats()["billedImages"] as? Int ?? -1 }
    public func submitRequests() async throws -> Int {
        (try await stats()["requests"] as? [String: Any])?["submit"] as? Int ?? 0
    }
    /// Upload requests received (0 when the simulator counts none).
    public func uploadRequests() async throws -> Int {
        (try await stats()["requests"] as? [String: Any])?["upload"] as? Int ?? 0
    }
}
