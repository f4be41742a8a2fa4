import Foundation
import TestSupport
import Testing

/// `assetpipe approve`, `build --check --require-approved` and `assetpipe review`, through the binary.
@Suite("assetpipe review and approve", .requires(.assetpipeBinary))
struct ReviewCLITests {
    func project() async throws -> GalleryCLIProject {
        let project = try GalleryCLIProject.make()
        let built = try await project.build()
        #expect(built.exitCode == 0, "\(built)")
        return project
    }

    func lockEntry(_ project: GalleryCLIProject, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: project.directory + "/assetpipe.lock"))
        let lock = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require((lock["assets"] as? [String: Any])?[name] as? [String: Any])
    }

    @Test func approveAndRequireApproved() async throws {
        let project = try await project()
        defer { project.remove() }
        let env: [String: String?] = ["ASSETPIPE_REVIEWER": "ann"]

        var r = try await AssetpipeBinary.run(
            ["build", "--check", "--require-approved"],
            currentDirectory: project.directory
        )
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stdout.contains("not approved: icons/bottle (never approved)"))
        #expect(r.stdout.contains("not approved: posters/sea (never approved)"))

        r = try await AssetpipeBinary.run(
            ["approve", "icons/bottle"],
            environment: env,
            currentDirectory: project.directory
        )
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.hasPrefix("approved icons/bottle (take 1, key "))
        let entry = try lockEntry(project, "icons/bottle")
        let approval = try #require(entry["approval"] as? [String: Any])
        #expect(approval["by"] as? String == "ann")
        #expect(approval["key"] as? String == entry["key"] as? String)
        #expect(approval["take"] as? Int == 1)
        #expect((approval["at"] as? String)?.hasSuffix("Z") == true)

        r = try await AssetpipeBinary.run(
            ["build", "--check", "--require-approved"],
            currentDirectory: project.directory
        )
        #expect(r.exitCode == 1, "\(r)")
        #expect(!r.stdout.contains("icons/bottle"))
        #expect(r.stdout.contains("not approved: posters/sea"))

        r = try await AssetpipeBinary.run(
            ["approve", "--manifest", project.directory, "posters/sea"],
            environment: env
        )
        #expect(r.exitCode == 0, "\(r)")
        r = try await AssetpipeBinary.run(
            ["build", "--check", "--require-approved"],
            currentDirectory: project.directory
        )
        #expect(r.exitCode == 0, "\(r)")

        // A changed asset is built again: its approval no longer holds.
        try project.write(prompt: "A flat icon of a green bottle")
        #expect(try await project.build().exitCode == 0)
        r = try await AssetpipeBinary.run(
            ["build", "--check", "--require-approved"],
            currentDirectory: project.directory
        )
        #expect(r.exitCode == 1, "\(r)")
        #expect(r.stdout.contains("not approved: icons/bottle"))
        #expect(!r.stdout.contains("posters/sea"))

        // Without --check the flag is a usage error; an unknown asset is one too.
        r = try await AssetpipeBinary.run(["build", "--require-approved"], currentDirectory: project.directory)
        #expect(r.exitCode == 2, "\(r)")
        r = try await AssetpipeBinary.run(["approve", "no/such"], currentDirectory: project.directory)
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("no asset named 'no/such'"))
    }

    @Test func reviewPrintsTheURLHoldsTheBuildLockAndStopsOnSIGTERM() async throws {
        let project = try await project()
        defer { project.remove() }
        let server = try AssetpipeBinary.start(["review", "--port", "0"], currentDirectory: project.directory)
        let line = try await server.firstLine()
        let url = try #require(URLComponents(string: line))
        #expect(url.scheme == "http" && url.host == "127.0.0.1" && (url.port ?? 0) > 0 && url.path == "/")
        let token = url.queryItems?.first { $0.name == "token" }?.value ?? ""
        #expect(token.count == 64 && token.allSatisfy(\.isHexDigit), "\(line)")

        let b = try await AssetpipeBinary.run(["build", "--simulator"], currentDirectory: project.directory)
        #expect(b.exitCode == 2, "\(b)")
        #expect(b.stderr.contains("another assetpipe build of this manifest is running"))
        let a = try await AssetpipeBinary.run(["approve", "icons/bottle"], currentDirectory: project.directory)
        #expect(a.exitCode == 2, "\(a)")

        // A second server on the same manifest is refused, exit 2.
        let second = try await AssetpipeBinary.run(["review"], currentDirectory: project.directory)
        #expect(second.exitCode == 2, "\(second)")

        let ended = await server.stop()
        #expect(ended.exitCode == 0, "\(ended)")
        let after = try await AssetpipeBinary.run(["approve", "icons/bottle"], currentDirectory: project.directory)
        #expect(after.exitCode == 0, "the build lock is released: \(after)")
    }

    @Test func aLockRebuiltFromTheJournalKeepsTheApproval() async throws {
        let project = try await project()
        defer { project.remove() }
        let r = try await AssetpipeBinary.run(
            ["approve", "posters/sea"],
            environment: ["ASSETPIPE_REVIEWER": "ann"],
            currentDirectory: project.directory
        )
        #expect(r.exitCode == 0, "\(r)")
        let approved = try #require(try lockEntry(project, "posters/sea")["approval"] as? [String: Any])
        try FileManager.default.removeItem(atPath: project.directory + "/assetpipe.lock")
        let rebuilt = try await project.build()
        #expect(rebuilt.exitCode == 0, "\(rebuilt)")
        let kept = try #require(try lockEntry(project, "posters/sea")["approval"] as? [String: Any])
        #expect(kept["by"] as? String == "ann")
        #expect(kept["key"] as? String == approved["key"] as? String)
        #expect(kept["take"] as? Int == 1)
        let check = try await AssetpipeBinary.run(
            ["build", "--check", "--require-approved"],
            currentDirectory: project.directory
        )
        #expect(check.exitCode == 1 && check.stdout.contains("not approved: icons/bottle"), "\(check)")
        #expect(!check.stdout.contains("posters/sea"))
    }
}
