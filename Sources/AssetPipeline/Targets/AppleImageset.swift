import Foundation
import ImageCodec

/// `apple-imageset: {catalog, points}`: `<catalog>/<name>.imageset/` with PNGs `points`, 2× and 3× pixels wide
/// and the `Contents.json` Xcode reads.
enum AppleImageset {
    static func make(source: TargetSource, catalog: String, points: Int) throws -> [TargetFile] {
        let last = TargetNaming.lastPart(source.asset.name)
        let folder = PathTools.join(catalog, last + ".imageset")
        var files: [TargetFile] = []
        var images: [[String: Any]] = []
        for scale in 1...3 {
            let name = scale == 1 ? "\(last).png" : "\(last)@\(scale)x.png"
            let image = TargetImages.width(source.image, points * scale)
            files.append(try TargetFile(path: PathTools.join(folder, name), png: image, xmp: source.xmp))
            images.append(["filename": name, "idiom": "universal", "scale": "\(scale)x"])
        }
        let contents: [String: Any] = [
            "images": images, "info": ["author": "assetpipe", "version": 1] as [String: Any],
        ]
        files.append(TargetFile(path: PathTools.join(folder, "Contents.json"), text: try TargetJSON.text(contents)))
        return files
    }
}
