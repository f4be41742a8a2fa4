import ImageCodec
import InputPreparation

/// The one check of an asset's references that preparing them does not make: every row decodes. Preparing reads a
/// reference's header (and decodes it only when it must be turned upright or fitted), so a truncated or corrupt
/// file would otherwise be uploaded and refused by the API after the build started. Streams rows: one row in
/// memory (an interlaced PNG: the image), within the codec's default limits.
enum AssetInputCheck {
    /// Throws `InputError(.unusableImage)` naming the reference (as the manifest writes it) when it does not
    /// decode to its last row.
    static func verifyDecodes(_ file: AssetInputFile) throws(InputError) {
        do {
            let reader = try ImageRowReader(.file(file.path))
            var row: [UInt8] = []
            for _ in 0..<reader.height { try reader.readRow(into: &row) }
        } catch {
            throw InputError(
                .unusableImage,
                "\(file.name): the image does not decode (\(error.message)); replace it with a complete PNG or JPEG",
                cause: error
            )
        }
    }
}
