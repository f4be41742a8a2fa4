import Foundation
import TestSupport
import Testing

/// Issue 13 items 5 and 6, with real processes against `assetpipe simulator` (whose balance is counted in
/// images, so a price of 1 per image makes the manifest's prices its unit): the balance is read before paying,
/// a priced cost above it stops the build before any submit (exit 3), `--max-cost` refuses (exit 2); the journal
/// is the ledger, and the summary, `--json`, the lock file and `clean --all` give the same counts, images of an
/// asset that failed after generation included.
///
/// Rerun: `swift test --skip-build --filter SpendCLITests`.
@Suite(.requires(.assetpipeBinary)) struct SpendCLITests {
    /// Three images: `a` (n: 1, low) and `b` (n: 2, quality auto, priced by the highest tier).
    static let manifest = """
        prices:
          "1024x1024/low": 1
          "1024x1024/high": 2
        assets:
          - name: a
            prompt: a small icon
            quality: low
          - name: b
            prompt: another picture
            n: 2
        """

    static let env: [String: String?] = ["APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil]

    static func project(_ text: String = manifest) throws -> String {
        try CLIProject.make(text, label: "spend-cli")
    }

    static func withSimulator(_ arguments: [String], _ body: (SimulatorProcess) async throws -> Void) async throws {
        try await SimulatorProcess.with(arguments, body)
    }

    static func build(_ dir: String, _ simulator: SimulatorProcess) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(["build", dir, "--base-url", simulator.baseURL], environment: env)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    @Test func aBalanceBelowThePricedCostStopsTheBuildBeforeAnySubmit() async throws {
        // a (low, 1) + b (auto priced as high, 2 × 2) = 5; 4 left.
        try await Self.withSimulator(["--balance", "4"]) { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let dry = try await AssetpipeBinary.run(
                ["build", dir, "--dry-run", "--base-url", simulator.baseURL],
                environment: Self.env
            )
            #expect(dry.exitCode == 0, "\(dry)")
            #expect(dry.stdout.contains("auto priced as high"), "\(dry)")
            #expect(dry.stdout.contains("estimated cost: 5.0000"), "\(dry)")
            #expect(dry.stdout.contains("balance: 4 left for an estimated cost of 5 (1 missing)"), "\(dry)")

            let r = try await Self.build(dir, simulator)
            #expect(r.exitCode == 3, "\(r)")
            #expect(r.stderr.contains("1 is missing"), "\(r)")
            #expect(r.stderr.contains("nothing was submitted"), "\(r)")
            #expect(try await simulator.submitRequests() == 0)
        }
    }

    @Test func enoughUnlimitedOrUnreadableBalancesLetTheBuildGoOn() async throws {
        try await Self.withSimulator(["--balance", "5"]) { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try await Self.build(dir, simulator)
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("balance: 5 left for an estimated cost of 5"), "\(r)")
            #expect(r.stdout.contains("cost estimated 5, actual 5"), "\(r)")
        }
        try await Self.withSimulator([]) { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let r = try await Self.build(dir, simulator)
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("balance: unlimited"), "\(r)")
        }
    }

    @Test func dryRunWithoutAKeySkipsTheBalanceAndCheckNeverAsks() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A base URL nothing listens on: a request would fail; none is made.
        let noKey: [String: String?] = ["APIMART_API_KEY": nil, "APIMART_BASE_URL": "http://127.0.0.1:9"]
        let dry = try await AssetpipeBinary.run(["build", dir, "--dry-run"], environment: noKey)
        #expect(dry.exitCode == 0, "\(dry)")
        #expect(dry.stdout.contains("balance: not checked (no API key"), "\(dry)")
        let check = try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env)
        #expect(check.exitCode == 1, "\(check)")
        #expect(!check.stdout.contains("balance"), "\(check)")
    }

    @Test func maxCostRefusesAboveItAndAnUnpricedAsset() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let over = try await AssetpipeBinary.run(["build", dir, "--simulator", "--max-cost", "4.5"])
        #expect(over.exitCode == 2, "\(over)")
        #expect(over.stderr.contains("more than --max-cost 4.5"), "\(over)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/generated"))

        let unpriced = try Self.project(
            Self.manifest.replacingOccurrences(of: "    n: 2", with: "    n: 2\n    size: \"2:3\"")
        )
        defer { try? FileManager.default.removeItem(atPath: unpriced) }
        let r = try await AssetpipeBinary.run(["build", unpriced, "--simulator", "--max-cost", "100"])
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("--max-cost needs a price"), "\(r)")
        #expect(r.stderr.contains("'b'"), "\(r)")
    }

    /// Images billed for an asset whose outputs could not be written count in this build's total, the lock's
    /// and the gallery's; a rebuild then bills nothing more, and `clean --all` says what it forgets.
    @Test(.requires(.unwritableFolder)) func spendAddsUpAfterAFailureAfterGeneration() async throws {
        try await Self.withSimulator([]) { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let generated = dir + "/generated"
            try FileManager.default.createDirectory(atPath: generated, withIntermediateDirectories: true)
            defer { chmod(generated, 0o755) }
            let failed = try await CrashResumeCLITests.run(
                {
                    if CrashResumeCLITests.isRoot {
                        let m = await CrashResumeCLITests.mount(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", generated])
                        try #require(m?.exitCode == 0, "mounting a read-only tmpfs failed: \(String(describing: m))")
                    } else {
                        chmod(generated, 0o555)
                    }
                    return try await AssetpipeBinary.run(
                        ["build", dir, "--base-url", simulator.baseURL, "--json"],
                        environment: Self.env
                    )
                },
                then: {
                    if CrashResumeCLITests.isRoot { await CrashResumeCLITests.unmount(generated) }
                    chmod(generated, 0o755)
                }
            )
            #expect(failed.exitCode == 1, "\(failed)")
            let report = try Self.json(failed.stdout)
            #expect(report["failed"] as? Int == 2, "\(failed)")
            #expect(report["imagesBilled"] as? Int == 3, "\(failed)")
            let spend = report["spend"] as? [String: Any]
            #expect(spend?["billedThisBuild"] as? Int == 3)
            #expect(spend?["billedSinceJournalBegan"] as? Int == 3)
            #expect(spend?["actualCost"] as? Double == 5)
            #expect(report["estimatedCost"] as? Double == 5)
            let perAsset = (report["assets"] as? [[String: Any]] ?? []).map { $0["billedImages"] as? Int ?? -1 }
            #expect(perAsset.reduce(0, +) == 3)
            #expect(try await simulator.billedImages() == 3)

            let again = try await Self.build(dir, simulator)
            #expect(again.exitCode == 0, "\(again)")
            #expect(again.stdout.contains("images billed 0"), "\(again)")
            #expect(again.stdout.contains("billed in this build: 0 images; since the journal began"), "\(again)")
            #expect(again.stdout.contains(": 3"), "\(again)")
            let lock = try Self.json(String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8))
            #expect((lock["spend"] as? [String: Any])?["imagesBilled"] as? Int == 3, "\(lock)")

            let gallery = try await AssetpipeBinary.run(["gallery", dir])
            #expect(gallery.exitCode == 0, "\(gallery)")
            let page = try String(contentsOfFile: dir + "/.assetpipe/gallery/index.html", encoding: .utf8)
            #expect(page.contains("data-count=\"billed-total\">3<"), "billed in total")

            let clean = try await AssetpipeBinary.run(["clean", dir, "--all"])
            #expect(clean.exitCode == 0, "\(clean)")
            #expect(
                clean.stdout.hasPrefix("forgetting the journal: the journal's spend history goes with it: 3 images"),
                "\(clean)"
            )
        }
    }
}
