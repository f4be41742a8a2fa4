import Yams

extension ManifestParser {
    /// `history: {keep: N}`: how many earlier states of each asset the state folder keeps for `assetpipe
    /// rollback` (1–1000; default ``BuildHistory/defaultKeep``).
    static func parseHistory(_ entry: Entry, reader: NodeReader) throws -> Int {
        let fields = try reader.mapping(entry.value, path: "history", allowed: ["keep"], what: "history")
        guard let keep = fields["keep"] else { return BuildHistory.defaultKeep }
        return try reader.int(keep, range: 1...1000)
    }
}
