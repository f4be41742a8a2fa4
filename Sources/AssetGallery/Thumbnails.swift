import AssetPipeline
import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec
import MaskTools

/// A small image written under the gallery's `thumbs/` folder.
public struct Thumbnail: Sendable, Equatable {
    /// Relative to the gallery folder (`thumbs/<hash>.png`).
    public var path: String
    public var width: Int
    public var height: Int
}

/// What a thumbnail is made from.
enum ThumbnailSource: Sendable, Hashable {
    /// An image file, shown upright.
    case file(String)
    /// A reference with its mask's editable area tinted (MaskTools' MaskPreview).
    case maskPreview(reference: String, mask: String)
}

/// Makes thumbnails with the project's codecs (decode → Lanczos resample → PNG, or JPEG when opaque), named by
/// the digest of their source bytes, so an unchanged file is not decoded again on the next run.
struct Thumbnailer: Sendable {
    let galleryDirectory: String
    let maxSize: Int
    static let folder = "thumbs"
    /// File names the gallery owns in `thumbs/` (and may remove when unused): 32 hex digits, `.png` or `.jpg`.
    static func isOwnedName(_ name: String) -> Bool {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[1] == "png" || parts[1] == "jpg", parts[0].count == 32 else { return false }
        return parts[0].allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Makes every thumbnail (or learns why it cannot be made), `ProcessInfo.activeProcessorCount` at once.
    func make(_ sources: [ThumbnailSource]) -> [ThumbnailSource: Result<Thumbnail, GalleryError>] {
        var seen = Set<ThumbnailSource>()
        let unique = sources.filter { seen.insert($0).inserted }
        let made = LockedBox<[ThumbnailSource: Result<Thumbnail, GalleryError>]>([:])
        DispatchQueue.concurrentPerform(iterations: unique.count) { i in
            let source = unique[i]
            let result: Result<Thumbnail, GalleryError>
            do { result = .success(try self.thumbnail(source)) } catch let e as GalleryError {
                result = .failure(e)
            } catch {
                result = .failure(GalleryError(.thumbnail, "\(source): \(error)", cause: error))
            }
            made.withLockedValue { $0[source] = result }
        }
        return made.withLockedValue { $0 }
    }

    /// Removes thumbnails the gallery made earlier and the page no longer uses (only files named as it names them).
    func removeUnused(keeping used: Set<String>) {
        let keep = Set(used.map { ($0 as NSString).lastPathComponent })
        let dir = PathTools.join(galleryDirectory, Self.folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where Self.isOwnedName(name) && !keep.contains(name) {
            try? FileManager.default.removeItem(atPath: PathTools.join(dir, name))
        }
    }

    func thumbnail(_ source: ThumbnailSource) throws -> Thumbnail {
        let material: [UInt8]
        switch source {
        case .file(let path):
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw GalleryError(.thumbnail, "\(path): cannot read the file")
            }
            material = Array("file/\(maxSize)/".utf8) + Array(Digest.sha256(bytes).utf8)
            return try cachedOrMade(material) {
                try ImageDecoder.decode(.bytes(Array(bytes)), applyOrientation: true)
            } name: {
                path
            }
        case .maskPreview(let reference, let mask):
            guard let r = FileManager.default.contents(atPath: reference) else {
                throw GalleryError(.thumbnail, "\(reference): cannot read the reference")
            }
            guard let m = FileManager.default.contents(atPath: mask) else {
                throw GalleryError(.thumbnail, "\(mask): cannot read the mask")
            }
            material = Array("mask/\(maxSize)/".utf8) + Array(Digest.sha256(r).utf8) + Array(Digest.sha256(m).utf8)
            return try cachedOrMade(material) {
                try MaskPreview.render(
                    reference: .bytes(Array(r)),
                    referenceName: reference,
                    mask: .bytes(Array(m)),
                    maskName: mask
                )
            } name: {
                mask
            }
        }
    }

    private func cachedOrMade(
        _ material: [UInt8],
        decode: () throws -> RGBAImage,
        name: () -> String
    ) throws
        -> Thumbnail
    {
        let stem = String(Digest.sha256(material).prefix(32))
        let dir = PathTools.join(galleryDirectory, Self.folder)
        for ext in ["png", "jpg"] {
            let path = PathTools.join(dir, "\(stem).\(ext)")
            if FileManager.default.fileExists(atPath: path), let info = try? ImageProbe.probe(.file(path)) {
                return Thumbnail(path: "\(Self.folder)/\(stem).\(ext)", width: info.width, height: info.height)
            }
        }
        do {
            var image = try decode()
            let longest = max(image.width, image.height)
            if longest > maxSize {
                let scale = Double(maxSize) / Double(longest)
                let w = max(1, Int((Double(image.width) * scale).rounded()))
                let h = max(1, Int((Double(image.height) * scale).rounded()))
                image = Resampler.resize(image, width: w, height: h)
            }
            image.iccProfile = nil
            let opaque = TransparencyAnalyzer.analyze(image).opaque
            let bytes =
                opaque
                ? try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 82))
                : try ImageEncoder.png(image, options: PNGEncodeOptions(level: 9))
            let ext = opaque ? "jpg" : "png"
            try AtomicFile.write(bytes, to: PathTools.join(dir, "\(stem).\(ext)"))
            return Thumbnail(path: "\(Self.folder)/\(stem).\(ext)", width: image.width, height: image.height)
        } catch let e as GalleryError {
            throw e
        } catch {
            throw GalleryError(.thumbnail, "\(name()): no thumbnail: \(Self.describe(error))", cause: error)
        }
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? ImageCodecError { return e.message }
        if let e = error as? MaskToolsError { return e.message }
        return "\(error)"
    }
}
