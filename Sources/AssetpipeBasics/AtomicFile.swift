#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so a reader sees either the old file or the whole new one, never a partial one:
/// a temporary file in the same directory, fsync, rename, fsync of the directory.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically; creates missing parent directories.
    public static func write(_ bytes: [UInt8], to path: String) throws(FileError) {
        do {
            try writing(to: path) { temp in
                let fd = open(temp, O_WRONLY | O_TRUNC | O_CLOEXEC)
                guard fd >= 0 else { throw ioError("cannot open", path: temp) }
                defer { close(fd) }
                var offset = 0
                while offset < bytes.count {
                    let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw ioError("cannot write", path: path)
                    }
                    offset += n
                }
            }
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(.io, "cannot write the file", cause: error, path: path)
        }
    }

    /// Runs `body` with the path of a fresh temporary file next to `path`, then fsyncs it and renames
    /// it over `path`. On any error the temporary file is removed and `path` is untouched.
    /// `body`'s own error is passed through as it is; failures of the file system are `FileError`s.
    public static func writing<T>(to path: String, _ body: (String) throws -> T) throws -> T {
        let directory = parent(of: path)
        try makeDirectories(directory)
        let name = path.split(separator: "/").last.map(String.init) ?? "file"
        var template = Array("\(directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ioError("cannot create a temporary file in \(directory)", path: path) }
        close(fd)
        let temp = String(cString: template.map { UInt8(bitPattern: $0) })
        do {
            let result = try body(temp)
            try sync(temp, path: path)
            guard rename(temp, path) == 0 else { throw ioError("cannot rename the temporary file", path: path) }
            let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dirFD >= 0 {
                _ = fsync(dirFD)
                close(dirFD)
            }
            return result
        } catch {
            unlink(temp)
            throw error
        }
    }

    static func sync(_ temp: String, path: String) throws(FileError) {
        let fd = open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("cannot reopen the temporary file", path: path) }
        defer { close(fd) }
        // A fresh mkstemp file is 0600; give it the usual permissions (umask applies).
        let mask = umask(0)
        umask(mask)
        _ = fchmod(fd, 0o666 & ~mask)
        guard fsync(fd) == 0 else { throw ioError("cannot fsync", path: path) }
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    public static func makeDirectories(_ directory: String) throws(FileError) {
        var st = stat()
        if stat(directory, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw FileError(
                .notADirectory,
                "\(directory) exists and is not a directory; move it or choose another path",
                path: directory
            )
        }
        let up = parent(of: directory)
        if up != directory && up != "." && up != "/" { try makeDirectories(up) }
        if mkdir(directory, 0o777) != 0 && errno != EEXIST {
            throw ioError("cannot create the directory", path: directory)
        }
    }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    static func ioError(_ what: String, path: String) -> FileError {
        let cause = SystemError(errno: errno)
        return FileError(
            .io,
            "\(what): \(cause.reason); check the path, the permissions and the free space",
            cause: cause,
            path: path
        )
    }
}
