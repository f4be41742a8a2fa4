import ArgumentParser

extension AssetPipeCommand {
    /// `assetpipe lock ...`: the lock file as git sees it. Each subcommand lives in its own file (LockMerge.swift, ...).
    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lock",
            abstract: "Merge lock files as git's merge driver; check a lock file against the manifest and the tree.",
            subcommands: [Merge.self, Check.self]
        )
    }
}
