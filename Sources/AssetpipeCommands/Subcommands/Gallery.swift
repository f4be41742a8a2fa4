import ArgumentParser
import AssetGallery
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Gallery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gallery",
            abstract: "Write a static review page of the asset tree: every asset, what changed, what it cost.",
            discussion: """
                MANIFEST defaults to assetpipe.yaml in the current folder; a folder means <folder>/assetpipe.yaml.
                Writes index.html and small thumbnails to DIR (default: .assetpipe/gallery beside the manifest, \
                inside the state folder, so it is never committed) and prints the path of index.html. The page is \
                self-contained (no network): open it from disk or from a CI artifact. Run it after `assetpipe build`: \
                statuses come from the last build's report, previous outputs from the state folder's history.
                Exit codes: 0 written; 1 the page could not be written; 2 usage or manifest error.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Option(name: .shortAndLong, help: "The folder to write index.html and thumbs/ to.")
        var output: String?

        @Flag(
            name: .customLong("open-changed"),
            help: "Open the page with only changed or failed assets shown (and, on a desktop terminal, in the browser)."
        )
        var openChanged = false

        @Option(name: .customLong("thumbnail-size"), help: "The longest side of a thumbnail, in pixels.")
        var thumbnailSize: Int = 256

        func validate() throws {
            guard (32...1024).contains(thumbnailSize) else { throw ValidationError("--thumbnail-size must be 32–1024") }
            if let output, output.isEmpty { throw ValidationError("-o needs a folder") }
        }

        func run() async throws {
            let loaded: Manifest
            do { loaded = try GalleryBuilder.loadManifest(path: manifest) } catch let e as GalleryError {
                Console.error("assetpipe gallery: \(e)")
                throw ExitStatus(for: e).exitCode
            }
            let builder = GalleryBuilder(
                manifest: loaded,
                options: GalleryOptions(
                    outputDirectory: output,
                    thumbnailSize: thumbnailSize,
                    initialFilter: openChanged ? .changed : .all
                )
            )
            let result: GalleryResult
            do { result = try builder.build() } catch let e as GalleryError {
                Console.error("assetpipe gallery: \(e)")
                throw ExitStatus(for: e).exitCode
            }
            for problem in result.problems { Console.error("assetpipe gallery: \(problem)") }
            Console.error(
                "\(result.assets) asset\(result.assets == 1 ? "" : "s"), \(result.changedOrFailed) changed or failed, \(result.thumbnails) thumbnail\(result.thumbnails == 1 ? "" : "s")"
            )
            Console.out(result.indexPath)
            if openChanged { Self.openInBrowser(result.indexPath) }
        }

        /// Opens the page with xdg-open only on a desktop terminal: never in CI, never without a display.
        static func openInBrowser(_ path: String) {
            let env = ProcessInfo.processInfo.environment
            guard Console.isTerminal, env["CI"] == nil,
                env["DISPLAY"].map({ !$0.isEmpty }) == true || env["WAYLAND_DISPLAY"].map({ !$0.isEmpty }) == true
            else { return }
            let opener = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
                .map { "\($0)/xdg-open" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            guard let opener else { return }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [URL(fileURLWithPath: path).absoluteString + "#changed"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try? process.run()
        }
    }
}
