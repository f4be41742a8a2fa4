import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `assetpipe` binary (`.build/debug/assetpipe`) as a subprocess, with a timeout,
/// and reports its exit code, output and peak memory. Shared by every CLI test file.
///
/// Peak RSS is measured in a separate process, never inside the (parallel) test runner: the child runs
/// under GNU time (`/usr/bin/time -f %M`), which forks it from its own small process. `wait4`'s rusage
/// here would not do: glibc's posix_spawn shares the test runner's memory until exec, and Linux then
/// records the runner's peak RSS as the child's own.
struct CLIRunner {
    struct Result: Sendable, CustomStringConvertible {
        var exitCode: Int32
        var stdout: String
        var stderr: String
        /// Peak resident set size of the child, in bytes; -1 when GNU time is not installed.
        var peakRSSBytes: Int
        var timedOut: Bool
        var duration: Duration

        var peakRSSMegabytes: Double { Double(peakRSSBytes) / 1_048_576 }

        var description: String {
            "exit \(exitCode)\(timedOut ? " (timed out)" : ""), \(String(format: "%.1f", peakRSSMegabytes)) MB peak\n"
                + "stdout:\n\(stdout)\nstderr:\n\(stderr)"
        }
    }

    static var packageRoot: URL { AssetpipeBinary.packageRoot }

    /// The binary under test: env ASSETPIPE_BINARY, else `.build/debug/assetpipe`.
    static var binaryPath: String { AssetpipeBinary.path }

    /// GNU time, which measures a child's own peak memory (Debian package `time`).
    static let gnuTime = "/usr/bin/time"

    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binaryPath) }

    /// Runs `assetpipe <arguments>`. `environment` entries are added to (or, with nil values, removed
    /// from) the current environment. `stdin` is written to the child's standard input.
    static func run(
        _ arguments: [String], environment: [String: String?] = [:], currentDirectory: String? = nil,
        stdin: String? = nil, timeout: Duration = .seconds(120)
    ) throws -> Result {
        try runProcess(
            binaryPath, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin,
            timeout: timeout)
    }

    /// Runs any executable the same way.
    static func runProcess(
        _ executable: String, _ arguments: [String], environment: [String: String?] = [:],
        currentDirectory: String? = nil, stdin: String? = nil, timeout: Duration = .seconds(120)
    ) throws -> Result {
        // Output goes to temporary files: no pipe can fill up and block the child.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
        let inURL = dir.appendingPathComponent("stdin")
        try Data((stdin ?? "").utf8).write(to: inURL)

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        // A working directory is set with coreutils `env -C` (posix_spawn_file_actions_addchdir_np
        // is not visible from Swift's Glibc module); the measured child is still the `exec`ed program.
        var argv = currentDirectory.map { ["/usr/bin/env", "-C", $0, executable] + arguments } ?? [executable] + arguments
        let rssURL = dir.appendingPathComponent("peak-rss")
        let measuresMemory = FileManager.default.isExecutableFile(atPath: gnuTime)
        if measuresMemory { argv = [gnuTime, "-f", "%M", "-o", rssURL.path] + argv }
        let program = argv[0]
        let envp = env.map { "\($0.key)=\($0.value)" }

        // posix_spawn + wait4: the child is reaped here (nobody else races for it). It leads its own
        // process group, so a timeout kills GNU time and the command under it alike.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inURL.path, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let spawnStatus = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnvp in posix_spawn(&pid, program, &actions, &attributes, cArgv, cEnvp) }
        }
        guard spawnStatus == 0 else {
            throw CLIRunnerError.spawnFailed(executable, String(cString: strerror(spawnStatus)))
        }

        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        let deadline = start.advanced(by: timeout)
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw CLIRunnerError.waitFailed(String(cString: strerror(errno))) }
            if clock.now >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
                break
            }
            usleep(2_000)
        }
        let exitCode: Int32 = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        // GNU time writes the peak in KiB on the last line of its output file; -1 when it is not installed.
        let peakKiB = measuresMemory
            ? ((try? String(contentsOf: rssURL, encoding: .utf8))?.split(separator: "\n").last.flatMap { Int($0) } ?? -1)
            : -1
        return Result(
            exitCode: exitCode, stdout: stdout, stderr: stderr,
            peakRSSBytes: peakKiB < 0 ? -1 : peakKiB * 1024, timedOut: timedOut,
            duration: clock.now - start)
    }
}

enum CLIRunnerError: Error, CustomStringConvertible {
    case spawnFailed(String, String)
    case waitFailed(String)

    var description: String {
        switch self {
        case .spawnFailed(let path, let reason): "cannot run \(path): \(reason) (build it with `swift build`)"
        case .waitFailed(let reason): "wait4 failed: \(reason)"
        }
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
