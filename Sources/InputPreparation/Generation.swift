import APIMartClient
import APIMartWire
import AssetpipeBasics
import Foundation
import ImageCodec
import MaskTools

/// An image a generation sends: a local file (uploaded), bytes (uploaded) or a URL (passed on as is).
public enum GenerationInput: Sendable, Equatable, CustomStringConvertible {
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

/// One generation or edit as asked for: the request and its inputs. `request.size` may be `"auto"`: the
/// nearest ratio of the first reference's shown size (1:1 without references). `request.imageURLs` /
/// `maskURL` are filled from `references` / `mask`.
public struct Generation: Sendable {
    public var request: GenerationRequest
    public var references: [GenerationInput]
    public var mask: GenerationInput?
    /// nil: the configuration's deadline.
    public var deadline: Duration?

    public init(
        request: GenerationRequest,
        references: [GenerationInput] = [],
        mask: GenerationInput? = nil,
        deadline: Duration? = nil
    ) {
        self.request = request
        self.references = references
        self.mask = mask
        self.deadline = deadline
    }

    /// Everything that can be checked without the network: the contract rules, the size (resolving `auto`),
    /// the references (probed, turned upright) and the mask (PNG, alpha, same size as the first reference as
    /// shown, in its upload form). Sends nothing.
    public func prepare() throws(InputError) -> PreparedGeneration {
        var request = self.request
        var warnings: [String] = []
        var references: [PreparedInput] = []
        var firstReferenceInfo: ImageInfo?
        var firstReferenceBytes: [UInt8]?
        for (index, input) in self.references.enumerated() {
            switch input {
            case .url(let url):
                try Self.checkRemote(url, what: "reference")
                references.append(.url(url))
            case .file, .bytes:
                let (raw, name) = try Self.read(input)
                let upright = try InputFiles.referenceBytes(raw, name: name)
                try Self.checkUpload(upright.bytes, name: name)
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
                if case .url = self.references.first {
                    warnings.append("size auto: the first reference is a URL and was not probed; using 1:1")
                }
                request.size = SizeRatio.square.rawValue
            }
        }
        var firstReference: (bytes: [UInt8], name: String)?
        if let bytes = firstReferenceBytes, case .upload(_, let name) = references.first {
            firstReference = (bytes, name)
        }
        let mask = try prepareMask(firstReference: firstReference, warnings: &warnings)
        // Contract rules, with placeholders where URLs will come from uploads.
        let referenceURLs: [String?] = references.map { if case .url(let url) = $0 { url } else { nil } }
        let maskURL: String? = if case .url(let url) = mask { url } else { nil }
        let violations = ContractCheck.violations(
            of: request,
            referenceURLs: referenceURLs,
            hasMask: mask != nil,
            maskURL: maskURL
        )
        if !violations.isEmpty {
            throw InputError(
                .contract,
                "the request breaks the API contract: " + violations.map(\.description).joined(separator: "; ")
            )
        }
        request.imageURLs =
            references.isEmpty
            ? nil : referenceURLs.enumerated().map { $1 ?? ContractCheck.placeholderReferenceURL($0) }
        request.maskURL = mask.map { _ in maskURL ?? ContractCheck.placeholderMaskURL }
        let checked: (request: GenerationRequest, warnings: [String])
        do {
            checked = try APIMartClient.prepare(request)
        } catch {
            throw InputError(.contract, error.message, cause: error)
        }
        warnings += checked.warnings
        let format: ImageFormat = checked.request.outputFormat == OutputFormat.jpeg.rawValue ? .jpeg : .png
        return PreparedGeneration(
            request: checked.request,
            references: references,
            mask: mask,
            warnings: warnings,
            resultFormat: format
        )
    }

    /// The mask checks against the first reference when that one is local.
    private func prepareMask(
        firstReference: (bytes: [UInt8], name: String)?,
        warnings: inout [String]
    ) throws(InputError) -> PreparedInput? {
        guard let input = mask else { return nil }
        if case .url(let url) = input {
            try Self.checkRemote(url, what: "mask")
            return .url(url)
        }
        let (raw, name) = try Self.read(input)
        if let reference = firstReference {
            let report = MaskChecker.check(
                mask: .bytes(raw),
                maskName: name,
                reference: .bytes(reference.bytes),
                referenceName: reference.name
            )
            if !report.valid {
                throw InputError(.maskRefused, AssetInputs.refusal(report, mask: name, repair: (name, reference.name)))
            }
            warnings += report.warnings.map(\.message)
        } else {
            let info: ImageInfo
            do { info = try ImageProbe.probe(.bytes(raw)) } catch {
                throw InputError(
                    .maskRefused,
                    "the mask \(name) cannot be read as an image: \(error)",
                    cause: error
                )
            }
            if info.format != .png || !info.hasAlpha {
                throw InputError(
                    .maskRefused,
                    "the mask \(name) must be a PNG with an alpha channel (it is a \(info.format.rawValue)\(info.hasAlpha ? "" : " without alpha"))"
                )
            }
        }
        let prepared = try InputFiles.maskBytes(raw, name: name)
        try Self.checkUpload(prepared, name: name)
        return .upload(bytes: prepared, name: name)
    }

    static func read(_ input: GenerationInput) throws(InputError) -> ([UInt8], String) {
        switch input {
        case .file(let path): (try InputFiles.read(path), path)
        case .bytes(let bytes, let name): (bytes, name)
        case .url(let url): throw InputError(.badURL, "\(URLRedaction.redact(url)) is not a local file")
        }
    }

    static func checkUpload(_ bytes: [UInt8], name: String) throws(InputError) {
        do {
            _ = try APIMartClient.checkUpload(bytes, filename: name)
        } catch {
            throw InputError(.unusableImage, error.message, cause: error)
        }
    }

    static func checkRemote(_ url: String, what: String) throws(InputError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
        else {
            throw InputError(.badURL, "the \(what) URL \(URLRedaction.redact(url)) is not an http(s) URL")
        }
    }
}

/// One result of a generation, downloaded and probed.
public struct GeneratedImage: Sendable {
    public var index: Int
    public var url: String
    public var bytes: [UInt8]
    public var info: ImageInfo
}

/// A finished generation with its results in memory.
public struct GenerationResult: Sendable {
    public var taskID: String
    /// The request as sent (URLs filled, size resolved, `n` clamped).
    public var request: GenerationRequest
    public var task: TaskData
    public var images: [GeneratedImage]
    public var warnings: [String]
}

extension APIMartClient {
    /// Prepares `generation` from its files (a refusal is the client's `.localValidation`, nothing sent), then
    /// runs it and probes every result.
    public func runGeneration(
        _ generation: Generation,
        onProgress: @escaping @Sendable (GenerationProgress) -> Void = { _ in }
    ) async throws -> GenerationResult {
        let prepared: PreparedGeneration
        do {
            prepared = try generation.prepare()
        } catch {
            throw APIMartError(.localValidation, error.message, cause: error)
        }
        for warning in prepared.warnings { onProgress(.warning(warning)) }
        let downloaded = try await run(prepared, deadline: generation.deadline, onProgress: onProgress)
        var images: [GeneratedImage] = []
        for image in downloaded.images {
            let info: ImageInfo
            do { info = try ImageProbe.probe(.bytes(image.bytes)) } catch {
                throw APIMartError(
                    .download,
                    "result \(image.index) of task \(downloaded.taskID) cannot be read as an image: \(error)",
                    taskID: downloaded.taskID
                )
            }
            images.append(GeneratedImage(index: image.index, url: image.url, bytes: image.bytes, info: info))
        }
        return GenerationResult(
            taskID: downloaded.taskID,
            request: downloaded.request,
            task: downloaded.task,
            images: images,
            warnings: prepared.warnings
        )
    }
}
