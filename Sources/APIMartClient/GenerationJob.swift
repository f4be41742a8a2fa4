import APIMartWire
import Foundation
import ImageCodec
import MaskTools

/// An image the job sends: a local file (uploaded), bytes (uploaded) or a URL (passed on as is).
public enum JobInput: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case bytes([UInt8], name: String)
    case url(String)

    /// `http://` / `https://` → `.url`, anything else → `.file`.
    public init(argument: String) {
        let lower = argument.lowercased()
        self = lower.hasPrefix("http://") || lower.hasPrefix("https://") ? .url(argument) : .file(argument)
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .bytes(let b, let name): "\(name) (\(b.count) bytes)"
        case .url(let url): URLRedaction.redact(url)
        }
    }
}

/// One generation or edit, end to end. `request.size` may be `"auto"`: the nearest ratio of the first
/// reference's shown size (1:1 without references). `request.imageURLs` / `maskURL` are filled from
/// `references` / `mask`.
public struct GenerationJob: Sendable {
    public var request: GenerationRequest
    public var references: [JobInput]
    public var mask: JobInput?
    /// nil: the configuration's deadline.
    public var deadline: Duration?

    public init(
        request: GenerationRequest, references: [JobInput] = [], mask: JobInput? = nil, deadline: Duration? = nil
    ) {
        self.request = request
        self.references = references
        self.mask = mask
        self.deadline = deadline
    }
}

/// What a running job reports, for progress displays.
public enum JobProgress: Sendable {
    case warning(String)
    case uploaded(name: String, image: UploadedImage)
    case submitted(taskID: String)
    case polled(TaskData)
    case downloaded(index: Int, url: String, byteCount: Int)
}

public struct JobImage: Sendable {
    public var index: Int
    public var url: String
    public var bytes: [UInt8]
    public var info: ImageInfo
}

public struct JobResult: Sendable {
    public var taskID: String
    /// The request as sent (URLs filled, size resolved, `n` clamped).
    public var request: GenerationRequest
    public var task: TaskData
    public var images: [JobImage]
    public var warnings: [String]
}

/// A job checked and with its local inputs read and prepared, ready to upload and submit.
public struct PreparedJob: Sendable {
    public var request: GenerationRequest
    public var references: [PreparedInput]
    public var mask: PreparedInput?
    public var warnings: [String]
    /// The format results are expected in.
    public var resultFormat: ImageFormat
}

public enum PreparedInput: Sendable {
    case upload(bytes: [UInt8], name: String)
    case url(String)
}

extension APIMartClient {
    /// Everything that can be checked without the network: the contract rules, the size (resolving `auto`),
    /// the references (probed) and the mask (PNG, alpha, same size as the first reference as shown).
    /// Throws `.localValidation`; sends nothing.
    public static func prepare(_ job: GenerationJob) throws(APIMartError) -> PreparedJob {
        var request = job.request
        var warnings: [String] = []
        // References: read and probed (and turned upright) locally.
        var references: [PreparedInput] = []
        var firstReferenceInfo: ImageInfo?
        var firstReferenceBytes: [UInt8]?
        for (index, input) in job.references.enumerated() {
            switch input {
            case .url(let url):
                try checkRemote(url, what: "reference")
                references.append(.url(url))
            case .file, .bytes:
                let (raw, name) = try read(input)
                let upright = try UploadPreparation.referenceBytes(raw, name: name)
                _ = try checkUpload(upright.bytes, filename: name)
                if upright.changed { warnings.append("\(name): EXIF-rotated; uploaded upright") }
                if index == 0 {
                    firstReferenceInfo = upright.info
                    firstReferenceBytes = upright.bytes
                }
                references.append(.upload(bytes: upright.bytes, name: name))
            }
        }
        // Size: auto → nearest ratio of the first reference as shown.
        if request.size?.lowercased() == "auto" {
            if let info = firstReferenceInfo {
                request.size = SizeRatio.nearest(width: info.orientedWidth, height: info.orientedHeight).rawValue
            } else {
                if case .url = job.references.first {
                    warnings.append("size auto: the first reference is a URL and was not probed; using 1:1")
                }
                request.size = SizeRatio.square.rawValue
            }
        }
        // Mask: the mask checks against the first reference when it is local.
        var mask: PreparedInput?
        if let input = job.mask {
            switch input {
            case .url(let url):
                try checkRemote(url, what: "mask")
                mask = .url(url)
            case .file, .bytes:
                let (raw, name) = try read(input)
                if let referenceBytes = firstReferenceBytes, case .upload(_, let referenceName) = references.first {
                    let report = MaskChecker.check(
                        mask: .bytes(raw), maskName: name, reference: .bytes(referenceBytes),
                        referenceName: referenceName)
                    if !report.valid {
                        throw APIMartError(
                            .localValidation,
                            "the mask \(name) is refused: " + report.problems.map(\.message).joined(separator: "; "))
                    }
                    warnings += report.warnings.map(\.message)
                } else {
                    let info: ImageInfo
                    do { info = try ImageProbe.probe(.bytes(raw)) } catch {
                        throw APIMartError(.localValidation, "the mask \(name) cannot be read as an image: \(error)")
                    }
                    if info.format != .png || !info.hasAlpha {
                        throw APIMartError(
                            .localValidation,
                            "the mask \(name) must be a PNG with an alpha channel (it is a \(info.format.rawValue)\(info.hasAlpha ? "" : " without alpha"))"
                        )
                    }
                }
                let prepared = try UploadPreparation.maskBytes(raw, name: name)
                _ = try checkUpload(prepared, filename: name)
                mask = .upload(bytes: prepared, name: name)
            }
        }
        // Contract rules, with placeholders where URLs will come from uploads.
        request.imageURLs =
            references.isEmpty
            ? nil
            : references.enumerated().map { index, input in
                if case .url(let url) = input { return url }
                return "upload://reference-\(index)"
            }
        request.maskURL = mask.map { input in
            if case .url(let url) = input { return url }
            return "upload://mask"
        }
        let checked = try prepare(request)
        warnings += checked.warnings
        let format: ImageFormat = checked.request.outputFormat == OutputFormat.jpeg.rawValue ? .jpeg : .png
        return PreparedJob(
            request: checked.request, references: references, mask: mask, warnings: warnings, resultFormat: format)
    }

    static func read(_ input: JobInput) throws(APIMartError) -> ([UInt8], String) {
        switch input {
        case .file(let path): (try UploadPreparation.read(path), path)
        case .bytes(let bytes, let name): (bytes, name)
        case .url(let url): throw APIMartError(.localValidation, "\(URLRedaction.redact(url)) is not a local file")
        }
    }

    static func checkRemote(_ url: String, what: String) throws(APIMartError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
        else {
            throw APIMartError(.localValidation, "the \(what) URL \(URLRedaction.redact(url)) is not an http(s) URL")
        }
    }

    /// Runs one job: local checks, uploads (deduplicated), submit, poll, download every result image.
    public func runJob(
        _ job: GenerationJob, onProgress: @escaping @Sendable (JobProgress) -> Void = { _ in }
    ) async throws
        -> JobResult
    {
        let prepared = try Self.prepare(job)
        for warning in prepared.warnings { onProgress(.warning(warning)) }
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
        if !referenceURLs.isEmpty { request.imageURLs = referenceURLs }
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
        let task = try await waitForTask(taskID, deadline: job.deadline, onUpdate: { onProgress(.polled($0)) })
        var images: [JobImage] = []
        let urls = (task.result?.images ?? []).flatMap(\.urls)
        for (index, url) in urls.enumerated() {
            var bytes: [UInt8]
            do {
                bytes = try await download(url, expect: prepared.resultFormat)
            } catch var error as APIMartError {
                error.taskID = taskID
                throw error
            }
            let info: ImageInfo
            do { info = try ImageProbe.probe(.bytes(bytes)) } catch {
                throw APIMartError(
                    .download, "result \(index) of task \(taskID) cannot be read as an image: \(error)", taskID: taskID)
            }
            onProgress(.downloaded(index: index, url: url, byteCount: bytes.count))
            images.append(JobImage(index: index, url: url, bytes: bytes, info: info))
            bytes = []
        }
        return JobResult(taskID: taskID, request: request, task: task, images: images, warnings: prepared.warnings)
    }
}
