import AssetPipeline
import Foundation

extension GalleryPageModel {
    /// The page's data from what was read from disk. Pure: reads no file, writes none, asks no clock.
    static func make(_ facts: GalleryFacts) -> GalleryPageModel {
        let assets = facts.assets
        var counts: [GalleryStatus: Int] = [:]
        for a in assets { counts[a.status, default: 0] += 1 }
        let changed = assets.filter(\.isChanged).count
        let failed = assets.filter { $0.status == .failed }.count
        // The journal's count (the lock carries it since format 2); older locks: what their entries hold.
        let billedTotal = facts.lock.spend?.imagesBilled ?? facts.lock.assets.values.reduce(0) { $0 + $1.billedImages }

        var stats: [GallerySummaryStat] = []
        for status in GalleryStatus.allCases {
            let n = counts[status] ?? 0
            if n == 0 && (status == .locked || status == .notBuilt) { continue }
            stats.append(
                GallerySummaryStat(
                    statClass: "stat st-\(status.rawValue)",
                    label: status.label,
                    key: status.rawValue,
                    value: "\(n)"
                )
            )
        }
        stats.append(
            GallerySummaryStat(
                statClass: "stat",
                label: "images billed in this build",
                key: "billed-build",
                value: "\(facts.saved?.report.imagesBilled ?? 0)"
            )
        )
        stats.append(
            GallerySummaryStat(
                statClass: "stat",
                label: "images billed in total",
                key: "billed-total",
                value: "\(billedTotal)"
            )
        )
        stats.append(
            GallerySummaryStat(
                statClass: "stat",
                label: "tree size",
                key: "tree-bytes",
                value: GalleryFormat.bytes(facts.treeBytes),
                hint: "\(facts.treeBytes) bytes in \(facts.treeFiles) files"
            )
        )

        let stale = facts.lock.stale.count
        let cards = CardMaker(facts: facts)
        return GalleryPageModel(
            title: facts.manifestName,
            initialFilter: facts.initialFilter.rawValue,
            assetCount: GalleryFormat.count(assets.count, "asset"),
            tree: facts.manifest.output,
            lastBuild: facts.saved?.finishedAt,
            stats: stats,
            accountError: facts.saved?.report.accountError,
            staleFiles: stale == 0 ? nil : GalleryFormat.count(stale, "file"),
            filters: [
                GalleryFilterButton(filter: GalleryFilter.all.rawValue, label: "All", count: assets.count),
                GalleryFilterButton(
                    filter: GalleryFilter.changed.rawValue,
                    label: "Changed or failed",
                    count: changed + failed
                ),
                GalleryFilterButton(filter: GalleryFilter.failed.rawValue, label: "Failed", count: failed),
            ],
            assets: assets.map(cards.card),
            madeAt: facts.madeAt
        )
    }
}

/// Turns one asset's facts into its card.
private struct CardMaker {
    let facts: GalleryFacts
    var manifest: Manifest { facts.manifest }

    func card(_ a: AssetFacts) -> GalleryAssetCard {
        var classes = ["asset", "st-\(a.status.rawValue)"]
        if a.isChanged { classes.append("changed") }
        if a.status == .failed { classes.append("failed") }
        var failure: GalleryAssetCard.Failure?
        var plan: String?
        if let o = a.outcome {
            if o.status == .failed {
                failure = GalleryAssetCard.Failure(
                    failureHeading: "Failed" + (o.errorCode.map { " (\($0))" } ?? ""),
                    failureReason: o.error ?? "unknown reason"
                )
            }
            if !o.reasons.isEmpty { plan = "\(o.action) — \(o.reasons.joined(separator: "; "))" }
        }
        let inputs = self.inputs(a)
        return GalleryAssetCard(
            name: a.name,
            anchor: GalleryFormat.anchor(a.name),
            status: a.status.rawValue,
            statusLabel: a.status.label,
            sectionClass: classes.joined(separator: " "),
            failure: failure,
            plan: plan,
            outcomeUnknown: a.locked?.outcomeUnknown.map { "Outcome unknown since \($0.at): \($0.message)" },
            prompt: a.spec.prompt,
            parameters: parameters(a),
            hasInputs: !inputs.isEmpty,
            inputs: inputs,
            results: results(a),
            refresh: refresh(a),
            choices: choices(a)
        )
    }

    /// The picked candidate, the approval, and the commands for them (`GalleryAssetCard.Choices`).
    func choices(_ a: AssetFacts) -> GalleryAssetCard.Choices {
        let candidates = max(a.locked?.results.count ?? 0, a.spec.imageCount)
        let picked = GalleryChoices.picked(spec: a.spec, locked: a.locked)
        var pickLabel: String?
        if candidates > 1 {
            pickLabel =
                picked.map { "candidate \($0) of \(candidates) picked" }
                ?? "every candidate written (none picked)"
        }
        let approvalLabel: String
        let approved: Bool
        if let locked = a.locked, let approval = locked.approval {
            approved = Approval.holds(locked)
            approvalLabel =
                approved
                ? "approved by \(approval.by) at \(approval.at) (take \(approval.take))"
                : "not approved: changed since \(approval.by) approved take \(approval.take) at \(approval.at)"
        } else {
            approved = false
            approvalLabel = "not approved"
        }
        let name = GalleryFormat.shellQuote(a.name)
        let manifestArgument = GalleryChoices.manifestArgument(facts.manifestName)
        var commands = ["assetpipe build\(manifestArgument.map { " " + $0 } ?? "") --regenerate \(name)"]
        let option = manifestArgument.map { " --manifest " + $0 } ?? ""
        if candidates > 1 {
            commands.append("assetpipe pick\(option) \(name) K")
            commands.append("assetpipe pick\(option) \(name) --none")
        }
        commands.append("assetpipe rollback\(option) \(name)")
        commands.append("assetpipe approve\(option) \(name)")
        return GalleryAssetCard.Choices(
            encodedName: GalleryChoices.pathSegment(a.name),
            pickLabel: pickLabel,
            candidateChoices: candidates > 1
                ? (1...candidates).map { .init(candidateNumber: $0, candidatePressed: $0 == picked ? "true" : "false") }
                : [],
            hasCandidates: candidates > 1,
            approvalLabel: approvalLabel,
            approvalClass: approved ? "approval approved" : "approval unapproved",
            canRollback: a.history != nil,
            canApprove: a.locked?.isBuilt == true,
            commands: commands
        )
    }

    func inputs(_ a: AssetFacts) -> [GalleryTile] {
        var tiles: [GalleryTile] = []
        for (i, r) in a.references.enumerated() {
            tiles.append(
                tile(
                    source: r.exists ? .file(r.absolute) : nil,
                    link: r.exists ? r.absolute : nil,
                    caption: "reference \(a.references.count > 1 ? "\(i + 1) " : "")· \(r.path)",
                    lines: r.exists ? [] : ["missing"],
                    checker: true
                )
            )
        }
        if let m = a.mask {
            if case .maskPreview? = a.maskSource {
                tiles.append(
                    tile(
                        source: a.maskSource,
                        link: m.absolute,
                        caption: "mask · \(m.path)",
                        lines: ["editable area tinted"],
                        checker: false
                    )
                )
            } else {
                tiles.append(
                    tile(
                        source: a.maskSource,
                        link: m.exists ? m.absolute : nil,
                        caption: "mask · \(m.path)",
                        lines: [m.exists ? "no reference to preview on" : "missing"],
                        checker: true
                    )
                )
            }
        }
        return tiles
    }

    func parameters(_ a: AssetFacts) -> [GalleryAssetCard.Parameter] {
        let s = a.spec
        var rows: [(String, String)] = [
            ("model", s.model.rawValue), ("size", s.size?.rawValue ?? "auto"), ("n", "\(s.n)"),
        ]
        if let q = s.quality { rows.append(("quality", q.rawValue)) }
        if let b = s.background { rows.append(("background", b.rawValue)) }
        if let m = s.moderation { rows.append(("moderation", m.rawValue)) }
        if let f = s.format { rows.append(("format", f.rawValue)) }
        if let c = s.compression { rows.append(("compression", "\(c)")) }
        if s.fit != .none { rows.append(("fit", s.fit.rawValue)) }
        if s.composite { rows.append(("composite", "yes")) }
        if let l = a.locked, l.isBuilt {
            rows.append(("key", String(l.key.prefix(12))))
            if let at = l.generatedAt { rows.append(("generated", at)) }
            rows.append(("task ids", l.taskIDs.isEmpty ? "—" : l.taskIDs.joined(separator: ", ")))
            rows.append(("billed images", "\(l.billedImages)"))
        }
        if let o = a.outcome {
            if !o.taskIDs.isEmpty && o.taskIDs != (a.locked?.taskIDs ?? []) {
                rows.append(("task ids (this build)", o.taskIDs.joined(separator: ", ")))
            }
            rows.append(("billed in this build", "\(o.billedImages)"))
        }
        return rows.map { GalleryAssetCard.Parameter(parameter: $0.0, setting: $0.1) }
    }

    func results(_ a: AssetFacts) -> [GalleryAssetCard.ResultGroup] {
        let results = a.locked?.results ?? []
        let imageCount = max(results.count, a.spec.imageCount)
        return (0..<imageCount).map { i in
            let result = i < results.count ? results[i] : nil
            var heading = "Result \(i + 1)"
            if let r = result {
                heading += " · \(r.format.uppercased()) \(r.width)×\(r.height)"
                if let k = r.keptChangedFraction {
                    heading += " · kept area changed \(GalleryFormat.percent(k))"
                } else if a.spec.mask != nil {
                    heading += " · kept-area change not measured"
                }
            } else {
                heading += " · not generated yet"
            }
            let outputs = a.outputs.filter { ($0.locked?.result ?? $0.planned?.resultIndex) == i }
            return GalleryAssetCard.ResultGroup(resultHeading: heading, tiles: outputs.map(outputTile))
        }
    }

    func outputTile(_ o: AssetFacts.Output) -> GalleryTile {
        var lines: [String] = []
        if let l = o.locked {
            lines.append("\(l.format.uppercased()) · \(l.width)×\(l.height) · \(GalleryFormat.bytes(l.bytes))")
            lines.append(
                GalleryFormat.transparency(
                    opaque: l.opaque,
                    transparent: l.transparentFraction,
                    translucent: l.translucentFraction
                )
            )
        } else if let p = o.planned {
            lines.append(p.spec.format.rawValue.uppercased())
        }
        if let spec = o.planned?.spec {
            var parts: [String] = []
            if let q = spec.quality { parts.append("quality \(q)") }
            if let l = spec.level { parts.append("level \(l)") }
            if let f = spec.flatten { parts.append("flatten \(f)") }
            if let r = spec.resize { parts.append("variant \(r.defaultSuffix)") }
            if let req = spec.require { parts.append("require \(req.rawValue)") }
            if !parts.isEmpty { lines.append(parts.joined(separator: " · ")) }
        }
        switch o.state {
        case .missing: lines.append("missing from the tree")
        case .modified: lines.append("modified since the build (differs from the lock)")
        case .unrecorded: lines.append("not in the lock file")
        case .present: break
        }
        let onDisk = o.state != .missing
        return tile(
            source: onDisk ? .file(o.absolute) : nil,
            link: onDisk ? o.absolute : nil,
            caption: PathTools.relative(o.absolute, to: manifest.outputRoot) ?? o.path,
            lines: lines,
            checker: true,
            extraClass: o.state == .present ? nil : "warn"
        )
    }

    func refresh(_ a: AssetFacts) -> GalleryAssetCard.Refresh? {
        guard let history = a.history else { return nil }
        let prev = history.previous
        var info = "previous key \(String(prev.key.prefix(12)))"
        if let at = prev.generatedAt { info += " · generated \(at)" }
        if !prev.taskIDs.isEmpty { info += " · task \(prev.taskIDs.joined(separator: ", "))" }
        if let p = prev.parameters["prompt"], p != a.spec.prompt { info += " · prompt was: \(p)" }
        var paths: [String] = []
        for p in a.previous.map(\.path) + a.outputs.map(\.path) where !paths.contains(p) { paths.append(p) }
        let pairs = paths.map { path in
            let before = a.previous.first { $0.path == path }
            let after = a.outputs.first { $0.path == path && $0.state != .missing }
            let name = PathTools.relative(PathTools.join(manifest.directory, path), to: manifest.outputRoot) ?? path
            return GalleryAssetCard.Pair(
                before: before.map { previousTile($0, name: name, current: after) },
                after: after.map { currentTile($0, name: name) }
            )
        }
        return GalleryAssetCard.Refresh(
            open: a.isChanged,
            refreshSummary: "Previous state (\(history.reason) \(history.archivedAt)) beside the current one",
            previousInfo: info,
            rollbackName: GalleryFormat.shellQuote(a.name),
            pairs: pairs
        )
    }

    func previousTile(_ before: AssetFacts.Previous, name: String, current: AssetFacts.Output?) -> GalleryTile {
        var lines: [String] = []
        if let l = before.locked {
            let size = GalleryFormat.bytes(before.file.bytes)
            lines.append("\(l.format.uppercased()) · \(l.width)×\(l.height) · \(size)")
            lines.append(
                GalleryFormat.transparency(
                    opaque: l.opaque,
                    transparent: l.transparentFraction,
                    translucent: l.translucentFraction
                )
            )
        } else {
            lines.append(GalleryFormat.bytes(before.file.bytes))
        }
        if before.file.sha256 == current.flatMap({ $0.locked?.sha256 }) {
            lines.append("identical to the current file")
        }
        return tile(
            source: .file(before.stored),
            link: before.stored,
            caption: "previous · \(name)",
            lines: lines,
            checker: true,
            extraClass: "before"
        )
    }

    func currentTile(_ after: AssetFacts.Output, name: String) -> GalleryTile {
        var lines: [String] = []
        if let l = after.locked {
            lines.append("\(l.format.uppercased()) · \(l.width)×\(l.height) · \(GalleryFormat.bytes(l.bytes))")
        }
        return tile(
            source: .file(after.absolute),
            link: after.absolute,
            caption: "current · \(name)",
            lines: lines,
            checker: true,
            extraClass: "after"
        )
    }

    /// A tile with the thumbnail made for `source`, or the reason there is none.
    func tile(
        source: ThumbnailSource?,
        link: String?,
        caption: String,
        lines: [String],
        checker: Bool,
        extraClass: String? = nil
    ) -> GalleryTile {
        var tile = GalleryTile(
            figureClass: "tile" + (extraClass.map { " " + $0 } ?? ""),
            image: nil,
            noImage: nil,
            problem: nil,
            caption: caption,
            lines: lines.filter { !$0.isEmpty }
        )
        guard let source else {
            tile.noImage = "no file"
            return tile
        }
        switch facts.thumbnails[source] {
        case .success(let t)?:
            tile.image = GalleryTile.Image(
                thumbnail: t.path,
                src: GalleryFormat.urlPath(t.path),
                width: t.width,
                height: t.height,
                imageClass: checker ? "thumb checker" : "thumb",
                alt: caption,
                link: link.map { GalleryFormat.url(to: $0, from: facts.galleryDirectory) },
                linkedFile: link
            )
        case .failure(let e)?:
            tile.problem = e.message
            tile.noImage = e.message
        case nil:
            tile.noImage = "no thumbnail"
        }
        return tile
    }
}

/// How the page writes numbers, paths and names.
enum GalleryFormat {
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// A relative URL from the gallery folder to an absolute file path.
    static func url(to absolutePath: String, from galleryDirectory: String) -> String {
        let from = PathTools.absolute(galleryDirectory).split(separator: "/").map(String.init)
        let to = PathTools.absolute(absolutePath).split(separator: "/").map(String.init)
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        let parts = Array(repeating: "..", count: from.count - common) + to[common...]
        return urlPath(parts.joined(separator: "/"))
    }

    /// Percent-encodes each segment of a relative path for a URL.
    static func urlPath(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!$&'()*+,;=:@")
        return path.split(separator: "/", omittingEmptySubsequences: false).map { seg in
            seg == ".." ? ".." : (String(seg).addingPercentEncoding(withAllowedCharacters: allowed) ?? String(seg))
        }.joined(separator: "/")
    }

    static func anchor(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

    static func shellQuote(_ s: String) -> String {
        if s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./@".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        if n < 1024 * 1024 * 1024 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
        return String(format: "%.2f GB", Double(n) / 1_073_741_824)
    }

    static func percent(_ x: Double) -> String {
        x > 0 && x < 0.001 ? "<0.1%" : String(format: "%.1f%%", x * 100)
    }

    static func transparency(opaque: Bool, transparent: Double, translucent: Double) -> String {
        opaque ? "opaque" : "transparent \(percent(transparent)) · translucent \(percent(translucent))"
    }
}
