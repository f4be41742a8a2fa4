import AssetpipeBasics
import Foundation
import Testing

/// Something a test needs from the machine (the built binary, the shared corpus, a tool). A test that needs one
/// says so with a trait, `@Test(.requires(.assetpipeBinary))`, and is then skipped with the reason when it is
/// missing: never a silent `return`, never a pass that checked nothing. Under CI (`CI=true`) a prerequisite that
/// `.ci/run` provides is not optional: there its absence fails the test instead.
public struct Prerequisite: Sendable {
    /// What is missing and how to get it, shown as the reason of the skip.
    public let reason: String
    /// True when CI provides it, so that CI fails rather than skips without it.
    public let providedInCI: Bool
    private let check: @Sendable () async -> Bool

    public init(reason: String, providedInCI: Bool = false, check: @escaping @Sendable () async -> Bool) {
        self.reason = reason
        self.providedInCI = providedInCI
        self.check = check
    }

    public var isAvailable: Bool { get async { await check() } }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true" }

    /// Whether the test runs: true when available; false (skip) when not; throws (fail) when CI should have it.
    func enablesTest() async throws -> Bool {
        if await isAvailable { return true }
        if providedInCI && Self.isCI { throw Missing(description: "CI=true, yet missing: \(reason)") }
        return false
    }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }
}

extension Prerequisite {
    /// The `assetpipe` binary under test (``AssetpipeBinary/path``); `swift test` builds it.
    public static let assetpipeBinary = Prerequisite(
        reason: "no assetpipe binary at \(AssetpipeBinary.path): build it with `swift build`",
        providedInCI: true
    ) { FileManager.default.isExecutableFile(atPath: AssetpipeBinary.path) }

    /// The shared test corpus (``Corpus/root``), never copied into the repository.
    public static let corpus = Prerequisite(
        reason: "test corpus not found at \(Corpus.root.path) (set ASSETPIPE_CORPUS)",
        providedInCI: true
    ) { Corpus.isPresent }

    /// GNU time, which measures a child's own peak memory (Debian package `time`, installed by `.ci/run`).
    public static let gnuTime = Prerequisite(
        reason: "GNU time is not installed at \(ChildProcess.gnuTime): apt-get install time",
        providedInCI: true
    ) { FileManager.default.isExecutableFile(atPath: ChildProcess.gnuTime) }

    /// The sqlite3 shell, to turn a journal back into an older format (Debian package `sqlite3`, installed by
    /// `.ci/run`).
    public static let sqlite3 = Prerequisite(
        reason: "the sqlite3 shell is not installed at /usr/bin/sqlite3: apt-get install sqlite3",
        providedInCI: true
    ) { FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") }

    /// Headless Chromium (``Chromium/path``; Debian package `chromium`, installed by `.ci/run`).
    public static let chromium = Prerequisite(
        reason: "Chromium is not installed (apt-get install chromium, or set CHROMIUM)",
        providedInCI: true
    ) { Chromium.path != nil }

    /// Root that may mount a tmpfs: a full disk and a read-only folder root cannot escape are made with one.
    public static let tmpfsMount = Prerequisite(
        reason: "cannot mount a tmpfs here (needs root with mount permission)"
    ) { await TmpfsProbe.canMount() }

    /// A folder the test process cannot write to: permission bits for an ordinary user, a read-only tmpfs for root.
    public static let unwritableFolder = Prerequisite(
        reason: "root without mount permission cannot make an unwritable folder"
    ) {
        if geteuid() != 0 { return true }
        return await TmpfsProbe.canMount()
    }

    /// An opt-in run, asked for with `NAME=1` in the environment (e.g. a test that rewrites committed files).
    public static func askedFor(_ name: String) -> Prerequisite {
        Prerequisite(reason: "runs only when asked for with \(name)=1") {
            ProcessInfo.processInfo.environment[name] == "1"
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips the test (or suite) with the prerequisite's reason when it is missing; see ``Prerequisite``.
    public static func requires(
        _ prerequisite: Prerequisite,
        sourceLocation: SourceLocation = #_sourceLocation
    )
        -> Self
    {
        .enabled(Comment(rawValue: prerequisite.reason), sourceLocation: sourceLocation) {
            try await prerequisite.enablesTest()
        }
    }
}

/// Headless Chromium, when installed (`CHROMIUM` names another binary).
public enum Chromium {
    public static let path: String? = {
        let env = ProcessInfo.processInfo.environment
        if let given = env["CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) { return given }
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin", "/snap/bin"]
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
                return dir + "/" + name
            }
        }
        return nil
    }()
}

/// Whether this process may mount a tmpfs: tried once, on a scratch folder, and remembered.
enum TmpfsProbe {
    private static let answer = LockedBox<Bool?>(nil)

    static func canMount() async -> Bool {
        if let known = answer.withLockedValue({ $0 }) { return known }
        let result = await tryMount()
        answer.withLockedValue { $0 = result }
        return result
    }

    private static func tryMount() async -> Bool {
        guard geteuid() == 0, let folder = try? TemporaryFolder("tmpfs-probe") else { return false }
        defer { folder.remove() }
        let mounted = try? await ChildProcess.run(
            "/usr/bin/env",
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", folder.path],
            timeout: .seconds(20)
        )
        guard mounted?.exitCode == 0 else { return false }
        _ = try? await ChildProcess.run("/usr/bin/env", ["umount", "-l", folder.path], timeout: .seconds(20))
        return true
    }
}
