import ImageCodec

/// One file's conversion result, as printed by `convert`.
struct ConvertRecord: Encodable, Sendable {
    var input: String
    var path: String?
    var format: String?
    var width: Int?
    var height: Int?
    var bytes: Int?
    var error: InspectRecord.ErrorBody?

    static func make(file: String, options: ConversionOptions, to path: String) -> ConvertRecord {
        do {
            let result = try ImageConverter.convert(.file(file), options: options, to: path)
            return ConvertRecord(
                input: file,
                path: result.path,
                format: result.format.rawValue,
                width: result.width,
                height: result.height,
                bytes: result.bytes
            )
        } catch {
            return ConvertRecord(input: file, error: .init(code: error.code.rawValue, message: error.message))
        }
    }

    var line: String {
        "\(input) → \(path ?? "?") (\(format?.uppercased() ?? "?") \(width ?? 0)×\(height ?? 0), \(bytes ?? 0) bytes)"
    }
}
