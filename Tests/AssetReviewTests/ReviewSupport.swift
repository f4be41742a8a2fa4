import APIMartClient
import APIMartSimulator
import AssetPipeline
import AssetReview
import Foundation
import TestSupport

/// A small built project in a temporary folder: `hero/castle` (n: 2) and `icons/bottle`, built on the simulator.
struct ReviewProject {
    let directory: String
    var manifestPath: String { directory + "/assetpipe.yaml" }

    static let manifest = """
        output: generated
        defaults:
          model: gpt-image-1-official
          quality: low
        prices:
          1024x1024/low: 0.01
        assets:
          - name: hero/castle
            prompt: A castle at night
            n: 2
            outputs:
              - format: png
          - name: icons/bottle
            prompt: A flat icon of a bottle
            outputs:
              - format: png

        """

    /// Writes the manifest and builds it against `sim`.
    static func built(on sim: RunningSimulator) async throws -> ReviewProject {
        let project = ReviewProject(directory: try TemporaryFolder("review").path)
        try manifest.write(toFile: project.manifestPath, atomically: true, encoding: .utf8)
        let report = try await Pipeline.build(
            manifest: try ManifestParser.load(path: project.manifestPath),
            connection: connection(to: sim),
            options: BuildOptions(jobs: 2)
        )
        guard report.failed == 0 else { throw ChildProcess.Failure("the fixture build failed: \(report.summaryLines)") }
        return project
    }

    func lock() throws -> LockFile { try LockFile.read(path: directory + "/assetpipe.lock") }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A connection to `sim` with fast polling.
func connection(to sim: RunningSimulator) -> Connection {
    Connection(
        baseURL: sim.baseURL,
        apiKey: "review-test",
        pollPolicy: PollPolicy(
            initialDelay: .milliseconds(50),
            minimumInterval: .milliseconds(50),
            maximumInterval: .milliseconds(200)
        )
    )
}

extension SimulatorConfiguration {
    static var reviewTests: SimulatorConfiguration { SimulatorConfiguration(taskDuration: .milliseconds(150)) }
}
