import AssetpipeBasics
import Dispatch

/// Runs independent per-file work on all cores (`inspect`, `convert`); results in argument order.
enum ParallelMap {
    static func run<T: Sendable>(_ items: [String], _ work: @Sendable @escaping (String) -> T) -> [T] {
        let results = LockedBox<[T?]>(Array(repeating: nil, count: items.count))
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let value = work(items[i])
            results.withLockedValue { $0[i] = value }
        }
        return results.withLockedValue { $0.map { $0! } }
    }
}
