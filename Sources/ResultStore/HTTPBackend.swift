import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A store on an HTTP(S) server speaking plain `GET`/`HEAD`/`PUT` on paths under a base URL: the protocol of
/// Bazel's and Gradle's HTTP build caches, which nginx's WebDAV module serves (`dav_methods PUT;
/// create_full_put_path on;`). nginx writes a PUT's body to a temporary file and renames it into place, so an
/// object appears whole or not at all.
///
/// `authorization` is sent as the `Authorization` header's value; it is never part of a message, a log or a file.
public struct HTTPBackend: StoreBackend {
    /// The base URL without a trailing slash.
    public let base: String
    private let authorization: String?
    /// How long one request may take, connection included.
    public var timeout: Duration

    /// The largest object read (raw results are a few MB).
    static let maxBody = 512 << 20

    public init(base: String, authorization: String?, timeout: Duration = .seconds(60)) {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        self.base = b
        self.authorization = authorization
        self.timeout = timeout
    }

    public var location: String { Self.withoutUserInfo(base) }

    /// The URL as messages show it: any `user:password@` removed.
    static func withoutUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<hostEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
    }

    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5)),
            decompression: .disabled
        ),
        backgroundActivityLogger: Logger(label: "assetpipe.store.http", factory: { _ in SwiftLogNoOpLogHandler() })
    )

    func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: base + "/" + path)
        request.method = method
        if let authorization { request.headers.replaceOrAdd(name: "Authorization", value: authorization) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// Sends the request; returns the status and, for `GET`, the whole body.
    func send(_ request: HTTPClientRequest, path: String) async throws -> (status: UInt, body: [UInt8]) {
        let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await Self.client.execute(request, timeout: .nanoseconds(nanos))
            let buffer = try await response.body.collect(upTo: Self.maxBody)
            return (response.status.code, Array(buffer.readableBytesView))
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StoreError(
                .unreachable,
                "the store at \(location) cannot be reached (\(request.method.rawValue) \(path)); check the URL, the "
                    + "network and that the server runs",
                cause: MessageCause(Self.describe(error))
            )
        }
    }

    /// A transport error as text: only the error's own description, never the request's headers.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    func unexpected(_ status: UInt, _ method: String, _ path: String) -> StoreError {
        let hint: String
        switch status {
        case 401, 403: hint = "check the Authorization value the manifest's `auth-env` variable holds"
        case 405: hint = "the server does not accept this method: enable WebDAV PUT (nginx: dav_methods PUT)"
        default: hint = "check the server's log"
        }
        return StoreError(
            .httpStatus,
            "the store at \(location) answered \(status) to \(method) \(path); \(hint)",
            cause: MessageCause("HTTP \(status)")
        )
    }

    public func read(_ path: String) async throws -> [UInt8]? {
        let (status, body) = try await send(request(.GET, path), path: path)
        switch status {
        case 200: return body
        case 404: return nil
        default: throw unexpected(status, "GET", path)
        }
    }

    public func exists(_ path: String) async throws -> Bool {
        let (status, _) = try await send(request(.HEAD, path), path: path)
        switch status {
        case 200: return true
        case 404: return false
        default: throw unexpected(status, "HEAD", path)
        }
    }

    public func write(_ path: String, _ bytes: [UInt8]) async throws {
        let (status, _) = try await send(request(.PUT, path, body: bytes), path: path)
        guard (200..<300).contains(status) else { throw unexpected(status, "PUT", path) }
    }
}
