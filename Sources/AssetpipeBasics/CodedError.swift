#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The shape every module's error shares (after swift-nio's `FileSystemError`): a stable machine `code`, a
/// `message` for a person that names the thing and what to do, and the underlying `cause` kept as an error.
public protocol CodedError: Error, Sendable, CustomStringConvertible {
    associatedtype Code: RawRepresentable<String>
    /// Stable, kebab-case, documented: scripts and `--json` read its raw value.
    var code: Code { get }
    /// One line: what is wrong, where, and what to do.
    var message: String { get }
    /// The error this one was made from, if any.
    var cause: (any Error)? { get }
}

extension CodedError {
    /// The code as scripts see it.
    public var codeName: String { code.rawValue }

    /// The message followed by each cause in turn, one per line, for `--verbose` output and logs.
    public func detailedDescription() -> String {
        var lines = ["[\(codeName)] \(description)"]
        var next = cause
        while let error = next {
            if let coded = error as? any CodedError {
                lines.append("caused by: [\(coded.codeName)] \(coded.description)")
                next = coded.cause
            } else {
                lines.append("caused by: \(String(describing: error))")
                next = nil
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// A failed system call: `errno` and the C library's text for it.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errno: Int32
    public var reason: String

    public init(errno: Int32) {
        self.errno = errno
        self.reason = String(cString: strerror(errno))
    }

    public var description: String { "\(reason) (errno \(errno))" }
}

/// A cause that is only a text: the message a C library or a server wrote.
public struct MessageCause: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public init(_ text: String) { self.text = text }
    public var description: String { text }
}

/// The basics module's own error: a file could not be written, read or made.
public struct FileError: CodedError {
    public enum Code: String, Sendable {
        /// Reading, writing, renaming or syncing failed.
        case io
        /// A path that must be a directory is something else.
        case notADirectory = "not-a-directory"
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?
    public var path: String

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, path: String) {
        self.code = code
        self.message = message
        self.cause = cause
        self.path = path
    }

    public var description: String { "\(path): \(message)" }
}
