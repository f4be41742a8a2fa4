import AssetpipeBasics
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The `assetpipe` binary tests run: `ASSETPIPE_BINARY` when set (e.g. a sanitized build), else the package's
/// `.build/debug/assetpipe`. Tests that run it say `.requires(.assetpipeBinary)`.
public enum AssetpipeBinary {
    public static var path: String {
        if let env = ProcessInfo.processInfo.environment["ASSETPIPE_BINARY"], !env.isEmpty { return env }
        return packageRoot.appendingPathComponent(".build/debug/assetpipe").path
    }

    /// Runs `assetpipe arguments` to its end (killed after `timeout`), measuring its peak memory when GNU time is
    /// installed. `environment` entries are added to (or, with nil values, removed from) the current environment.
    public static func run(
        _ arguments: [String],
        environment: [String: String?] = [:],
        currentDirectory: String? = nil,
        stdin: String? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            path,
            arguments,
            environment: environment,
            currentDirectory: currentDirectory,
            stdin: stdin,
            measuresMemory: true,
            timeout: timeout
        )
    }

    /// Starts `assetpipe arguments` in the background (a simulator, a build to kill).
    public static func start(
        _ arguments: [String],
        environment: [String: String?] = [:],
        currentDirectory: String? = nil
    ) throws -> ChildProcess {
        try ChildProcess(path, arguments, environment: environment, currentDirectory: currentDirectory)
    }

    /// The package root (this file is Tests/TestSupport/ChildProcess.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}

/// The one way tests run a child process: the `assetpipe` binary, a tool, a browser.
///
/// The child is started with `posix_spawn` in a process group of its own (so a kill reaches whatever it started),
/// its stdout and stderr go to files (no pipe can fill up and block it; both can be read while it runs), and its
/// exit is awaited off the cooperative pool: a dedicated thread blocks in `wait4` and resumes the waiting tasks.
/// A test waiting for a child therefore never holds one of the pool's few threads, which the in-process servers
/// of other tests (running in parallel) need to answer.
///
/// With `measuresMemory`, the child runs under GNU time (`/usr/bin/time -f %M`), which reports its own peak RSS.
/// `wait4`'s rusage here would not do: glibc's posix_spawn shares the test runner's memory until exec, and Linux
/// then records the runner's peak RSS as the child's own.
public final class ChildProcess: Sendable {
    public struct Outcome: Sendable, CustomStringConvertible {
        /// The exit status, or 128 + the signal that ended the child.
        public var exitCode: Int32
        /// The signal that ended the child, if one did.
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
        /// Peak resident set size of the child, in bytes; -1 unless measured (`measuresMemory`).
        public var peakRSSBytes: Int
        /// True when the child was killed because `timeout` passed.
        public var timedOut: Bool
        public var duration: Duration

        public var peakRSSMegabytes: Double { Double(peakRSSBytes) / 1_048_576 }
        public var wasKilledBySignal: Bool { signal != nil }

        public var description: String {
            "exit \(exitCode)\(timedOut ? " (timed out)" : "")"
                + (peakRSSBytes >= 0 ? ", \(String(format: "%.1f", peakRSSMegabytes)) MB peak" : "")
                + "\nstdout:\n\(stdout)\nstderr:\n\(stderr)"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// GNU time, which measures a child's own peak memory (Debian package `time`).
    public static let gnuTime = "/usr/bin/time"

    /// The child's process id (GNU time's, when memory is measured).
    public let pid: pid_t
    private let folder: TemporaryFolder
    private let measuresMemory: Bool
    private let started: ContinuousClock.Instant
    private let state = LockedBox(ExitState())

    private struct ExitState {
        var status: Int32?
        var ended: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Starts `executable arguments`. `environment` entries are added to (or, with nil values, removed from) the
    /// current environment; `stdin` is the child's standard input (empty when nil).
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String?] = [:],
        currentDirectory: String? = nil,
        stdin: String? = nil,
        measuresMemory: Bool = false
    ) throws {
        folder = try TemporaryFolder("child")
        let stdinPath = try folder.write(stdin ?? "", to: "stdin")
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        // A working directory is set with coreutils `env -C` (posix_spawn_file_actions_addchdir_np is not
        // visible from Swift's Glibc module); the child is still the `exec`ed program, with the same pid.
        var argv =
            currentDirectory.map { ["/usr/bin/env", "-C", $0, executable] + arguments } ?? [executable] + arguments
        self.measuresMemory = measuresMemory && FileManager.default.isExecutableFile(atPath: Self.gnuTime)
        if self.measuresMemory { argv = [Self.gnuTime, "-f", "%M", "-o", folder.file("peak-rss")] + argv }
        let envp = env.map { "\($0.key)=\($0.value)" }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, folder.file("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, folder.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        started = ContinuousClock.now
        var pid: pid_t = 0
        let spawnStatus = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnvp) }
        }
        guard spawnStatus == 0 else {
            folder.remove()
            throw Failure("cannot run \(executable): \(String(cString: strerror(spawnStatus)))")
        }
        self.pid = pid
        // The one place the child is reaped: a thread of its own blocks in wait4, never a pool thread.
        let state = self.state
        let child = pid
        Thread {
            var status: Int32 = 0
            while wait4(child, &status, 0, nil) < 0 && errno == EINTR {}
            let waiters = state.withLockedValue { state in
                state.status = status
                state.ended = ContinuousClock.now
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }.start()
    }

    /// Runs `executable arguments` to its end (killed after `timeout`) and returns what it did.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String?] = [:],
        currentDirectory: String? = nil,
        stdin: String? = nil,
        measuresMemory: Bool = false,
        timeout: Duration = .seconds(120)
    ) async throws -> Outcome {
        let child = try ChildProcess(
            executable,
            arguments,
            environment: environment,
            currentDirectory: currentDirectory,
            stdin: stdin,
            measuresMemory: measuresMemory
        )
        return await child.exit(timeout: timeout)
    }

    deinit {
        if isRunning { Glibc.kill(-pid, SIGKILL) }
        folder.remove()
    }

    public var isRunning: Bool { state.withLockedValue { $0.status == nil } }

    /// What the child wrote to stdout so far.
    public var stdout: String { read("stdout") }
    /// What the child wrote to stderr so far.
    public var stderr: String { read("stderr") }

    /// Sends `signal` to the child's process group, if it still runs.
    public func signal(_ signal: Int32) {
        if isRunning { Glibc.kill(-pid, signal) }
    }

    /// SIGTERM: asks the child to stop.
    public func terminate() { signal(SIGTERM) }

    /// SIGKILL, at once.
    public func kill() { signal(SIGKILL) }

    /// SIGTERM, then waits for the end (a SIGKILL once `timeout` passed).
    public func stop(timeout: Duration = .seconds(20)) async -> Outcome {
        terminate()
        return await exit(timeout: timeout)
    }

    /// SIGKILL, then waits for the end; true when the child was still running and died of it.
    @discardableResult
    public func killNow() async -> Bool {
        let wasRunning = isRunning
        kill()
        let outcome = await exit()
        return wasRunning && outcome.signal == SIGKILL
    }

    /// Waits for the child's end, off the cooperative pool; kills it (and records `timedOut`) once `timeout` passed
    /// (scaled by ``TestTime/scale`` for sanitized runs).
    public func exit(timeout: Duration = .seconds(120)) async -> Outcome {
        let timeout = timeout * TestTime.scale
        let exitedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.exited()
                return true
            }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return true }
                return false
            }
            let first = await group.next() ?? true
            if first { group.cancelAll() } else { self.kill() }
            return first
        }
        await exited()
        let (status, ended) = state.withLockedValue { ($0.status ?? 0, $0.ended ?? ContinuousClock.now) }
        let signal: Int32? = status & 0x7f == 0 ? nil : status & 0x7f
        let exitCode: Int32 = signal.map { 128 + $0 } ?? (status >> 8) & 0xff
        // GNU time writes the peak in KiB on the last line of its output file.
        let peakKiB = measuresMemory ? read("peak-rss").split(separator: "\n").last.flatMap { Int($0) } ?? -1 : -1
        return Outcome(
            exitCode: exitCode,
            signal: signal,
            stdout: stdout,
            stderr: stderr,
            peakRSSBytes: peakKiB < 0 ? -1 : peakKiB * 1024,
            timedOut: !exitedInTime,
            duration: ended - started
        )
    }

    /// Waits until `marker` appears at least `count` times in the child's stderr (true), or the child ends or
    /// `timeout` passes (false).
    public func waitForStderr(_ marker: String, count: Int = 1, timeout: Duration = .seconds(60)) async throws -> Bool {
        let end = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < end {
            let running = isRunning
            if stderr.components(separatedBy: marker).count - 1 >= count { return true }
            if !running { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// The first line of the child's stdout, without its newline; throws when the child ends or `timeout` passes
    /// before one.
    public func firstLine(timeout: Duration = .seconds(30)) async throws -> String {
        let end = ContinuousClock.now.advanced(by: timeout)
        while true {
            let running = isRunning
            let text = stdout
            if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]) }
            guard running else { throw Failure("stdout ended before a first line; stderr: \(stderr)") }
            guard ContinuousClock.now < end else { throw Failure("no first line within \(timeout); stderr: \(stderr)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func exited() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLockedValue { state in
                if state.status != nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func read(_ name: String) -> String {
        (try? String(contentsOfFile: folder.file(name), encoding: .utf8)) ?? ""
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}

/// `assetpipe build PROJECT --base-url URL --jobs 2` (key `test-key`), killed with SIGKILL as soon as its stderr
/// shows `marker` at least `count` times, or when `limit` has passed.
public struct KilledBuild {
    /// What the build wrote to stderr before it died.
    public var stderr: String
    /// False when the build ended on its own before it could be killed.
    public var wasKilled: Bool

    public static func run(
        project: String,
        baseURL: String,
        marker: String,
        count: Int,
        limit: Duration
    ) async throws -> KilledBuild {
        let build = try AssetpipeBinary.start(
            ["build", project, "--base-url", baseURL, "--jobs", "2"],
            environment: ["APIMART_API_KEY": "test-key"]
        )
        _ = try await build.waitForStderr(marker, count: count, timeout: limit)
        build.kill()
        let outcome = await build.exit()
        return KilledBuild(stderr: outcome.stderr, wasKilled: outcome.signal == SIGKILL)
    }
}
