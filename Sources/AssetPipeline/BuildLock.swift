import Foundation

/// An exclusive lock on `.assetpipe/build.lock` (flock): two builds of one manifest never run at once.
/// The kernel drops the lock when the process ends, even when it is killed.
public final class BuildLock: Sendable {
    let fd: Int32
    public let path: String

    /// Takes the lock or throws `.busy` at once (no waiting).
    public init(stateDirectory: String) throws {
        path = StateFolder(path: stateDirectory).buildLock
        do { try Files.createDirectory(stateDirectory) } catch {
            throw PipelineError(.state, "\(stateDirectory): cannot create the state folder", cause: "\(error)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(.state, "\(path): cannot open the build lock", cause: String(cString: strerror(errno)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder =
                (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw PipelineError(
                .busy,
                "another assetpipe build of this manifest is running\(holder.isEmpty ? "" : " (pid \(holder))"); wait for it to finish"
            )
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    public func release() {
        _ = ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension BuildLock {
    /// Runs `body` under this state folder's build lock: `held` when the caller already holds it (the review
    /// server holds it for as long as it runs, and runs its operations inside that hold), else a lock taken here
    /// and released when `body` returns. A `held` lock of another state folder is `.state`: a programming error
    /// the caller is told about rather than a second folder left unlocked.
    public static func holding<T>(
        _ held: BuildLock?,
        stateDirectory: String,
        _ body: (BuildLock) throws -> T
    ) throws -> T {
        if let held {
            try held.requireGuards(stateDirectory: stateDirectory)
            return try body(held)
        }
        let lock = try BuildLock(stateDirectory: stateDirectory)
        defer { lock.release() }
        return try body(lock)
    }

    /// Throws `.state` unless this is the build lock of `stateDirectory`.
    public func requireGuards(stateDirectory: String) throws {
        let expected = StateFolder(path: stateDirectory).buildLock
        guard PathTools.absolute(expected) == PathTools.absolute(path) else {
            throw PipelineError(
                .state,
                "\(expected): the build lock held (\(path)) belongs to another state folder; nothing was changed"
            )
        }
    }
}
