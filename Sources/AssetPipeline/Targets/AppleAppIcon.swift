import Foundation
import ImageCodec

/// `apple-appicon: {catalog, flatten}`: `<catalog>/AppIcon.appiconset/` in Xcode's single-size form. The
/// 1024×1024 icon is cover-fitted and flattened onto `flatten` (white by default), so it has no alpha channel
/// (the App Store refuses one); a result with transparency also gives the dark appearance (transparent
/// background) and the tinted one (the dark one in greyscale).
enum AppleAppIcon {
    static let size = 1024

    static func make(
        source: TargetSource,
        catalog: String,
        flatten: RGBColor?
    ) throws -> (files: [TargetFile], warning: String?) {
        let folder = PathTools.join(catalog, "AppIcon.appiconset")
        let fitted = OutputFitting.fit(source.image, width: size, height: size, fit: .cover)
        let light = PostProcessing.flatten(fitted, over: flatten ?? .white)
        var files = [try TargetFile(path: PathTools.join(folder, "AppIcon.png"), png: light, xmp: source.xmp)]
        func entry(_ file: String, _ appearance: String?) -> [String: Any] {
            var e: [String: Any] = ["filename": file, "idiom": "universal", "platform": "ios", "size": "1024x1024"]
            if let appearance { e["appearances"] = [["appearance": "luminosity", "value": appearance]] }
            return e
        }
        var images = [entry("AppIcon.png", nil)]
        var warning: String?
        if fitted.isOpaque {
            warning =
                "the app icon's result is opaque: no dark or tinted appearance was made (generate it with "
                + "background: transparent to have them)"
        } else {
            files.append(try TargetFile(path: PathTools.join(folder, "AppIcon-dark.png"), png: fitted, xmp: source.xmp))
            files.append(
                try TargetFile(
                    path: PathTools.join(folder, "AppIcon-tinted.png"),
                    png: TargetImages.greyscale(fitted),
                    xmp: source.xmp
                )
            )
            images += [entry("AppIcon-dark.png", "dark"), entry("AppIcon-tinted.png", "tinted")]
        }
        let contents: [String: Any] = [
            "images": images, "info": ["author": "assetpipe", "version": 1] as [String: Any],
        ]
        files.append(TargetFile(path: PathTools.join(folder, "Contents.json"), text: try TargetJSON.text(contents)))
        return (files, warning)
    }
}
