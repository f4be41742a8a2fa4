import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension APIMartClient {
    /// Downloads a result (or any public image URL): http/https only, no API key sent, redirects followed up
    /// to the configured bound (each one re-checked), size capped, retried on transport failures and 5xx.
    /// The bytes must sniff as `expect` (or, when nil, as any image format) else `.download`.
    public func download(_ url: String, expect: ImageFormat? = nil) async throws -> [UInt8] {
        var current = url
        var redirects = 0
        var attempt = 1
        let retry = configuration.retryPolicy
        while true {
            let shown = URLRedaction.redact(current)
            guard let parsed = URL(string: current), let scheme = parsed.scheme?.lowercased(),
                scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
            else {
                throw APIMartError(.download, "refusing to download \(shown): only http and https URLs are fetched")
            }
            var request = HTTPClientRequest(url: current)
            request.method = .GET
            request.headers.add(name: "User-Agent", value: "assetpipe")
            count { $0.downloads += 1 }
            let answer: HTTPAnswer
            do {
                answer = try await http.fetch(
                    request,
                    timeout: configuration.downloadTimeout,
                    maxBody: configuration.maxDownloadBytes,
                    logger: logger
                )
            } catch let failure as TransportFailure {
                switch failure {
                case .tooLarge(let size):
                    throw APIMartError(
                        .download,
                        "\(shown) is larger than the download cap (\(max(size, configuration.maxDownloadBytes)) > \(configuration.maxDownloadBytes) bytes)"
                    )
                case .notSent(let cause), .noAnswer(let cause):
                    if attempt < retry.maxAttempts {
                        attempt += 1
                        count { $0.retries += 1 }
                        try await retryWait.sleep(backoffDelay(attempt: attempt - 1))
                        continue
                    }
                    throw APIMartError(
                        .download,
                        "could not download \(shown) after \(attempt) attempts",
                        cause: MessageCause(cause)
                    )
                }
            }
            switch answer.status {
            case 200..<300:
                let format = ImageFormat.sniff(answer.body)
                if let expect, format != expect {
                    throw APIMartError(
                        .download,
                        "\(shown) is not a \(expect.rawValue) image (its bytes are \(format?.rawValue ?? "not an image"))"
                    )
                }
                if format == nil {
                    throw APIMartError(.download, "\(shown) is not an image (its bytes match no known format)")
                }
                return answer.body
            case 301, 302, 303, 307, 308:
                redirects += 1
                guard redirects <= configuration.maxDownloadRedirects,
                    let location = answer.headers.first(name: "location"),
                    let next = URL(string: location, relativeTo: URL(string: current))?.absoluteURL.absoluteString
                else {
                    throw APIMartError(
                        .download,
                        "\(shown) redirects too often or without a location (limit \(configuration.maxDownloadRedirects))",
                        status: answer.status
                    )
                }
                current = next
            case 429 where attempt < retry.maxAttempts:
                // A result host that rate-limits: every request of the client waits (Retry-After as seconds or an
                // HTTP date, capped); the task is already billed, so giving up here would lose a paid result.
                attempt += 1
                count { $0.retries += 1 }
                count { $0.rateLimited += 1 }
                await gate.close(for: retryAfter(answer.headers) ?? backoffDelay(attempt: attempt - 1))
                try await gate.pass()
            case let status where (status == 408 || (500...599).contains(status)) && attempt < retry.maxAttempts:
                attempt += 1
                count { $0.retries += 1 }
                try await retryWait.sleep(retryAfter(answer.headers) ?? backoffDelay(attempt: attempt - 1))
            default:
                throw APIMartError(
                    .download,
                    "\(shown) answered \(answer.status)\(answer.status == 403 || answer.status == 404 || answer.status == 410 ? " (results expire: download them promptly)" : "")",
                    status: answer.status,
                    rawBody: bodyText(answer.body, limit: 512)
                )
            }
        }
    }
}
