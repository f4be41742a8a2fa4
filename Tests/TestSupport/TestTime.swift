import Foundation

/// Time limits for tests that guard against hangs. Sanitized runs are several times slower (TSan 5–15×), so the
/// limit is multiplied by `ASSETPIPE_TEST_TIME_SCALE` (a whole number ≥ 1, default 1) instead of being raised for
/// everyone: a hang still fails fast in the ordinary run.
public enum TestTime {
    public static var scale: Int {
        let raw = ProcessInfo.processInfo.environment["ASSETPIPE_TEST_TIME_SCALE"] ?? ""
        return max(Int(raw) ?? 1, 1)
    }

    /// `minutes` × ``scale``, for `.timeLimit(.minutes(TestTime.minutes(4)))`.
    public static func minutes(_ minutes: Int) -> Int { minutes * scale }

    /// The suite runs in parallel on a 2-core machine, so a test that keeps the CPU busy for minutes (a soak, a
    /// series of real builds) gets about half of it while the rest of the suite runs: its limit is twice what it
    /// needs alone, × ``scale``.
    public static func busyMinutes(_ minutes: Int) -> Int { minutes * 2 * scale }
}
