import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `assetpipe simulator`: a long-running process whose first stdout line is its base URL.
@Suite("assetpipe simulator")
struct SimulatorCLITests {
    @Test func printsBaseURLFirstServesAndStopsOnSIGTERM() async throws {
        try #require(CLIRunner.binaryExists, "build assetpipe first: \(CLIRunner.binaryPath)")
        let server = try SimulatorProcess(["simulator", "--port", "0", "--task-seconds", "0.2", "--seed", "3"])
        defer { server.kill() }
        let first = try await simCLIBlocking { try server.firstLine(timeout: .seconds(30)) }
        let url = try #require(URL(string: first), "first line is not a URL: \(first)")
        #expect(first.hasPrefix("http://127.0.0.1:"))
        let port = try #require(url.port)
        #expect(port > 0)

        let body = #"{"model":"gpt-image-1-official","prompt":"cli"}"#
        let answer = try await simCLIBlocking {
            try SimRawExchange.http(
                port: port,
                "POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                    + body)
        }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains(#""task_id":"task_"#))

        let result = try await simCLIBlocking { try server.terminate(timeout: .seconds(20)) }
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 1, "only the base URL on stdout: \(result.stdout)")
        #expect(!result.stderr.contains("warning"))
    }

    @Test func requiresTheConfiguredKey() async throws {
        try #require(CLIRunner.binaryExists, "build assetpipe first: \(CLIRunner.binaryPath)")
        let server = try SimulatorProcess(["simulator", "--key", "s3cret-key"])
        defer { server.kill() }
        let port = try #require(
            URL(string: try await simCLIBlocking { try server.firstLine(timeout: .seconds(30)) })?.port)
        let wrong = try await simCLIBlocking {
            try SimRawExchange.http(
                port: port,
                "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n"
            )
        }
        #expect(wrong.hasPrefix("HTTP/1.1 401"))
        let right = try await simCLIBlocking {
            try SimRawExchange.http(
                port: port,
                "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-key\r\nConnection: close\r\n\r\n")
        }
        #expect(right.hasPrefix("HTTP/1.1 404"))
        let result = try await simCLIBlocking { try server.terminate(timeout: .seconds(20)) }
        #expect(
            !result.stdout.contains("s3cret-key") && !result.stderr.contains("s3cret-key"), "the key is never printed")
    }

    @Test func warnsWhenNotLoopback() async throws {
        try #require(CLIRunner.binaryExists, "build assetpipe first: \(CLIRunner.binaryPath)")
        let server = try SimulatorProcess(["simulator", "--host", "0.0.0.0"])
        defer { server.kill() }
        _ = try await simCLIBlocking { try server.firstLine(timeout: .seconds(30)) }
        let result = try await simCLIBlocking { try server.terminate(timeout: .seconds(20)) }
        #expect(
            result.stderr.contains("warning") && result.stderr.contains("reachable from the network"),
            "\(result.stderr)")
    }

    @Test(arguments: [
        ["simulator", "--drop-rate", "1.5"],
        ["simulator", "--rate-limit-rate", "0.6", "--error500-rate", "0.6"],
        ["simulator", "--port", "70000"],
        ["simulator", "--task-seconds", "-1"],
    ])
    func invalidSettingsExit2(arguments: [String]) async throws {
        try #require(CLIRunner.binaryExists, "build assetpipe first: \(CLIRunner.binaryPath)")
        let server = try SimulatorProcess(arguments)
        defer { server.kill() }
        let result = try await simCLIBlocking { try server.wait(timeout: .seconds(30)) }
        #expect(result.exitCode == 2, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func helpIsShortAndNamesTheFlags() async throws {
        try #require(CLIRunner.binaryExists, "build assetpipe first: \(CLIRunner.binaryPath)")
        let result = try await simCLIBlocking {
            try SimulatorProcess(["simulator", "--help"]).wait(timeout: .seconds(30))
        }
        #expect(result.exitCode == 0)
        for flag in [
            "--host", "--port", "--key", "--task-seconds", "--seed", "--fail-rate", "--rate-limit-rate",
            "--retry-after", "--error500-rate", "--error502-rate", "--drop-rate", "--slow-rate", "--slow-seconds",
        ] {
            #expect(result.stdout.contains(flag), "help lacks \(flag)")
        }
    }
}

/// A child `assetpipe` whose stdout is read while it runs (stderr goes to a file).
final class SimulatorProcess: @unchecked Sendable {
    struct Outcome {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    private let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrURL: URL
    private var buffered: [UInt8] = []

    init(_ arguments: [String]) throws {
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("sim-cli-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: CLIRunner.binaryPath)
        process.arguments = arguments
        process.standardOutput = stdoutPipe
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { try? FileManager.default.removeItem(at: stderrURL) }

    /// The first line on stdout, without its newline.
    func firstLine(timeout: Duration) throws -> String {
        let fd = stdoutPipe.fileHandleForReading.fileDescriptor
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while !buffered.contains(UInt8(ascii: "\n")) {
            guard clock.now < end else { throw Failure("no first line within \(timeout); stderr: \(stderr())") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { throw Failure("stdout closed before a first line; stderr: \(stderr())") }
            buffered += chunk[0..<n]
        }
        let newline = buffered.firstIndex(of: UInt8(ascii: "\n"))!
        return String(decoding: buffered[..<newline], as: UTF8.self)
    }

    /// Sends SIGTERM and waits for the exit.
    func terminate(timeout: Duration) throws -> Outcome {
        process.terminate()
        return try wait(timeout: timeout)
    }

    func wait(timeout: Duration) throws -> Outcome {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while process.isRunning {
            guard clock.now < end else {
                kill()
                throw Failure("did not exit within \(timeout); stderr: \(stderr())")
            }
            usleep(20_000)
        }
        let rest = (try? stdoutPipe.fileHandleForReading.readToEnd()) ?? nil
        buffered += rest.map(Array.init) ?? []
        return Outcome(
            exitCode: process.terminationStatus, stdout: String(decoding: buffered, as: UTF8.self), stderr: stderr())
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    private func stderr() -> String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// One request over a plain loopback socket; returns the whole answer as text (the request should say
/// `Connection: close`).
enum SimRawExchange {
    static func http(port: Int, _ request: String) throws -> String {
        String(decoding: try RawHTTP.exchange(port: port, request, timeoutSeconds: 20), as: UTF8.self)
    }
}

/// Runs blocking work (process waits, plain sockets) on its own thread, never on a cooperative-pool thread.
func simCLIBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
