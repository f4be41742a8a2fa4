import Foundation

/// Runs blocking work (a plain socket, a blocking system call) on a thread of its own, so it never holds one of the
/// few cooperative-pool threads that the in-process servers and clients of other tests need.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
