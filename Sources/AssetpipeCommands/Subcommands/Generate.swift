import AssetpipeBasics
import APIMartClient
import APIMartSimulator
import APIMartWire
import ArgumentParser
import Foundation
import ImageCodec

extension AssetPipeCommand {
    /// `assetpipe generate`: one job end to end. The work lives in `APIMartClient.runJob`.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Run one generation or edit job and download its images.",
            discussion: """
                Local files are checked first (references probed, the mask checked against the first \
                reference), uploaded once each, submitted, polled, and the results written into --out as \
                <task_id>-<i>.<ext>. The key comes from APIMART_API_KEY; --simulator runs against a local \
                simulator instead. Exit codes: 0 done; 1 the job failed (task failed, deadline, outcome \
                unknown); 2 usage or local validation; 3 account error (401, 402, 403).
                """)

        @Option(help: "What to draw, or what to change in the references.")
        var prompt: String

        @Option(help: "gpt-image-1-official or gpt-image-1.5-official.")
        var model: String = ImageModel.gptImage1.rawValue

        @Option(help: "1:1, 2:3, 3:2, or auto (the nearest ratio of the first reference).")
        var size: String?

        @Option(help: "Images to make, 1–4 (other values are clamped, with a warning).")
        var n: Int?

        @Option(help: "Quality tier: auto, low, medium or high.")
        var quality: String?

        @Option(help: "auto, opaque or transparent (transparent needs png).")
        var background: String?

        @Option(help: "auto or low.")
        var moderation: String?

        @Option(help: "Result format: png or jpeg.")
        var format: String?

        @Option(help: "Output compression 0–100 (for jpeg).")
        var compression: Int?

        @Option(name: .customLong("image"), help: "A reference image: a local file or an http(s) URL. Repeat for more.")
        var images: [String] = []

        @Option(help: "An inpainting mask (PNG with alpha, the first reference's size; transparent = editable).")
        var mask: String?

        @Option(help: "The folder to write the results into.")
        var out: String

        @Flag(help: "Print the task id, files and their facts as JSON.")
        var json = false

        @Option(
            name: .customLong("base-url"),
            help: "The API's base URL (default: $APIMART_BASE_URL or https://api.apimart.ai).")
        var baseURL: String?

        @Option(help: "Give up waiting for the task after this many seconds (default 600).")
        var deadline: Int?

        @Flag(help: "Run against an in-process simulator (no key needed, nothing billed).")
        var simulator = false

        func validate() throws {
            if simulator && baseURL != nil {
                throw ValidationError("--simulator and --base-url cannot be used together")
            }
            if let deadline, deadline <= 0 { throw ValidationError("--deadline must be a positive number of seconds") }
            if let size, size.lowercased() != "auto", SizeRatio(rawValue: size) == nil {
                throw ValidationError("--size must be 1:1, 2:3, 3:2 or auto (got '\(size)')")
            }
            if mask != nil && images.isEmpty {
                throw ValidationError("--mask needs at least one --image (the mask edits the first reference)")
            }
            // Every other contract rule, on a request with placeholder URLs.
            var probe = request
            probe.size = nil
            probe.imageURLs = images.isEmpty ? nil : images.indices.map { "https://placeholder.invalid/\($0)" }
            probe.maskURL = mask.map { _ in "https://placeholder.invalid/mask" }
            let violations = probe.violations()
            if let first = violations.first {
                throw ValidationError(
                    violations.count == 1
                        ? first.description
                        : violations.map(\.description).joined(separator: "\n"))
            }
        }

        var request: GenerationRequest {
            GenerationRequest(
                model: model, prompt: prompt, size: size, n: n, quality: quality, background: background,
                moderation: moderation, outputFormat: format, outputCompression: compression)
        }

        func run() async throws {
            var running: RunningSimulator?
            let status: ExitStatus
            do {
                let configuration: APIMartConfiguration
                if simulator {
                    let server = try await SimulatorServer.start(SimulatorConfiguration())
                    running = server
                    Console.error("simulator listening on \(server.baseURL)")
                    configuration = try APIMartConfiguration(
                        baseURL: server.baseURL, apiKey: Secret("simulator-key"),
                        deadline: .seconds(deadline ?? 600))
                } else {
                    var c = try APIMartConfiguration.fromEnvironment(
                        baseURL: baseURL, uploadCachePath: Self.defaultUploadCachePath())
                    if let deadline { c.deadline = .seconds(deadline) }
                    configuration = c
                }
                status = try await execute(configuration)
            } catch let error as APIMartError {
                status = report(error)
            } catch {
                Console.error("error: \(error)")
                status = ExitStatus(for: error)
            }
            if let running { await running.stop() }
            if status != .success { throw status.exitCode }
        }

        private func execute(_ configuration: APIMartConfiguration) async throws -> ExitStatus {
            let job = GenerationJob(
                request: request, references: images.map(JobInput.init(argument:)),
                mask: mask.map(JobInput.init(argument:)))
            let result = try await APIMartClient.withClient(configuration: configuration) { client in
                try await client.runJob(job, onProgress: Self.progressPrinter())
            }
            var files: [GeneratedFile] = []
            let stem = Self.safeStem(result.taskID)
            for image in result.images {
                let path = (out as NSString).appendingPathComponent(
                    "\(stem)-\(image.index).\(image.info.format.fileExtension)")
                do {
                    try AtomicFile.write(image.bytes, to: path)
                } catch {
                    Console.error("error: cannot write \(path): \(error)")
                    return .failure
                }
                files.append(
                    GeneratedFile(
                        path: path, url: URLRedaction.redact(image.url), bytes: image.bytes.count, info: image.info))
            }
            if json {
                try Console.json(
                    GenerateOutput(
                        taskID: result.taskID, status: result.task.status.rawValue, files: files,
                        warnings: result.warnings,
                        size: result.request.size, model: result.request.model))
            } else {
                for file in files { Console.out(file.path) }
            }
            return .success
        }

        private func report(_ error: APIMartError) -> ExitStatus {
            Console.error("error: \(error.description)")
            if let raw = error.rawBody, error.kind == .taskFailed || error.kind == .badRequest {
                Console.error("server said: \(raw)")
            }
            if let task = error.taskID { Console.error("task: \(task)") }
            if json {
                try? Console.json(
                    GenerateFailure(
                        error: .init(
                            code: error.code, message: error.message, status: error.status, taskID: error.taskID)))
            }
            return ExitStatus(for: error)
        }

        /// Progress on stderr: uploads, the task id, status changes, downloads.
        static func progressPrinter() -> @Sendable (JobProgress) -> Void {
            let last = LastStatus()
            return { event in
                switch event {
                case .warning(let text): Console.error("warning: \(text)")
                case .uploaded(let name, let image):
                    Console.error(
                        "uploaded \(name)\(image.reused ? " (reused)" : "") → \(URLRedaction.redact(image.url))")
                case .submitted(let id): Console.error("submitted task \(id)")
                case .polled(let task):
                    let line = "task \(task.id): \(task.status.rawValue)" + (task.progress.map { " \($0)%" } ?? "")
                    if last.update(line) { Console.error(line) }
                case .downloaded(let index, _, let count): Console.error("downloaded result \(index) (\(count) bytes)")
                }
            }
        }

        /// `$XDG_CACHE_HOME/assetpipe/uploads.json`, else `~/.cache/assetpipe/uploads.json`.
        static func defaultUploadCachePath() -> String? {
            let env = ProcessInfo.processInfo.environment
            if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/assetpipe/uploads.json" }
            if let home = env["HOME"], !home.isEmpty { return home + "/.cache/assetpipe/uploads.json" }
            return nil
        }

        static func safeStem(_ id: String) -> String {
            let cleaned = String(
                id.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
            return cleaned.isEmpty ? "task" : cleaned
        }
    }
}

private final class LastStatus: @unchecked Sendable {
    private var line = ""
    private let lock = NSLock()
    func update(_ new: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if new == line { return false }
        line = new
        return true
    }
}

private struct GeneratedFile: Encodable {
    var path: String
    var url: String
    var bytes: Int
    var info: ImageInfo
}

private struct GenerateOutput: Encodable {
    var taskID: String
    var status: String
    var files: [GeneratedFile]
    var warnings: [String]
    var size: String?
    var model: String

    enum CodingKeys: String, CodingKey {
        case status, files, warnings, size, model
        case taskID = "task_id"
    }
}

private struct GenerateFailure: Encodable {
    struct Detail: Encodable {
        var code: String
        var message: String
        var status: Int?
        var taskID: String?
        enum CodingKeys: String, CodingKey {
            case code, message, status
            case taskID = "task_id"
        }
    }
    var error: Detail
}
