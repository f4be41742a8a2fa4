import NIOConcurrencyHelpers

/// A value behind a mutex, for small shared counters and flags. swift-nio's box, named once for the project
/// (`Synchronization.Mutex` would need macOS 15, above the declared platform).
public typealias LockedBox<Value> = NIOLockedValueBox<Value>
