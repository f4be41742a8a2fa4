import APIMartWire
import Foundation
import ImageCodec
import MaskTools

/// Local files turned into the bytes the API should receive: masks as 8-bit RGBA PNG, references upright
/// (an EXIF-rotated JPEG re-encoded as shown, ICC profile kept). The client only ever sees the result.
public enum InputFiles {
    /// Reads a file whole (uploads are at most 20 MiB, checked before reading).
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > ContractLimits.maxUploadBytes {
            throw InputError(
                .unreadable,
                "\(path) is \(size) bytes; the upload endpoint takes at most 20 MiB — shrink or re-encode it"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(.missingFile, "cannot read \(path): check that it exists and is readable")
        }
        return Array(data)
    }

    /// The mask as the API wants it: an 8-bit RGBA PNG (MaskTools' `MaskUploadForm`: palette+tRNS,
    /// gray+alpha, 16-bit and interlaced masks are converted locally).
    public static func maskBytes(_ bytes: [UInt8], name: String) throws(InputError) -> [UInt8] {
        do {
            return try MaskUploadForm.rgbaPNG(.bytes(bytes))
        } catch {
            throw InputError(.maskRefused, "the mask \(name) cannot be prepared for upload: \(error)", cause: error)
        }
    }

    /// The reference as shown (MaskTools' `UprightReference`): a JPEG with an EXIF rotation is decoded
    /// upright and re-encoded (quality 95, ICC kept); an AVIF becomes a PNG (`ReferenceUploadForm`); anything
    /// else goes up unchanged.
    public static func referenceBytes(
        _ bytes: [UInt8],
        name: String
    ) throws(InputError) -> (
        bytes: [UInt8], info: ImageInfo, changed: Bool
    ) {
        do {
            let upright = try ReferenceUploadForm.bytes(.bytes(bytes))
            return (upright.bytes, try ImageProbe.probe(.bytes(upright.bytes)), upright.changed)
        } catch {
            throw InputError(
                .unusableImage,
                "the reference \(name) cannot be read as an image: \(error)",
                cause: error
            )
        }
    }
}
