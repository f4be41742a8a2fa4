/// A minimal `multipart/form-data` reader (RFC 7578): enough for the upload endpoint's one `file` field.
struct MultipartForm: Sendable {
    struct Part: Sendable {
        var name: String?
        var filename: String?
        var contentType: String?
        var body: ArraySlice<UInt8>
    }

    enum Problem: Error, Equatable {
        case notMultipart
        case noBoundary
        case malformed(String)
    }

    var parts: [Part]

    func part(named name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=…` header value.
    static func boundary(contentType: String?) throws(Problem) -> String {
        guard let contentType else { throw .notMultipart }
        let pieces = contentType.split(separator: ";").map { $0.trimmed(" \t") }
        guard let kind = pieces.first, kind.lowercased() == "multipart/form-data" else { throw .notMultipart }
        for piece in pieces.dropFirst() {
            let kv = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, kv[0].trimmed(" \t").lowercased() == "boundary" else { continue }
            var value = kv[1].trimmed(" \t")
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            guard !value.isEmpty, value.utf8.count <= 200 else { throw .noBoundary }
            return value
        }
        throw .noBoundary
    }

    init(body: [UInt8], boundary: String) throws(Problem) {
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        // The body starts with the first delimiter (preamble allowed before it, rarely used).
        guard var cursor = Self.find(dashBoundary, in: body, from: 0) else {
            throw .malformed("no boundary line '--\(boundary)' in the body")
        }
        cursor += dashBoundary.count
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" closes, CRLF opens a part (transport padding spaces tolerated).
            if cursor + 1 < body.count, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") {
                break
            }
            while cursor < body.count, body[cursor] == UInt8(ascii: " ") || body[cursor] == UInt8(ascii: "\t") {
                cursor += 1
            }
            guard cursor + 1 < body.count, body[cursor] == 13, body[cursor + 1] == 10 else {
                throw .malformed("a boundary line is not followed by CRLF")
            }
            cursor += 2
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: cursor) else {
                // A part with no headers starts directly with CRLF.
                throw .malformed("a part has no end of headers")
            }
            let headerText = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = Self.find(delimiter, in: body, from: contentStart) else {
                throw .malformed("a part is not closed by its boundary")
            }
            var part = Part(name: nil, filename: nil, contentType: nil, body: body[contentStart..<next])
            for line in headerText.split(separator: "\r\n") {
                let kv = line.split(separator: ":", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let field = kv[0].trimmed(" \t").lowercased()
                let value = kv[1].trimmed(" \t")
                if field == "content-disposition" {
                    let params = Self.parameters(value)
                    part.name = params["name"]
                    part.filename = params["filename"]
                } else if field == "content-type" {
                    part.contentType = value
                }
            }
            parts.append(part)
            cursor = next + delimiter.count
        }
        self.parts = parts
    }

    /// `form-data; name="file"; filename="a b.png"` → ["name": "file", "filename": "a b.png"].
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var chars = Substring(value)
        // Skip the disposition type.
        if let semi = chars.firstIndex(of: ";") { chars = chars[chars.index(after: semi)...] } else { return result }
        while !chars.isEmpty {
            chars = chars.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = chars[..<eq].trimmed(" \t").lowercased()
            chars = chars[chars.index(after: eq)...]
            var val = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                var escaped = false
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if escaped {
                        val.append(c); escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        break
                    } else {
                        val.append(c)
                    }
                }
            } else {
                let end = chars.firstIndex(of: ";") ?? chars.endIndex
                val = chars[..<end].trimmed(" \t")
                chars = chars[end...]
            }
            result[key] = val
        }
        return result
    }

    /// First index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let first = n[0]
                var i = from
                let last = h.count - n.count
                while i <= last {
                    if h[i] == first {
                        var j = 1
                        while j < n.count && h[i + j] == n[j] { j += 1 }
                        if j == n.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}

extension StringProtocol {
    func trimmed(_ set: String) -> String {
        let s = self.drop { set.contains($0) }
        var end = s.endIndex
        while end > s.startIndex, set.contains(s[s.index(before: end)]) { end = s.index(before: end) }
        return String(s[s.startIndex..<end])
    }
}
