import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// An answer with its whole body.
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Why a request got no answer.
enum TransportFailure: Error {
    /// The connection could not be made: nothing reached the server, repeating is safe.
    case notSent(String)
    /// The request may have reached the server but no complete answer came back (reset, timeout, EOF).
    case noAnswer(String)
    /// The body was larger than allowed.
    case tooLarge(Int)
}

extension Duration {
    var timeAmount: TimeAmount {
        let c = components
        return .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}

extension HTTPClient {
    /// Sends one request and reads the whole body (at most `maxBody` bytes). Never follows redirects
    /// itself; errors carry no request headers.
    func fetch(
        _ request: HTTPClientRequest,
        timeout: Duration,
        maxBody: Int,
        logger: Logger
    ) async throws -> HTTPAnswer {
        let response: HTTPClientResponse
        do {
            response = try await execute(request, timeout: timeout.timeAmount, logger: logger)
        } catch {
            if error is CancellationError { throw error }
            if Self.isConnectFailure(error) { throw TransportFailure.notSent(Self.describe(error)) }
            throw TransportFailure.noAnswer(Self.describe(error))
        }
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBody {
            throw TransportFailure.tooLarge(length)
        }
        do {
            let buffer = try await response.body.collect(upTo: maxBody)
            return HTTPAnswer(
                status: Int(response.status.code),
                headers: response.headers,
                body: Array(buffer.readableBytesView)
            )
        } catch is NIOTooManyBytesError {
            throw TransportFailure.tooLarge(maxBody)
        } catch {
            if error is CancellationError { throw error }
            throw TransportFailure.noAnswer(Self.describe(error))
        }
    }

    /// Connection establishment failures: the request never left this machine.
    static func isConnectFailure(_ error: any Error) -> Bool {
        if let e = error as? HTTPClientError {
            return e == .connectTimeout || e == .getConnectionFromPoolTimeout || e == .tlsHandshakeTimeout
                || e == .socksHandshakeTimeout || e == .httpProxyHandshakeTimeout
        }
        let typeName = String(describing: type(of: error))
        if typeName.contains("NIOConnectionError") || typeName.contains("ConnectionError") { return true }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return true }
        return false
    }

    /// A transport error as text. Only the error's own description: never the request's headers.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return "\(e)" }
        if let io = error as? IOError { return "\(io)" }
        let text = String(describing: error)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

extension APIMartClient {
    /// The largest JSON answer read from the API (a task with four result URLs is a few kilobytes).
    static let maxAnswerBytes = 8 << 20

    /// Sends one API call (JSON in, JSON out) under the client's request time limit.
    func send(_ request: HTTPClientRequest) async throws -> HTTPAnswer {
        try await http.fetch(
            request,
            timeout: configuration.requestTimeout,
            maxBody: Self.maxAnswerBytes,
            logger: logger
        )
    }
}
