import APIMartWire
import AssetpipeBasics
import Foundation

/// An input as the client sends it: bytes to upload, or a URL passed on as is. Reading files, turning
/// references upright and converting masks happen above the client (module InputPreparation).
public enum PreparedInput: Sendable {
    case upload(bytes: [UInt8], name: String)
    case url(String)
}

/// A generation checked and with its inputs as bytes, ready to upload and submit.
public struct PreparedGeneration: Sendable {
    /// The request with `size` resolved and `n` clamped; its URLs are filled in when the uploads are done.
    public var request: GenerationRequest
    public var references: [PreparedInput]
    public var mask: PreparedInput?
    public var warnings: [String]
    /// The format results are expected in.
    public var resultFormat: ImageFormat

    public init(
        request: GenerationRequest,
        references: [PreparedInput],
        mask: PreparedInput?,
        warnings: [String],
        resultFormat: ImageFormat
    ) {
        self.request = request
        self.references = references
        self.mask = mask
        self.warnings = warnings
        self.resultFormat = resultFormat
    }
}

/// What a running generation reports, for progress displays.
public enum GenerationProgress: Sendable {
    case warning(String)
    case uploaded(name: String, image: UploadedImage)
    case submitted(taskID: String)
    case polled(TaskData)
    case downloaded(index: Int, url: String, byteCount: Int)
}

/// One result as downloaded (its format checked against the request's).
public struct DownloadedImage: Sendable {
    public var index: Int
    public var url: String
    public var bytes: [UInt8]
}

/// A finished generation: the task and its downloaded results, in memory.
public struct DownloadedGeneration: Sendable {
    public var taskID: String
    /// The request as sent (URLs filled, size resolved, `n` clamped).
    public var request: GenerationRequest
    public var task: TaskData
    public var images: [DownloadedImage]
}

extension APIMartClient {
    /// Runs one prepared generation: uploads (deduplicated), submit, poll, download every result image.
    public func run(
        _ prepared: PreparedGeneration,
        deadline: Duration? = nil,
        onProgress: @escaping @Sendable (GenerationProgress) -> Void = { _ in }
    ) async throws -> DownloadedGeneration {
        var request = prepared.request
        // Upload local inputs concurrently (same bytes share one upload).
        let referenceURLs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, input) in prepared.references.enumerated() {
                group.addTask {
                    switch input {
                    case .url(let url): return (index, url)
                    case .upload(let bytes, let name):
                        let image = try await self.upload(bytes, filename: name)
                        onProgress(.uploaded(name: name, image: image))
                        return (index, image.url)
                    }
                }
            }
            var urls = [String](repeating: "", count: prepared.references.count)
            for try await (index, url) in group { urls[index] = url }
            return urls
        }
        request.imageURLs = referenceURLs.isEmpty ? nil : referenceURLs
        switch prepared.mask {
        case .url(let url): request.maskURL = url
        case .upload(let bytes, let name):
            let image = try await upload(bytes, filename: name)
            onProgress(.uploaded(name: name, image: image))
            request.maskURL = image.url
        case nil: request.maskURL = nil
        }
        let taskID = try await submit(request)
        onProgress(.submitted(taskID: taskID))
        let task = try await waitForTask(taskID, deadline: deadline, onUpdate: { onProgress(.polled($0)) })
        var images: [DownloadedImage] = []
        let urls = (task.result?.images ?? []).flatMap(\.urls)
        for (index, url) in urls.enumerated() {
            let bytes: [UInt8]
            do {
                bytes = try await download(url, expect: prepared.resultFormat)
            } catch var error as APIMartError {
                error.taskID = taskID
                throw error
            }
            onProgress(.downloaded(index: index, url: url, byteCount: bytes.count))
            images.append(DownloadedImage(index: index, url: url, bytes: bytes))
        }
        return DownloadedGeneration(taskID: taskID, request: request, task: task, images: images)
    }
}
