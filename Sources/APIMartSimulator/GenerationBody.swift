import APIMartWire
import Foundation

/// Any JSON value, decoded without coercion, so the submit endpoint can say exactly what is wrong with a field
/// (a quoted `"n"`, a number where a string belongs) instead of a generic decoding failure.
enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads the JSON body of `POST /v1/images/generations` as the service does: unknown fields ignored, `null`
/// treated as absent, every type checked by name. Throws the 400 message for the first problem.
enum GenerationBody {
    struct Invalid: Error, Equatable {
        var message: String
    }

    static func parse(_ body: [UInt8]) throws(Invalid) -> GenerationRequest {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw Invalid(message: "the body is not valid JSON")
        }
        guard case .object(let fields) = root else {
            throw Invalid(message: "the body must be a JSON object")
        }
        func present(_ key: String) -> JSONValue? {
            guard let v = fields[key], v != .null else { return nil }
            return v
        }
        func string(_ key: String) throws(Invalid) -> String? {
            guard let v = present(key) else { return nil }
            guard case .string(let s) = v else { throw Invalid(message: "\(key) must be a string, not \(v.kindName)") }
            return s
        }
        func integer(_ key: String) throws(Invalid) -> Int? {
            guard let v = present(key) else { return nil }
            switch v {
            case .integer(let i): return i
            case .number(let d):
                guard d.rounded() == d, let i = Int(exactly: d) else {
                    throw Invalid(message: "\(key) must be an integer, not \(d)")
                }
                return i
            default:
                throw Invalid(message: "\(key) must be a JSON number, not \(v.kindName)")
            }
        }
        guard let model = try string("model") else { throw Invalid(message: "model is required") }
        guard let prompt = try string("prompt") else { throw Invalid(message: "prompt is required") }
        var imageURLs: [String]?
        if let v = present("image_urls") {
            guard case .array(let items) = v else {
                throw Invalid(message: "image_urls must be an array of strings, not \(v.kindName)")
            }
            imageURLs = try items.map { item throws(Invalid) in
                guard case .string(let s) = item else {
                    throw Invalid(message: "image_urls must be an array of strings; found \(item.kindName)")
                }
                return s
            }
        }
        return GenerationRequest(
            model: model,
            prompt: prompt,
            size: try string("size"),
            n: try integer("n"),
            quality: try string("quality"),
            background: try string("background"),
            moderation: try string("moderation"),
            outputFormat: try string("output_format"),
            outputCompression: try integer("output_compression"),
            imageURLs: imageURLs,
            maskURL: try string("mask_url")
        )
    }
}
