import AssetGallery
import AssetpipeBasics
import Foundation
import Hummingbird

/// Refuses a request before any route sees it (``ReviewAccess``): a foreign `Host` or `Origin` (403), no token or
/// another one (401). It runs for every route, unknown ones included.
struct ReviewAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: ReviewAccess

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let host = request.head.authority ?? request.headers[.init("Host")!]
        let refusal = access.refusal(
            host: host,
            origin: request.headers[.origin],
            token: request.uri.queryParameters["token"].map(String.init)
        )
        if let refusal { return ReviewResponse.error(refusal) }
        return try await next(request, context)
    }
}

/// The answers: JSON for the API, HTML for the page, bytes for images; every one uncached, never framed.
enum ReviewResponse {
    static func headers(_ contentType: String) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = contentType
        h[.cacheControl] = "no-store"
        h[.init("X-Content-Type-Options")!] = "nosniff"
        h[.init("Referrer-Policy")!] = "no-referrer"
        h[.init("X-Frame-Options")!] = "DENY"
        h[.init("Content-Security-Policy")!] = "frame-ancestors 'none'"
        return h
    }

    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers(contentType), body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return bytes(Array(data), contentType: "application/json; charset=utf-8", status: status)
    }

    static func html(_ text: String) -> Response {
        bytes(Array(text.utf8), contentType: "text/html; charset=utf-8")
    }

    static func error(_ e: ReviewError) -> Response {
        json(
            ErrorBody(error: .init(code: e.code.rawValue, message: e.message)),
            status: HTTPResponse.Status(code: e.status)
        )
    }

    /// Runs a handler; a thrown error becomes its JSON answer.
    static func answer(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch { return self.error(ReviewError.from(error)) }
    }

    static func imageType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        default: "application/octet-stream"
        }
    }
}

/// The review server's routes (every one behind ``ReviewAccessMiddleware``):
///
/// | route | answer |
/// |---|---|
/// | `GET /` | the live page |
/// | `GET /thumbs/{file}` | a thumbnail the page shows |
/// | `GET /files/{path…}` | an output, input or kept previous file, by its path relative to the manifest |
/// | `GET /api/assets` | every asset (``ReviewAsset``) |
/// | `GET /api/assets/{name}` | one asset, with a running regeneration's progress |
/// | `GET /api/assets/{name}/card` | the asset's card (HTML), for the page to refresh it |
/// | `POST /api/assets/{name}/regenerate` | `{"confirm": false}`: the plan and cost; `true`: starts it (202) |
/// | `POST /api/assets/{name}/pick` | `{"candidate": K}` or `{"candidate": null}` |
/// | `POST /api/assets/{name}/rollback` | puts the previous state back |
/// | `POST /api/assets/{name}/approve` | approves the asset as it is |
///
/// `{name}` is the asset name percent-encoded as one segment (`hero%2Fcastle`).
public func buildReviewRouter(session: ReviewSession, access: ReviewAccess) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ReviewAccessMiddleware(access: access))

    router.get("/") { _, _ in
        await ReviewResponse.answer { ReviewResponse.html(try await session.page()) }
    }
    router.get("/thumbs/{file}") { _, context in
        await ReviewResponse.answer {
            let file = context.parameters.get("file")?.removingPercentEncoding ?? ""
            guard GalleryChoices.isThumbnailName(file) else {
                throw ReviewError(.notFound, "no such thumbnail")
            }
            let path = try await session.thumbnailDirectory() + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ReviewError(.notFound, "no thumbnail \(file); reload the page")
            }
            return ReviewResponse.bytes(Array(data), contentType: ReviewResponse.imageType(file))
        }
    }
    router.get("/files/**") { _, context in
        await ReviewResponse.answer {
            let parts = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? "" }
            let relative = parts.joined(separator: "/")
            guard let path = try await session.servableFile(relative),
                let data = FileManager.default.contents(atPath: path)
            else {
                throw ReviewError(.notFound, "\(relative): not a file of this manifest's tree, inputs or history")
            }
            return ReviewResponse.bytes(Array(data), contentType: ReviewResponse.imageType(path))
        }
    }
    router.get("/api/assets") { _, _ in
        await ReviewResponse.answer { ReviewResponse.json(["assets": try await session.assets()]) }
    }
    router.get("/api/assets/{name}") { _, context in
        await ReviewResponse.answer { ReviewResponse.json(try await session.asset(try name(context))) }
    }
    router.get("/api/assets/{name}/card") { _, context in
        await ReviewResponse.answer { ReviewResponse.html(try await session.card(try name(context))) }
    }
    router.post("/api/assets/{name}/regenerate") { request, context in
        await ReviewResponse.answer {
            let asset = try name(context)
            let body = try await decode(RegenerateBody.self, request, emptyIs: RegenerateBody(confirm: false))
            if body.confirm == true {
                return ReviewResponse.json(try await session.regenerate(asset), status: .accepted)
            }
            return ReviewResponse.json(try await session.regenerationPlan(asset))
        }
    }
    router.post("/api/assets/{name}/pick") { request, context in
        await ReviewResponse.answer {
            let asset = try name(context)
            let body = try await decode(PickBody.self, request, emptyIs: nil)
            return ReviewResponse.json(try await session.pick(asset, candidate: body.candidate))
        }
    }
    router.post("/api/assets/{name}/rollback") { _, context in
        await ReviewResponse.answer { ReviewResponse.json(try await session.rollback(try name(context))) }
    }
    router.post("/api/assets/{name}/approve") { _, context in
        await ReviewResponse.answer { ReviewResponse.json(try await session.approve(try name(context))) }
    }
    return router
}

/// The `{name}` segment, percent-decoded.
private func name(_ context: BasicRequestContext) throws -> String {
    guard let raw = context.parameters.get("name"), let name = raw.removingPercentEncoding, !name.isEmpty else {
        throw ReviewError(.badRequest, "the asset name in the URL is not valid percent-encoding")
    }
    return name
}

/// A JSON body (at most 64 KiB); an empty body is `emptyIs`, or a 400 when nil.
private func decode<T: Decodable>(_ type: T.Type, _ request: Request, emptyIs: T?) async throws -> T {
    var request = request
    let buffer: ByteBuffer
    do { buffer = try await request.collectBody(upTo: 65536) } catch {
        throw ReviewError(.badRequest, "the request body is too large (64 KiB at most)", cause: error)
    }
    let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
        if let emptyIs { return emptyIs }
        throw ReviewError(.badRequest, "this request needs a JSON body")
    }
    do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch let e as ReviewError { throw e } catch {
        if case DecodingError.dataCorrupted(let c) = error, let e = c.underlyingError as? ReviewError { throw e }
        throw ReviewError(.badRequest, "the request body is not the JSON this route takes", cause: error)
    }
}
