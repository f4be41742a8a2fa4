import APIMartClient
import AssetpipeBasics
import Foundation
import ImageCodec

/// A result written by `generate`, with its facts (the `--json` output's `files`).
public struct GeneratedFile: Sendable, Encodable {
    public var path: String
    public var url: String
    public var bytes: Int
    public var info: ImageInfo
}

/// What `generate` did (the `--json` output).
public struct GenerationSummary: Sendable, Encodable {
    public var taskID: String
    public var status: String
    public var files: [GeneratedFile]
    public var warnings: [String]
    public var size: String?
    public var model: String

    enum CodingKeys: String, CodingKey {
        case status, files, warnings, size, model
        case taskID = "task_id"
    }
}

/// `assetpipe generate` without the command line: one generation end to end, its results written into a
/// folder as `<task_id>-<i>.<ext>`. The command parses, starts a simulator when asked, and prints.
public enum SingleGeneration {
    /// Runs `generation` and writes its results into `folder`. Throws the client's errors, or the
    /// `FileError` of a result that cannot be written.
    public static func run(
        _ generation: Generation,
        configuration: APIMartConfiguration,
        uploadStore: (any UploadURLStore)?,
        into folder: String,
        onProgress: @escaping @Sendable (GenerationProgress) -> Void = { _ in }
    ) async throws -> GenerationSummary {
        let result = try await APIMartClient.withClient(configuration: configuration, uploadStore: uploadStore) {
            client in
            try await client.runGeneration(generation, onProgress: onProgress)
        }
        var files: [GeneratedFile] = []
        let stem = safeStem(result.taskID)
        for image in result.images {
            let path = (folder as NSString).appendingPathComponent(
                "\(stem)-\(image.index).\(image.info.format.fileExtension)"
            )
            try AtomicFile.write(image.bytes, to: path)
            files.append(
                GeneratedFile(
                    path: path,
                    url: URLRedaction.redact(image.url),
                    bytes: image.bytes.count,
                    info: image.info
                )
            )
        }
        return GenerationSummary(
            taskID: result.taskID,
            status: result.task.status.rawValue,
            files: files,
            warnings: result.warnings,
            size: result.request.size,
            model: result.request.model
        )
    }

    /// A task id as a file name stem: anything but letters, digits, `-` and `_` becomes `_`.
    public static func safeStem(_ id: String) -> String {
        let cleaned = String(
            id.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }
        )
        return cleaned.isEmpty ? "task" : cleaned
    }
}
