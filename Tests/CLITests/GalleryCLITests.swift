import Foundation
import TestSupport
import Testing

/// A project folder with a text-to-image manifest, built with `assetpipe build --simulator`.
struct GalleryCLIProject {
    let directory: String

    static func make(prompt: String = "A flat icon of a glass bottle") throws -> GalleryCLIProject {
        let dir = try TemporaryFolder("gallery-cli").path
        let project = GalleryCLIProject(directory: dir)
        try project.write(prompt: prompt)
        return project
    }

    func write(prompt: String) throws {
        try """
        output: generated
        assets:
          - name: icons/bottle
            prompt: \(prompt)
            background: transparent
            outputs:
              - format: png
              - format: png
                width: 32
          - name: posters/sea
            prompt: A poster of the sea
            outputs:
              - format: jpeg
        """.write(toFile: directory + "/assetpipe.yaml", atomically: true, encoding: .utf8)
    }

    func build() async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(
            ["build", "--simulator", "--simulator-task-seconds", "0.1"],
            environment: ["APIMART_API_KEY": nil],
            currentDirectory: directory
        )
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite("assetpipe gallery", .requires(.assetpipeBinary))
struct GalleryCLITests {
    @Test func helpNamesTheOptions() async throws {
        let r = try await AssetpipeBinary.run(["gallery", "--help"])
        #expect(r.exitCode == 0)
        for word in ["MANIFEST", "--output", "--open-changed", ".assetpipe/gallery", "index.html"] {
            #expect(r.stdout.contains(word), "help lacks \(word): \(r.stdout)")
        }
    }

    @Test func missingManifestIsAUsageError() async throws {
        let r = try await AssetpipeBinary.run(["gallery", "/nonexistent/assetpipe.yaml"])
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("no manifest"))
        #expect(r.stdout.isEmpty)
    }

    @Test func writesThePageAndPrintsItsPath() async throws {
        let project = try GalleryCLIProject.make()
        defer { project.remove() }
        let built = try await project.build()
        #expect(built.exitCode == 0, "\(built)")

        // Default folder, manifest found in the current folder.
        let r = try await AssetpipeBinary.run(["gallery"], currentDirectory: project.directory)
        #expect(r.exitCode == 0, "\(r)")
        let path = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(path.hasSuffix("/.assetpipe/gallery/index.html"))
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("data-asset=\"icons/bottle\""))
        #expect(html.contains("data-asset=\"posters/sea\""))
        #expect(html.contains("<body data-filter=\"all\">"))

        // A folder as MANIFEST, -o, --open-changed (no browser: stdout is not a terminal).
        let out = project.directory + "/review"
        let o = try await AssetpipeBinary.run(["gallery", project.directory, "-o", out, "--open-changed"])
        #expect(o.exitCode == 0, "\(o)")
        #expect(o.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == out + "/index.html")
        let changed = try String(contentsOfFile: out + "/index.html", encoding: .utf8)
        #expect(changed.contains("<body data-filter=\"changed\">"))
        let thumbs = try FileManager.default.contentsOfDirectory(atPath: out + "/thumbs")
        #expect(thumbs.count == 3)
    }
}

@Suite("assetpipe rollback", .requires(.assetpipeBinary))
struct RollbackCLITests {
    @Test func needsANameAndAManifest() async throws {
        let r = try await AssetpipeBinary.run(["rollback"])
        #expect(r.exitCode == 2, "\(r)")
        let m = try await AssetpipeBinary.run(["rollback", "--manifest", "/nonexistent", "icons/bottle"])
        #expect(m.exitCode == 2, "\(m)")
        // MANIFEST first, as for build (--manifest still works, above, but is no longer shown).
        let positional = try await AssetpipeBinary.run(["rollback", "/nonexistent/assetpipe.yaml", "icons/bottle"])
        #expect(positional.exitCode == 2, "\(positional)")
        #expect(positional.stderr.contains("/nonexistent/assetpipe.yaml: no manifest here"), "\(positional)")
        let help = try await AssetpipeBinary.run(["rollback", "--help"])
        #expect(help.stdout.contains("USAGE: assetpipe rollback [<manifest>] [<names> ...]"))
        #expect(help.stdout.contains("Exit codes"))
    }

    @Test func restoresThePreviousFilesAfterARefresh() async throws {
        let project = try GalleryCLIProject.make()
        defer { project.remove() }
        #expect(try await project.build().exitCode == 0)
        let file = project.directory + "/generated/icons/bottle.png"
        let lockPath = project.directory + "/assetpipe.lock"
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let lockBefore = try Data(contentsOf: URL(fileURLWithPath: lockPath))

        // Nothing kept yet: exit 1, nothing changed.
        let none = try await AssetpipeBinary.run(["rollback", "icons/bottle"], currentDirectory: project.directory)
        #expect(none.exitCode == 1, "\(none)")
        #expect(none.stderr.contains("no previous state"))

        try project.write(prompt: "A flat icon of a red glass bottle")
        let rebuilt = try await project.build()
        #expect(rebuilt.exitCode == 0, "\(rebuilt)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) != before)

        let r = try await AssetpipeBinary.run(["rollback", "--manifest", project.directory, "icons/bottle"])
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.contains("rolled back icons/bottle"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
        // The lock entry is the previous one again (the lock as a whole too, but for its spend totals: the images
        // of the rejected refresh were billed all the same).
        func withoutSpend(_ data: Data) throws -> NSDictionary? {
            var lock = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            lock?["spend"] = nil
            return lock.map { $0 as NSDictionary }
        }
        let lockAfter = try Data(contentsOf: URL(fileURLWithPath: lockPath))
        #expect(try withoutSpend(lockAfter) == withoutSpend(lockBefore))
        let spend = (try JSONSerialization.jsonObject(with: lockAfter) as? [String: Any])?["spend"] as? [String: Any]
        #expect(spend?["imagesBilled"] as? Int == 3, "\(String(describing: spend))")
    }
}
