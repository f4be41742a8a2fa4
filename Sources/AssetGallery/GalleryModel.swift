/// The gallery page as plain data: every text, count, link and thumbnail the templates show, already formatted
/// as plain text (the templates escape it). `GalleryBuilder.preparePage()` reads the lock file, the last build
/// report and the history and writes the thumbnails, then makes it with `GalleryPageModel.make(_:)`; it is rendered
/// by `GalleryRenderer`. Both of these last steps are pure.
///
/// Field names are unique across the nesting (page → asset → result or pair → tile → image): Mustache looks a name
/// that is missing or nil in the current value up in the enclosing ones, so a nil `link` of an image must not meet
/// a `link` of its asset. Keep it so when adding fields.
public struct GalleryPageModel: Sendable, Codable, Equatable {
    /// The manifest's path as shown (relative to the current folder when inside it).
    public var title: String
    /// The filter the page opens with (`all`, `changed`, `failed`).
    public var initialFilter: String
    /// "3 assets".
    public var assetCount: String
    /// The asset tree's folder, relative to the manifest.
    public var tree: String
    /// When the last saved build finished; nil when no build report is saved.
    public var lastBuild: String?
    public var stats: [GallerySummaryStat]
    /// The account error that stopped the last build.
    public var accountError: String?
    /// "2 files": files in the tree the manifest no longer produces; nil when none.
    public var staleFiles: String?
    public var filters: [GalleryFilterButton]
    public var assets: [GalleryAssetCard]
    /// When the page was made (ISO 8601).
    public var madeAt: String

    /// Every tile of the page, in page order.
    public var tiles: [GalleryTile] { assets.flatMap(\.allTiles) }
}

/// One figure of the summary.
public struct GallerySummaryStat: Sendable, Codable, Equatable {
    /// `stat st-built`, or `stat`.
    public var statClass: String
    public var label: String
    /// The `data-count` name: a status, `billed-build`, `billed-total`, `tree-bytes`.
    public var key: String
    public var value: String
    /// A tooltip.
    public var hint: String?
}

public struct GalleryFilterButton: Sendable, Codable, Equatable {
    public var filter: String
    public var label: String
    public var count: Int
}

/// One asset: its status, reasons, parameters, inputs, results and previous state.
public struct GalleryAssetCard: Sendable, Codable, Equatable {
    public var name: String
    /// The fragment id after `asset-`.
    public var anchor: String
    /// A `GalleryStatus` raw value.
    public var status: String
    public var statusLabel: String
    /// `asset st-<status>`, plus `changed` and `failed` for the filters.
    public var sectionClass: String
    public var failure: Failure?
    /// The planner's action and reasons: "build — prompt changed".
    public var plan: String?
    /// "Outcome unknown since …: …" when a submit's outcome was never learned.
    public var outcomeUnknown: String?
    public var prompt: String
    public var parameters: [Parameter]
    public var hasInputs: Bool
    /// References and the mask (or its preview on the first reference).
    public var inputs: [GalleryTile]
    public var results: [ResultGroup]
    public var refresh: Refresh?

    public struct Failure: Sendable, Codable, Equatable {
        /// "Failed (code)".
        public var failureHeading: String
        public var failureReason: String
    }

    public struct Parameter: Sendable, Codable, Equatable {
        public var parameter: String
        public var setting: String
    }

    /// The outputs made from one result image.
    public struct ResultGroup: Sendable, Codable, Equatable {
        /// "Result 1 · PNG 1024×1024 · kept area changed 2.0%".
        public var resultHeading: String
        public var tiles: [GalleryTile]
    }

    /// The previous state kept in the state folder's history, beside the current files.
    public struct Refresh: Sendable, Codable, Equatable {
        /// Shown unfolded (the asset changed in the last build).
        public var open: Bool
        public var refreshSummary: String
        /// Key, time, task and prompt of the previous state.
        public var previousInfo: String
        /// The asset's name quoted for a shell.
        public var rollbackName: String
        public var pairs: [Pair]
    }

    /// One output path: the previous file and the current one (either may be absent).
    public struct Pair: Sendable, Codable, Equatable {
        public var before: GalleryTile?
        public var after: GalleryTile?
    }

    /// The asset's picked candidate and approval, and what can be done about them: the terminal commands on the
    /// static page, the buttons on the review page (`assetpipe review`). Nil for a card made without them.
    public var choices: Choices? = nil

    /// What a reviewer sees and can do beside the asset.
    public struct Choices: Sendable, Codable, Equatable {
        /// The asset's name percent-encoded as one URL path segment (`hero%2Fcastle`), for the review page's API.
        public var encodedName: String
        /// "candidate 2 of 4 picked", "every candidate written (none picked)"; nil when the asset has one.
        public var pickLabel: String?
        /// One per candidate when the asset has more than one.
        public var candidateChoices: [Candidate]
        /// True when the asset has more than one candidate.
        public var hasCandidates: Bool
        /// "approved by ann at 2026-11-30T01:00:00Z (take 2)", or "not approved" and why.
        public var approvalLabel: String
        /// `approval approved`, `approval unapproved`.
        public var approvalClass: String
        /// True when a previous state is kept (roll back can put it back).
        public var canRollback: Bool
        /// True when the asset is built (approve has something to approve).
        public var canApprove: Bool
        /// The commands that do from a terminal what the review page's buttons do.
        public var commands: [String]

        public struct Candidate: Sendable, Codable, Equatable {
            /// 1-based, as the `-1`, `-2` file names count.
            public var candidateNumber: Int
            /// `true` for the picked candidate (an `aria-pressed` value).
            public var candidatePressed: String
        }
    }

    var allTiles: [GalleryTile] {
        inputs + results.flatMap(\.tiles) + (refresh?.pairs ?? []).flatMap { [$0.before, $0.after].compactMap { $0 } }
    }
}

/// A figure: a thumbnail linking to the full file, or the reason there is none; a title and fact lines.
public struct GalleryTile: Sendable, Codable, Equatable {
    /// `tile`, `tile warn`, `tile before`, `tile after`.
    public var figureClass: String
    public var image: Image?
    /// Shown instead of a thumbnail: "no file", or why the thumbnail could not be made.
    public var noImage: String?
    /// Why the thumbnail could not be made (the gallery's problems list); nil when it was, or no file is expected.
    public var problem: String?
    public var caption: String
    public var lines: [String]

    public struct Image: Sendable, Codable, Equatable {
        /// The thumbnail relative to the gallery folder (`thumbs/<hash>.png`).
        public var thumbnail: String
        /// The thumbnail as a relative URL.
        public var src: String
        public var width: Int
        public var height: Int
        /// `thumb`, or `thumb checker` (drawn on a checkerboard to show transparency).
        public var imageClass: String
        public var alt: String
        /// A relative URL to the full file.
        public var link: String?
        /// The full file's absolute path (the review server serves it through its own route).
        public var linkedFile: String? = nil
    }
}
