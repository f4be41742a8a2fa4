import APIMartWire
import AssetpipeBasics
import AssetpipeDigest
import Foundation

/// A file on the upload endpoint, by the SHA-256 of its bytes.
public struct UploadedImage: Sendable, Codable, Equatable {
    public var url: String
    public var sha256: String
    public var byteCount: Int
    public var contentType: String
    /// Unix seconds: the earlier of the server's `created_at` and this machine's clock when it answered.
    public var createdAt: Int
    /// True when no upload request was sent (cache on disk, memory, or an identical upload in flight).
    public var reused: Bool

    public init(url: String, sha256: String, byteCount: Int, contentType: String, createdAt: Int, reused: Bool) {
        self.url = url
        self.sha256 = sha256
        self.byteCount = byteCount
        self.contentType = contentType
        self.createdAt = createdAt
        self.reused = reused
    }
}

extension APIMartClient {
    /// Refuses locally what the upload endpoint refuses: empty, over 20 MiB, or not PNG/JPEG/WebP/GIF
    /// by its bytes. Returns the sniffed format.
    public static func checkUpload(_ bytes: [UInt8], filename: String) throws(APIMartError) -> ImageFormat {
        if bytes.isEmpty {
            throw APIMartError(.localValidation, "\(filename) is empty; nothing to upload")
        }
        if bytes.count > ContractLimits.maxUploadBytes {
            throw APIMartError(
                .localValidation,
                "\(filename) is \(bytes.count) bytes; the upload endpoint takes at most 20 MiB (\(ContractLimits.maxUploadBytes) bytes) — shrink or re-encode it"
            )
        }
        guard let format = ImageFormat.sniff(bytes), format.uploadable else {
            throw APIMartError(
                .localValidation,
                "\(filename) is not a PNG, JPEG, WebP or GIF image (by its bytes); the upload endpoint takes only those"
            )
        }
        return format
    }

    /// Uploads bytes (multipart `file` field, content type from the sniffed format) and returns the URL.
    /// Each distinct content (SHA-256) is uploaded once per base URL: a URL from the caller's store is reused
    /// while younger than 72 h minus the configured margin, and concurrent uploads of the same bytes share one
    /// request.
    public func upload(_ bytes: [UInt8], filename: String) async throws -> UploadedImage {
        let format = try Self.checkUpload(bytes, filename: filename)
        let digest = Digest.sha256(bytes)
        let baseURL = configuration.baseURL
        let maxAge = Double(ContractLimits.uploadValiditySeconds) - configuration.uploadReuseMargin.seconds
        if let stored = await uploadStore.lookUp(sha256: digest, baseURL: baseURL),
            Date().timeIntervalSince1970 - Double(stored.createdAt) < maxAge
        {
            count { $0.uploadCacheHits += 1 }
            return UploadedImage(
                url: stored.url,
                sha256: digest,
                byteCount: bytes.count,
                contentType: format.mimeType,
                createdAt: stored.createdAt,
                reused: true
            )
        }
        let outcome = try await uploads.image(baseURL: baseURL, sha256: digest) {
            let image = try await self.sendUpload(bytes, filename: filename, format: format, sha256: digest)
            // Remembered before the in-flight entry is dropped, so a later upload of the same bytes finds it.
            await self.uploadStore.remember(image, baseURL: baseURL)
            return image
        }
        if outcome.reused { count { $0.uploadCacheHits += 1 } }
        return outcome
    }

    private func sendUpload(
        _ bytes: [UInt8],
        filename: String,
        format: ImageFormat,
        sha256: String
    ) async throws
        -> UploadedImage
    {
        let boundary = "assetpipe-" + UUID().uuidString
        let name = Self.safeFilename(filename, format: format)
        var body: [UInt8] = []
        body.reserveCapacity(bytes.count + 512)
        body += Array("--\(boundary)\r\n".utf8)
        body += Array("Content-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\n".utf8)
        body += Array("Content-Type: \(format.mimeType)\r\n\r\n".utf8)
        body += bytes
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        let answer = try await callAPI(
            method: .POST,
            path: "/v1/uploads/images",
            body: body,
            contentType: "multipart/form-data; boundary=\(boundary)",
            operation: .upload,
            model: nil
        )
        guard let decoded = try? JSONDecoder().decode(UploadResponse.self, from: Data(answer.body)),
            let url = URL(string: decoded.url), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw invalidAnswer("the upload of \(filename) was answered without a usable URL", answer)
        }
        let now = Int(Date().timeIntervalSince1970)
        let created = decoded.createdAt > 0 ? min(decoded.createdAt, now) : now
        logger.info("uploaded", metadata: ["file": "\(name)", "url": "\(URLRedaction.redact(decoded.url))"])
        return UploadedImage(
            url: decoded.url,
            sha256: sha256,
            byteCount: bytes.count,
            contentType: format.mimeType,
            createdAt: created,
            reused: false
        )
    }

    /// A filename safe for a multipart header, with the extension of the real format.
    static func safeFilename(_ filename: String, format: ImageFormat) -> String {
        let last = filename.split(separator: "/").last.map(String.init) ?? "image"
        var stem = String(
            last.map { c -> Character in
                c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") ? c : "_"
            }
        )
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = String(stem[..<dot]) }
        if stem.isEmpty || stem == "." { stem = "image" }
        return "\(stem.prefix(100)).\(format.fileExtension)"
    }
}

/// Shares one upload between concurrent requests for the same bytes on the same server. Remembering
/// finished uploads is the ``UploadURLStore``'s job, not this one's.
actor UploadRegistry {
    private var inFlight: [String: Task<UploadedImage, any Error>] = [:]

    func image(
        baseURL: String,
        sha256: String,
        upload: @escaping @Sendable () async throws -> UploadedImage
    ) async throws -> UploadedImage {
        let key = baseURL + " " + sha256
        if let running = inFlight[key] {
            var shared = try await running.value
            shared.reused = true
            return shared
        }
        let task = Task { try await upload() }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        return try await task.value
    }
}
