import Foundation

/// The plan as people and machines read it (`--dry-run`, `--check`).
public struct PlanSummary: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var name: String
        public var action: String
        public var reasons: [String]
        public var outputs: [String]
        public var billedImages: Int
        public var size: String
        public var quality: String
        public var model: String
    }
    public var manifest: String
    public var assets: [Item]
    public var upToDate: Bool
    public var imagesToBill: Int
    public var billing: [BillingLine]
    public var cost: Double?
    /// Files assetpipe wrote that the manifest no longer produces (`assetpipe prune` removes them).
    public var stale: [String]
    /// What was done to the lock file before planning (rebuilt, upgraded).
    public var notes: [String]
    /// `--dry-run`: what is left on the account (nil when unlimited, not read or not checked) and the line
    /// that says so.
    public var remainingBalance: Double?
    public var balance: String?

    public mutating func setBalance(_ reading: BalanceCheck.Reading, plan: BuildPlan) {
        if case .read(let b) = reading { remainingBalance = b.remaining }
        balance = BalanceCheck.line(plan: plan, reading: reading)
    }

    public init(_ plan: BuildPlan) {
        notes = plan.notes
        manifest = plan.manifest.path
        assets = plan.assets.map { item in
            let s = item.size.pixelSize
            return Item(
                name: item.asset.name,
                action: item.action.rawValue,
                reasons: item.reasons,
                outputs: item.outputs.map { PathTools.join(plan.manifest.output, $0.path) },
                billedImages: item.billedImages,
                size: "\(s.width)x\(s.height)",
                quality: item.quality,
                model: item.asset.model.rawValue
            )
        }
        upToDate = plan.isUpToDate
        imagesToBill = plan.imagesToBill
        billing = plan.billing
        cost = plan.cost
        stale = plan.staleOutputs.map(\.path)
    }
}

extension BuildPlan {
    /// Human lines: each asset with its action and why, then the images to bill and the cost.
    public func describe() -> [String] {
        var lines = notes + ["plan for \(manifest.path): \(assets.count) asset\(assets.count == 1 ? "" : "s")"]
        let width = max(12, (assets.map(\.asset.name.count).max() ?? 0) + 2)
        for item in assets {
            let action = item.action.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
            let name = item.asset.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let billed =
                item.billedImages > 0 ? " [\(item.billedImages) image\(item.billedImages == 1 ? "" : "s")]" : ""
            let line = "  \(action)\(name)\(item.reasons.first ?? "")\(billed)"
            lines.append(String(line.reversed().drop(while: { $0 == " " }).reversed()))
            for reason in item.reasons.dropFirst() { lines.append(String(repeating: " ", count: 18 + width) + reason) }
        }
        lines.append("images to bill: \(imagesToBill)")
        for line in billing {
            var text = "  \(line.images) × \(line.size) \(line.quality) (\(line.model))"
            if let p = line.unitPrice { text += String(format: " at %.4f = %.4f", p, p * Double(line.images)) }
            if let tier = line.pricedAs {
                text += " (\(line.quality) priced as \(tier): no auto price, the highest tier given)"
            }
            lines.append(text)
        }
        if let cost {
            lines.append(String(format: "estimated cost: %.4f (from the manifest's prices)", cost))
        } else if manifest.prices != nil && imagesToBill > 0 {
            lines.append("estimated cost: unknown (the prices table lacks a size/quality of this plan)")
        }
        if !staleOutputs.isEmpty {
            lines.append(
                "no longer produced (assetpipe prune removes them): " + staleOutputs.map(\.path).joined(separator: ", ")
            )
        }
        return lines
    }
}
