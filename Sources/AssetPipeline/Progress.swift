import APIMartClient
import AssetpipeBasics
import Foundation

/// What happens during a build, as it happens.
public enum BuildEvent: Sendable {
    /// The plan is made; `toRun` assets need work.
    case planned(total: Int, toRun: Int, imagesToBill: Int)
    case started(asset: String, action: PlannedAsset.Action)
    /// A step of an asset build: validating, uploading, submitting, polling (with the task's status), downloading, …
    case step(asset: String, text: String)
    case finished(AssetOutcome)
    /// A message about the whole build (an account stop, a note).
    case note(String)
}

extension AssetOutcome {
    /// An asset an account stop seen earlier kept from being attempted (its progress line says only that).
    var isNotAttempted: Bool {
        notAttempted == true
            || (failedOnAccount && error?.hasPrefix(APIMartClient.AccountStops.notAttemptedPrefix) == true)
    }
}

/// Which account errors (by code) a progress display has said in full.
final class SaidOnce: Sendable {
    let said = LockedBox(Set<String>())

    /// True the first time `code` is asked about.
    func firstTime(_ code: String?) -> Bool {
        said.withLockedValue { $0.insert(code ?? "").inserted }
    }
}

/// Receives build events. Called from many asset builds at once.
public protocol BuildObserver: Sendable {
    func handle(_ event: BuildEvent)
}

/// No output.
public struct SilentObserver: BuildObserver {
    public init() {}
    public func handle(_ event: BuildEvent) {}
}

/// Without a terminal (CI): one plain line per event, to stderr.
public final class PlainProgress: BuildObserver, Sendable {
    /// Keeps lines from concurrent asset builds whole.
    let writing = LockedBox(())
    /// Account errors already said: one is said in full once (what to do), then named.
    let accountErrors = SaidOnce()
    let write: @Sendable (String) -> Void
    let start = Date()

    public init(
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.write = write
    }

    public func handle(_ event: BuildEvent) {
        let t = String(format: "[%6.1fs]", Date().timeIntervalSince(start))
        let line: String
        switch event {
        case .planned(let total, let toRun, let images):
            line = "\(t) plan: \(total) assets, \(toRun) to run, \(images) images to bill"
        case .started(let asset, let action):
            line = "\(t) \(asset): \(action.rawValue)"
        case .step(let asset, let text):
            line = "\(t) \(asset): \(text)"
        case .finished(let o):
            switch o.status {
            case .failed where o.isNotAttempted: line = "\(t) \(o.name): not attempted (account stop)"
            case .failed where o.failedOnAccount && !accountErrors.firstTime(o.errorCode):
                line = "\(t) \(o.name): FAILED: \(BuildReport.accountStatus(o.errorCode)) (see above)"
            case .failed: line = "\(t) \(o.name): FAILED: \(o.error ?? "")"
            case .upToDate: return
            default: line = "\(t) \(o.name): \(o.status.rawValue) (\(o.written.count) files written)"
            }
        case .note(let text):
            line = "\(t) \(text)"
        }
        writing.withLockedValue { _ in write(line) }
    }
}

/// On a terminal: a live display, one line per running asset and an overall bar with counts and elapsed time,
/// redrawn in place on stderr.
public final class LiveProgress: BuildObserver, Sendable {
    /// What is on screen; events come from many asset builds at once.
    struct Display {
        var total = 0
        var done = 0
        var failed = 0
        var running: [(name: String, state: String)] = []
        var drawnLines = 0
        var finishedLines: [String] = []
    }
    let display = LockedBox(Display())
    let accountErrors = SaidOnce()
    let start = Date()
    let width: Int

    public init(width: Int = 100) { self.width = max(40, width) }

    public func handle(_ event: BuildEvent) {
        display.withLockedValue { d in
            switch event {
            case .planned(_, let toRun, _):
                d.total = toRun
            case .started(let asset, let action):
                d.running.append((asset, action.rawValue))
            case .step(let asset, let text):
                if let i = d.running.firstIndex(where: { $0.name == asset }) { d.running[i].state = text }
            case .finished(let o):
                d.running.removeAll { $0.name == o.name }
                if o.status == .upToDate { return }
                d.done += 1
                if o.status == .failed {
                    d.failed += 1
                    let text =
                        o.isNotAttempted
                        ? "not attempted (account stop)"
                        : o.failedOnAccount && !accountErrors.firstTime(o.errorCode)
                            ? "\(BuildReport.accountStatus(o.errorCode)) (see above)" : o.error ?? "failed"
                    d.finishedLines.append("✗ \(o.name): \(text)")
                } else {
                    d.finishedLines.append("✓ \(o.name): \(o.status.rawValue)")
                }
            case .note(let text):
                d.finishedLines.append(text)
            }
            redraw(&d)
        }
    }

    /// Redraws (call a few times a second so the elapsed time moves between events).
    public func tick() {
        display.withLockedValue { d in
            if d.drawnLines > 0 { redraw(&d) }
        }
    }

    /// Clears the live lines (before the summary is printed).
    public func finish() {
        display.withLockedValue { d in
            d.running.removeAll()
            redraw(&d, final: true)
        }
    }

    func redraw(_ d: inout Display, final: Bool = false) {
        var out = ""
        if d.drawnLines > 0 { out += "\u{1B}[\(d.drawnLines)A" }
        out += "\u{1B}[J"
        for line in d.finishedLines { out += clip(line) + "\n" }
        d.finishedLines.removeAll()
        var lines: [String] = []
        if !final {
            for r in d.running { lines.append(clip("  ⋯ \(r.name): \(r.state)")) }
            let elapsed = Int(Date().timeIntervalSince(start))
            let barWidth = 30
            let filled = d.total == 0 ? barWidth : barWidth * d.done / max(d.total, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: barWidth - filled)
            lines.append(
                "[\(bar)] \(d.done)/\(d.total) done, \(d.failed) failed, \(d.running.count) running, \(elapsed / 60):\(String(format: "%02d", elapsed % 60))"
            )
        }
        for l in lines { out += l + "\n" }
        d.drawnLines = lines.count
        FileHandle.standardError.write(Data(out.utf8))
    }

    func clip(_ s: String) -> String { s.count > width ? String(s.prefix(width - 1)) + "…" : s }
}
