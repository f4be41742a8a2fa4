import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension Prerequisite {
    /// nginx with its WebDAV module (Debian package `nginx-core`, installed by `.ci/run`): an HTTP result store.
    public static let nginx = Prerequisite(
        reason: "nginx is not installed at \(NginxStore.binary): apt-get install nginx-core",
        providedInCI: true
    ) { FileManager.default.isExecutableFile(atPath: NginxStore.binary) }
}

/// A real nginx serving a WebDAV store (`GET`/`HEAD`/`PUT`) on a free loopback port, for one test: its config,
/// pid file, logs, temporary files and served folder all live in a temporary folder, and `stop()` kills it.
/// With `authorization`, a request without exactly that `Authorization` value is answered 401.
public final class NginxStore: Sendable {
    public static let binary = ProcessInfo.processInfo.environment["NGINX"] ?? "/usr/sbin/nginx"

    public let folder: TemporaryFolder
    public let port: Int
    private let process: ChildProcess

    /// The store's base URL (`http://127.0.0.1:PORT/store`).
    public var baseURL: String { "http://127.0.0.1:\(port)/store" }
    /// The folder nginx serves the store from (`…/root/store`): a test may corrupt or remove files in it.
    public var storeFolder: String { folder.file("root/store") }

    public init(authorization: String? = nil) async throws {
        folder = try TemporaryFolder("nginx")
        var lastError = ""
        // A port found free may be taken before nginx binds it: a few tries.
        for _ in 0..<5 {
            let port = try Self.freePort()
            try Self.config(folder: folder, port: port, authorization: authorization)
                .write(toFile: folder.file("nginx.conf"), atomically: true, encoding: .utf8)
            let child = try ChildProcess(
                Self.binary,
                [
                    "-p", folder.path, "-c", folder.file("nginx.conf"), "-e", folder.file("error.log"),
                    "-g", "daemon off;",
                ]
            )
            if await Self.waitForPort(port, child: child) {
                self.port = port
                self.process = child
                return
            }
            lastError = (try? String(contentsOfFile: folder.file("error.log"), encoding: .utf8)) ?? child.stderr
            await child.killNow()
        }
        folder.remove()
        throw ChildProcess.Failure("nginx did not start: \(lastError)")
    }

    /// Kills nginx (its whole process group) and removes its folder.
    public func stop() async {
        _ = await process.stop(timeout: .seconds(10))
        folder.remove()
    }

    /// Runs `body` with a running store, stopped afterwards whether `body` returned or threw.
    public static func with<T>(authorization: String? = nil, _ body: (NginxStore) async throws -> T) async throws -> T {
        let store = try await NginxStore(authorization: authorization)
        do {
            let value = try await body(store)
            await store.stop()
            return value
        } catch {
            await store.stop()
            throw error
        }
    }

    static func config(folder: TemporaryFolder, port: Int, authorization: String?) throws -> String {
        for sub in ["root/store", "body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            try FileManager.default.createDirectory(atPath: folder.file(sub), withIntermediateDirectories: true)
        }
        let dir = folder.path
        let guardLine = authorization.map { "if ($http_authorization != \"\($0)\") { return 401; }" } ?? ""
        // As root, workers would run as `nobody` and could not write into the test's folder.
        let user = geteuid() == 0 ? "user root;" : ""
        return """
            \(user)
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log;
            events { worker_connections 64; }
            http {
                access_log \(dir)/access.log;
                client_body_temp_path \(dir)/body;
                proxy_temp_path \(dir)/proxy;
                fastcgi_temp_path \(dir)/fastcgi;
                uwsgi_temp_path \(dir)/uwsgi;
                scgi_temp_path \(dir)/scgi;
                client_max_body_size 0;
                server {
                    listen 127.0.0.1:\(port);
                    root \(dir)/root;
                    location /store/ {
                        \(guardLine)
                        dav_methods PUT DELETE MKCOL;
                        create_full_put_path on;
                        dav_access user:rw group:r all:r;
                    }
                }
            }

            """
    }

    /// A loopback port nothing listens on now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcess.Failure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw ChildProcess.Failure("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// True once something accepts connections on the port; false when the child ended or 10 s passed.
    static func waitForPort(_ port: Int, child: ChildProcess) async -> Bool {
        let end = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < end && child.isRunning {
            if canConnect(port) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
