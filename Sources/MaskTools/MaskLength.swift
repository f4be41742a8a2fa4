import Foundation

/// A number on the command line or in a spec: pixels (`120`, `12.5`) or percent (`25%`) of an extent.
public struct MaskLength: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var value: Double
    public var isPercent: Bool

    public init(_ value: Double, percent: Bool = false) {
        self.value = value
        self.isPercent = percent
    }

    public static func pixels(_ value: Double) -> MaskLength { MaskLength(value) }
    public static func percent(_ value: Double) -> MaskLength { MaskLength(value, percent: true) }

    /// Parses `12`, `-3.5`, `25%`.
    public init(parsing text: String) throws {
        var s = text.trimmingCharacters(in: .whitespaces)
        let percent = s.hasSuffix("%")
        if percent { s.removeLast() }
        guard !s.isEmpty, let v = Double(s), v.isFinite else {
            throw MaskToolsError(
                .invalidArgument,
                "'\(text)' is not a number: write pixels (120, 12.5) or a percentage (25%)"
            )
        }
        self.init(v, percent: percent)
    }

    /// Pixels, with percentages taken of `extent`.
    public func resolve(extent: Int) -> Double {
        isPercent ? value * Double(extent) / 100 : value
    }

    public var description: String {
        let n = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        return isPercent ? n + "%" : n
    }

    /// Parses a comma-separated list (`10,20,30%,40`).
    static func parseList(_ text: String, what: String) throws -> [MaskLength] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        do {
            return try parts.map { try MaskLength(parsing: $0) }
        } catch let error as MaskToolsError {
            throw MaskToolsError(.invalidArgument, "\(what) '\(text)': \(error.message)")
        }
    }
}
