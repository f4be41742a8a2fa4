import APIMartClient
import APIMartSimulator
import APIMartWire
import ArgumentParser
import AssetpipeBasics
import Foundation
import InputPreparation

extension AssetPipeCommand {
    /// `assetpipe generate`: one generation end to end. The work lives in `SingleGeneration.run` (module
    /// InputPreparation); this command parses, starts a simulator when asked, and prints.
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
                """
        )

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
            help: "The API's base URL (default: $APIMART_BASE_URL or https://api.apimart.ai)."
        )
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
            // Every other contract rule, with placeholders for the inputs.
            var probe = request
            probe.size = nil
            let violations = ContractCheck.violations(of: probe, referenceCount: images.count, hasMask: mask != nil)
            if let first = violations.first {
                throw ValidationError(
                    violations.count == 1
                        ? first.description
                        : violations.map(\.description).joined(separator: "\n")
                )
            }
        }

        var request: GenerationRequest {
            GenerationRequest(
                model: model,
                prompt: prompt,
                size: size,
                n: n,
                quality: quality,
                background: background,
                moderation: moderation,
                outputFormat: format,
                outputCompression: compression
            )
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
                        baseURL: server.baseURL,
                        apiKey: Secret("simulator-key"),
                        deadline: .seconds(deadline ?? 600)
                    )
                } else {
                    if let notice = APIMartConfiguration.keyNotice() { Console.error(notice) }
                    var c = try APIMartConfiguration.fromEnvironment(baseURL: baseURL)
                    if let deadline { c.deadline = .seconds(deadline) }
                    configuration = c
                }
                status = try await execute(configuration)
            } catch let error as APIMartError {
                status = report(error)
            } catch {
                Console.error("error: \(error)")
                status = ExitStatus(for: error)
                if json {
                    BuildJSONReport.printJSON(
                        JSONExitReport(error: BuildJSONReport.detail(for: error), exitCode: status.rawValue)
                    )
                }
            }
            if let running { await running.stop() }
            if status != .success { throw status.exitCode }
        }

        private func execute(_ configuration: APIMartConfiguration) async throws -> ExitStatus {
            let generation = Generation(
                request: request,
                references: images.map(GenerationInput.init(argument:)),
                mask: mask.map(GenerationInput.init(argument:))
            )
            // The simulator's uploads are not worth remembering across runs.
            let store = simulator ? nil : UploadCacheFile.defaultPath().map(UploadCacheFile.init(path:))
            let summary: GenerationSummary
            do {
                summary = try await SingleGeneration.run(
                    generation,
                    configuration: configuration,
                    uploadStore: store,
                    into: out,
                    onProgress: Self.progressPrinter()
                )
            } catch let error as FileError {
                Console.error("error: cannot write \(error.path): \(error)")
                if json {
                    BuildJSONReport.printJSON(
                        JSONExitReport(error: BuildJSONReport.detail(for: error), exitCode: ExitStatus.failure.rawValue)
                    )
                }
                return .failure
            }
            if json {
                try Console.json(summary)
            } else {
                for file in summary.files { Console.out(file.path) }
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
                            code: error.code.rawValue,
                            message: error.message,
                            status: error.status,
                            taskID: error.taskID
                        )
                    )
                )
            }
            return ExitStatus(for: error)
        }

        /// Progress on stderr: uploads, the task id, status changes, downloads.
        static func progressPrinter() -> @Sendable (GenerationProgress) -> Void {
            let last = LockedBox("")
            return { event in
                switch event {
                case .warning(let text): Console.error("warning: \(text)")
                case .uploaded(let name, let image):
                    Console.error(
                        "uploaded \(name)\(image.reused ? " (reused)" : "") → \(URLRedaction.redact(image.url))"
                    )
                case .submitted(let id): Console.error("submitted task \(id)")
                case .polled(let task):
                    let line = "task \(task.id): \(task.status.rawValue)" + (task.progress.map { " \($0)%" } ?? "")
                    let changed = last.withLockedValue { shown in
                        defer { shown = line }
                        return shown != line
                    }
                    if changed { Console.error(line) }
                case .downloaded(let index, _, let count): Console.error("downloaded result \(index) (\(count) bytes)")
                }
            }
        }
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
