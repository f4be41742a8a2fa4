import MultipartKit

/// The `multipart/form-data` body of `POST /v1/uploads/images` (RFC 7578), read with vapor/multipart-kit's
/// `MultipartParser`: the parts in order, each with its form field name, file name, type and bytes.
struct UploadForm: Sendable {
    struct Part: Sendable {
        var name: String?
        var filename: String?
        var contentType: String?
        var body: [UInt8]
    }

    /// Why a body is refused (each is a 400 answer).
    enum Problem: Error, Equatable {
        case notMultipart
        case noBoundary
        case malformed(String)
    }

    var parts: [Part]

    func part(named name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=…` header value (1 to 200 characters).
    static func boundary(contentType: String?) throws(Problem) -> String {
        guard let contentType, HeaderValue.kind(contentType) == "multipart/form-data" else { throw .notMultipart }
        guard let boundary = HeaderValue.parameters(contentType)["boundary"], !boundary.isEmpty,
            boundary.utf8.count <= 200
        else { throw .noBoundary }
        return boundary
    }

    /// Reads the parts of `body`. The parser checks the framing; what it leaves unchecked is checked here:
    /// at least one part, none cut short, and the closing delimiter `--boundary--` present.
    init(body: [UInt8], boundary: String) throws(Problem) {
        let parser = MultipartParser(boundary: boundary)
        var parts: [Part] = []
        var headers: [(String, String)] = []
        // Collected as a ByteBuffer (memcpy) and copied out once per part: a 20 MB file stays cheap.
        var bytes = ByteBuffer()
        var open = false
        parser.onHeader = { name, value in
            headers.append((name, value))
            open = true
        }
        parser.onBody = { buffer in
            bytes.writeBuffer(&buffer)
            open = true
        }
        parser.onPartComplete = {
            parts.append(Self.part(headers: headers, body: bytes.readBytes(length: bytes.readableBytes) ?? []))
            headers = []
            bytes = ByteBuffer()
            open = false
        }
        do {
            try parser.execute(body)
        } catch {
            throw .malformed("the multipart framing is broken (a boundary line not followed by CRLF, or a bad header)")
        }
        guard !parts.isEmpty || open else { throw .malformed("no boundary line '--\(boundary)' in the body") }
        // The close delimiter ends the last part; only a short epilogue may follow it.
        guard !open, body.suffix(4096).firstRange(of: Array("--\(boundary)--".utf8)) != nil else {
            throw .malformed("a part is not closed by its boundary")
        }
        self.parts = parts
    }

    private static func part(headers: [(String, String)], body: [UInt8]) -> Part {
        var part = Part(body: body)
        for (name, value) in headers {
            switch name.lowercased() {
            case "content-disposition":
                let parameters = HeaderValue.parameters(value)
                part.name = parameters["name"]
                part.filename = parameters["filename"]
            case "content-type":
                part.contentType = value
            default:
                break
            }
        }
        return part
    }
}

/// A header value made of a kind and parameters (RFC 9110 `Content-Type`, RFC 6266 `Content-Disposition`):
/// `form-data; name="file"; filename="a; b.png"`. Quoted values may hold `;`, `=` and `\"`: multipart-kit's own
/// reader splits at every `;` and `=` (a file name `a; b.png` would come back as `a`), and Hummingbird's
/// `MediaType` keeps only the first parameter (`charset=utf-8; boundary=x` would lose the boundary).
enum HeaderValue {
    /// The kind before the parameters, lowercased: `multipart/form-data`, `form-data`.
    static func kind(_ value: String) -> String {
        value.prefix { $0 != ";" }.trimmed(" \t").lowercased()
    }

    /// The parameters by lowercased name: `["name": "file", "filename": "a; b.png"]`.
    static func parameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var rest = Substring(value)
        // Skip the disposition type.
        guard let semicolon = rest.firstIndex(of: ";") else { return result }
        rest = rest[rest.index(after: semicolon)...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == ";" }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmed(" \t").lowercased()
            rest = rest[rest.index(after: equals)...]
            var text = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        text.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        break
                    } else {
                        text.append(c)
                    }
                }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                text = rest[..<end].trimmed(" \t")
                rest = rest[end...]
            }
            result[key] = text
        }
        return result
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters of `set`.
    func trimmed(_ set: String) -> String {
        let s = self.drop { set.contains($0) }
        var end = s.endIndex
        while end > s.startIndex, set.contains(s[s.index(before: end)]) { end = s.index(before: end) }
        return String(s[s.startIndex..<end])
    }
}
