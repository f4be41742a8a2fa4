#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP/1.1 exchange over a plain loopback socket, below any HTTP library: for answers a client library would
/// hide (dropped connections, raw headers). The request should say `Connection: close`.
public enum RawHTTP {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Sends `request` to 127.0.0.1:`port` and returns every byte received until the peer closes (or resets) the
    /// connection; a read waits at most `timeoutSeconds`. The blocking socket runs off the cooperative pool.
    public static func exchange(port: Int, _ request: String, timeoutSeconds: Int = 60) async throws -> [UInt8] {
        try await offThePool { try blockingExchange(port: port, request, timeoutSeconds: timeoutSeconds) }
    }

    private static func blockingExchange(port: Int, _ request: String, timeoutSeconds: Int) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() to port \(port) failed") }
        let bytes = Array(request.utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "send() failed") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[0..<n]
            } else if n == 0 || errno == ECONNRESET {
                break
            } else {
                throw Failure(description: "recv() from port \(port) failed: errno \(errno)")
            }
        }
        return received
    }
}
