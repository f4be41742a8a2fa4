import AssetGallery
import AssetPipeline
import Foundation
import TestSupport
import Testing

/// The pick, the approval and the terminal commands beside each asset on the static page.
@Suite("gallery: picks, approvals and commands")
struct GalleryChoicesTests {
    @Test func eachCardShowsTheApprovalAndTheCommands() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { sim in try await build(project, connection(to: sim)) }
        try Approval.approve(
            manifestPath: project.manifestPath,
            asset: "icons/bottle",
            by: "ann <ann@example.com>",
            at: Date(timeIntervalSince1970: 1_800_000_000)
        )
        let (_, html) = try gallery(project)
        let bottle = try #require(html.components(separatedBy: "data-asset=\"icons/bottle\"").dropFirst().first)
            .components(separatedBy: "</section>")[0]
        let posters = try #require(html.components(separatedBy: "data-asset=\"posters/fusion\"").dropFirst().first)
            .components(separatedBy: "</section>")[0]

        #expect(bottle.contains("approved by ann &lt;ann@example.com&gt; at 2027-01-15T08:00:00Z (take 1)"))
        #expect(posters.contains("<p class=\"approval unapproved\">not approved</p>"))
        // Pick commands only where there is more than one candidate.
        #expect(!bottle.contains("Pick:"))
        #expect(posters.contains("Pick: every candidate written (none picked)"))
        // The page names the manifest (not assetpipe.yaml in the current folder).
        let m = project.manifestPath
        #expect(bottle.contains("assetpipe build \(m) --regenerate icons/bottle\n"))
        #expect(bottle.contains("assetpipe rollback --manifest \(m) icons/bottle\n"))
        #expect(bottle.contains("assetpipe approve --manifest \(m) icons/bottle\n"))
        #expect(!bottle.contains("assetpipe pick"))
        #expect(posters.contains("assetpipe pick --manifest \(m) posters/fusion K\n"))
        #expect(posters.contains("assetpipe pick --manifest \(m) posters/fusion --none\n"))
        // The static page has no buttons.
        #expect(!html.contains("data-action="))
    }

    @Test func anApprovalOfAnotherKeyOrTakeDoesNotHold() {
        var entry = LockedAsset(
            key: "k2",
            parameters: [:],
            inputs: [],
            model: "m",
            taskIDs: [],
            generatedAt: nil,
            billedImages: 1,
            results: [],
            outputs: []
        )
        #expect(!Approval.holds(entry))
        entry.approval = LockedApproval(by: "ann", at: "2026-11-30T00:00:00Z", key: "k2", take: 1)
        #expect(Approval.holds(entry))
        entry.approval?.key = "k1"
        #expect(!Approval.holds(entry))
        entry.approval = LockedApproval(by: "ann", at: "2026-11-30T00:00:00Z", key: "k2", take: 2)
        #expect(!Approval.holds(entry))
    }

    @Test func theReviewerComesFromTheEnvironment() {
        #expect(Approval.reviewer(environment: ["ASSETPIPE_REVIEWER": "ann", "USER": "root"]) == "ann")
        #expect(Approval.reviewer(environment: ["ASSETPIPE_REVIEWER": " ", "USER": "root"]) == "root")
        #expect(Approval.reviewer(environment: [:]) == "unknown")
    }

    @Test func namesAreOneURLPathSegment() {
        #expect(GalleryChoices.pathSegment("hero/castle") == "hero%2Fcastle")
        #expect(GalleryChoices.pathSegment("a b&c") == "a%20b%26c")
    }
}
