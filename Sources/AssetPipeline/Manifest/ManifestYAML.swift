import Foundation
import Yams

/// A key and its value in a mapping, with its key path for messages.
struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
    /// e.g. `assets[2].quality`.
    var path: String

    /// True when this entry is the one from `defaults` (not overridden).
    func fromDefaults(_ defaults: [String: Entry]) -> Bool {
        defaults[key]?.path == path
    }
}

/// Typed reads from the node tree, each failing with file, line and key.
struct NodeReader {
    var file: String

    func location(_ node: Node, key: String?) -> ManifestLocation {
        ManifestLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, key: key)
    }

    func error(
        _ entry: Entry,
        _ message: String,
        code: PipelineError.Code = .manifest,
        atKey: Bool = false
    ) -> PipelineError {
        PipelineError(code, message, location: location(atKey ? entry.keyNode : entry.value, key: entry.path))
    }

    func yamlError(_ error: YamlError) -> PipelineError {
        func loc(_ mark: Mark) -> ManifestLocation {
            ManifestLocation(file: file, line: mark.line, column: mark.column, key: nil)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            return PipelineError(.manifest, "YAML syntax error: \(text)", location: loc(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PipelineError(
                .manifest,
                "the key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears twice in one mapping",
                location: ManifestLocation(
                    file: file,
                    line: context.mark.line,
                    column: context.mark.column,
                    key: duplicates.first
                )
            )
        case .reader(let problem, _, _, _):
            return PipelineError(
                .manifest,
                "cannot read the manifest: \(problem)",
                location: ManifestLocation(file: file, line: 1, column: 1, key: nil)
            )
        default:
            return PipelineError(.manifest, "cannot parse the manifest", location: nil, cause: "\(error)")
        }
    }

    /// The entries of a mapping; unknown keys are refused with a did-you-mean (`allowed` nil: any key).
    func mapping(_ node: Node, path: String?, allowed: [String]?, what: String) throws -> [String: Entry] {
        guard case .mapping(let mapping) = node else {
            throw PipelineError(
                .manifest,
                "\(what) must be a mapping of 'key: value' lines",
                location: location(node, key: path)
            )
        }
        var result: [String: Entry] = [:]
        for (k, v) in mapping {
            guard case .scalar(let s) = k else {
                throw PipelineError(.manifest, "a key must be plain text", location: location(k, key: path))
            }
            let key = s.string
            let keyPath = path.map { "\($0).\(key)" } ?? key
            if let allowed, !allowed.contains(key) {
                let hint =
                    ManifestParser.suggestion(for: key, among: allowed).map { "; did you mean '\($0)'?" }
                    ?? "; known keys: \(allowed.joined(separator: ", "))"
                throw PipelineError(
                    .manifest,
                    "unknown key '\(key)' in \(what)\(hint)",
                    location: location(k, key: keyPath)
                )
            }
            result[key] = Entry(key: key, keyNode: k, value: v, path: keyPath)
        }
        return result
    }

    func scalar(_ e: Entry) throws -> Node.Scalar {
        switch e.value {
        case .scalar(let s):
            if s.style == .plain && (s.string.isEmpty || s.string == "~" || s.string == "null") {
                throw error(e, "'\(e.key)' has no value", atKey: true)
            }
            return s
        case .mapping: throw error(e, "'\(e.key)' must be a single value, not a mapping")
        case .sequence: throw error(e, "'\(e.key)' must be a single value, not a list")
        case .alias: throw error(e, "'\(e.key)': aliases are not supported")
        }
    }

    func string(_ e: Entry) throws -> String { try scalar(e).string }

    func int(_ e: Entry, range: ClosedRange<Int>) throws -> Int {
        let s = try scalar(e)
        guard s.style == .plain, let v = Int(s.string) else {
            throw error(
                e,
                "'\(s.string)' is not a whole number\(s.style != .plain ? " (write it without quotes)" : "")"
            )
        }
        guard range.contains(v) else { throw error(e, "\(v) is outside \(range.lowerBound)–\(range.upperBound)") }
        return v
    }

    func double(_ e: Entry) throws -> Double {
        let s = try scalar(e)
        guard s.style == .plain, let v = Double(s.string), v.isFinite else {
            throw error(e, "'\(s.string)' is not a number")
        }
        return v
    }

    func bool(_ e: Entry) throws -> Bool {
        let s = try scalar(e)
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(e, "'\(s.string)' is not true or false")
        }
    }

    /// A list of strings; a single string is taken as a list of one.
    func stringList(_ e: Entry) throws -> [String] {
        if case .sequence(let seq) = e.value {
            return try seq.enumerated().map { i, node in
                try string(Entry(key: e.key, keyNode: e.keyNode, value: node, path: "\(e.path)[\(i)]"))
            }
        }
        return [try string(e)]
    }
}
