import AssetpipeBasics
import Foundation
import ImageCodec

/// Reading and writing images for the mask operations, with codec errors turned into MaskToolsError.
public enum MaskIO {
    static func wrap(_ error: Error, name: String) -> MaskToolsError {
        if let e = error as? MaskToolsError { return e }
        if let e = error as? ImageCodecError {
            switch e.code {
            case .io:
                return MaskToolsError(.io, "\(name): cannot read the file: \(e.message)", cause: e)
            case .notAnImage:
                return MaskToolsError(
                    .unreadable,
                    "\(name): not an image assetpipe can read (PNG, JPEG)",
                    cause: e
                )
            default:
                return MaskToolsError(.unreadable, "\(name): cannot be decoded: \(e.message)", cause: e)
            }
        }
        return MaskToolsError(.io, "\(name): \(error)", cause: error)
    }

    public static func probe(_ source: ImageSource, name: String, limits: DecodeLimits = .default) throws -> ImageInfo {
        do { return try ImageProbe.probe(source, limits: limits) } catch { throw wrap(error, name: name) }
    }

    /// Decodes with the EXIF orientation applied: the picture as shown.
    public static func decodeShown(
        _ source: ImageSource,
        name: String,
        limits: DecodeLimits = .default
    ) throws -> RGBAImage {
        do {
            return try ImageDecoder.decode(source, limits: limits, applyOrientation: true)
        } catch {
            throw wrap(error, name: name)
        }
    }

    /// Decodes the pixels as stored (no EXIF orientation applied).
    static func decodeStored(_ source: ImageSource, name: String, limits: DecodeLimits) throws -> RGBAImage {
        do { return try ImageDecoder.decode(source, limits: limits) } catch { throw wrap(error, name: name) }
    }

    /// Decodes a mask for preview, composite and diff, refused as `mask check` refuses it (same codes,
    /// `not-png` and `no-alpha`) when it is not a PNG with alpha: without alpha every pixel would count as kept.
    /// The message carries the repair command line, made against `referenceName`.
    public static func decodeMask(
        _ source: ImageSource,
        name: String,
        referenceName: String,
        limits: DecodeLimits = .default
    ) throws -> RGBAImage {
        let info = try probe(source, name: name, limits: limits)
        let repair =
            "make a mask from it with `assetpipe mask make --reference \(MaskRepair.shellQuote(referenceName)) "
            + "--from \(MaskRepair.shellQuote(name)) --edit white|black -o MASK.png` (white or black = the part "
            + "to repaint); `assetpipe mask check` says more"
        guard info.format == .png else {
            throw MaskToolsError(
                .notPNG,
                "\(name): problem not-png: it is a \(info.format.rawValue.uppercased()) image; a mask is a PNG "
                    + "with alpha; \(repair)"
            )
        }
        guard info.hasAlpha else {
            throw MaskToolsError(
                .noAlpha,
                "\(name): problem no-alpha: the mask has no alpha channel, so nothing in it marks an area to edit "
                    + "(alpha 0 = editable, 255 = kept); \(repair)"
            )
        }
        return try decodeShown(source, name: name, limits: limits)
    }

    static func encodePNG(_ image: RGBAImage, name: String) throws -> [UInt8] {
        do { return try ImageEncoder.png(image) } catch { throw wrap(error, name: name) }
    }

    /// The format a path's extension asks for: .jpg/.jpeg → JPEG, .png → PNG; nil for anything else.
    public static func outputFormat(forPath path: String) -> ImageFormat? {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": .png
        case "jpg", "jpeg": .jpeg
        default: nil
        }
    }

    /// Encodes for `path`'s extension (JPEG at quality 95, 4:4:4, ICC kept; PNG otherwise).
    public static func encode(_ image: RGBAImage, forPath path: String) throws -> [UInt8] {
        do {
            if outputFormat(forPath: path) == .jpeg {
                var options = JPEGEncodeOptions()
                options.quality = 95
                options.subsampling = .s444
                options.iccProfile = image.iccProfile
                return try ImageEncoder.jpeg(image, options: options)
            }
            var options = PNGEncodeOptions()
            options.iccProfile = image.iccProfile
            return try ImageEncoder.png(image, options: options)
        } catch let e where e.code == .needsBackground {
            throw MaskToolsError(
                .needsBackground,
                "\(path): the picture has transparent pixels and JPEG has no alpha: write a .png, or pad with a colour (--pad-color)",
                cause: e
            )
        } catch {
            throw wrap(error, name: path)
        }
    }

    /// Writes atomically (temp file in the same directory, fsync, rename).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        do { try AtomicFile.write(bytes, to: path) } catch {
            throw MaskToolsError(.io, "\(path): cannot write the file: \(error.message)", cause: error)
        }
    }

    /// Encodes for the path's extension and writes atomically.
    public static func write(_ image: RGBAImage, to path: String) throws {
        try write(try encode(image, forPath: path), to: path)
    }

    /// The whole file or buffer.
    static func bytes(of source: ImageSource, name: String) throws -> [UInt8] {
        switch source {
        case .bytes(let b): return b
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MaskToolsError(.io, "\(name): cannot read the file \(path)")
            }
            return [UInt8](data)
        }
    }
}
