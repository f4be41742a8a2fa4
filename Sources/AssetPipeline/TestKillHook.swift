import AssetpipeBasics
import Foundation

/// For the crash-resume tests only (Tests/CLITests/CrashResumeCLITests.swift): with
/// `ASSETPIPE_TEST_KILL_AT=<step>[:<n>]` set, the build SIGKILLs itself the n-th time (default: the first) any asset
/// reaches `<step>`, so a test can stop it in windows too short to hit by timing. Steps:
/// `raw-written` (a result is in the raw cache, not yet in the journal), `output-written` (a file of the tree is
/// replaced, the lock not yet updated), `lock-write` (just before the lock file is written).
/// Unset (always, outside those tests), it does nothing.
enum TestKillHook {
    static let target: (step: String, count: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["ASSETPIPE_TEST_KILL_AT"], !value.isEmpty else {
            return nil
        }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        return (parts[0], parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()
    /// How often each step was reached in this process.
    static let seen = LockedBox<[String: Int]>([:])

    static func reached(_ step: String) {
        guard let target, target.step == step else { return }
        let n = seen.withLockedValue { seen in
            seen[step, default: 0] += 1
            return seen[step, default: 0]
        }
        if n == target.count { kill(getpid(), SIGKILL) }
    }
}
