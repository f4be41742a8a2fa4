import Foundation
import ImageCodec

/// `android-mipmap: {res, dp, adaptive: {background}}`: `<res>/mipmap-<density>/<name>.png` at `dp` × 1, 1.5,
/// 2, 3 and 4 pixels (cover-fitted square). With `adaptive`, per density also the 108 dp foreground layer (the
/// result's visible content fitted to the 66 dp safe zone, centred on transparency) and the monochrome layer
/// (Android 13 themed icons: white with the foreground's alpha), `mipmap-anydpi-v26/<name>.xml` and the
/// background colour in `values/<name>_background.xml`.
enum AndroidMipmap {
    static let layerDP = 108.0
    static let safeZoneDP = 66.0

    static func make(source: TargetSource, res: String, dp: Int, background: RGBColor?) throws -> [TargetFile] {
        let name = TargetNaming.androidResourceName(source.asset.name)
        var files: [TargetFile] = []
        let content = TargetImages.contentBounds(source.image).map { TargetImages.crop(source.image, $0) }
        for density in TargetNaming.densities {
            let folder = PathTools.join(res, density.folder)
            let side = max(1, Int((Double(dp) * density.scale).rounded()))
            let icon = OutputFitting.fit(source.image, width: side, height: side, fit: .cover)
            files.append(try TargetFile(path: PathTools.join(folder, "\(name).png"), png: icon, xmp: source.xmp))
            guard background != nil else { continue }
            let layer = max(1, Int((layerDP * density.scale).rounded()))
            let safe = max(1, Int((safeZoneDP * density.scale).rounded()))
            var foreground = RGBAImage(width: layer, height: layer)
            if let content {
                let size = contained(content, in: safe)
                let cut = Resampler.resize(content, width: size.width, height: size.height)
                foreground = OutputFitting.place(
                    cut,
                    width: layer,
                    height: layer,
                    x: (layer - cut.width) / 2,
                    y: (layer - cut.height) / 2,
                    fill: RGBA8(r: 0, g: 0, b: 0, a: 0)
                )
            }
            var monochrome = foreground
            monochrome.pixels.withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < p.count {
                    p[i] = 255
                    p[i + 1] = 255
                    p[i + 2] = 255
                    i += 4
                }
            }
            let xmp = source.xmp
            files.append(
                try TargetFile(path: PathTools.join(folder, "\(name)_foreground.png"), png: foreground, xmp: xmp)
            )
            files.append(
                try TargetFile(path: PathTools.join(folder, "\(name)_monochrome.png"), png: monochrome, xmp: xmp)
            )
        }
        if let background {
            let xml = """
                <?xml version="1.0" encoding="utf-8"?>
                <adaptive-icon xmlns:android="http://schemas.android.com/apk/res/android">
                    <background android:drawable="@color/\(name)_background"/>
                    <foreground android:drawable="@mipmap/\(name)_foreground"/>
                    <monochrome android:drawable="@mipmap/\(name)_monochrome"/>
                </adaptive-icon>

                """
            files.append(TargetFile(path: PathTools.join(res, "mipmap-anydpi-v26/\(name).xml"), text: xml))
            let colour = """
                <?xml version="1.0" encoding="utf-8"?>
                <resources>
                    <color name="\(name)_background">\(background.description.uppercased())</color>
                </resources>

                """
            files.append(TargetFile(path: PathTools.join(res, "values/\(name)_background.xml"), text: colour))
        }
        return files
    }

    /// The size of the content scaled to fit a `side` square, aspect kept.
    static func contained(_ content: RGBAImage, in side: Int) -> (width: Int, height: Int) {
        let s = min(Double(side) / Double(content.width), Double(side) / Double(content.height))
        let w = min(side, max(1, Int((Double(content.width) * s).rounded())))
        let h = min(side, max(1, Int((Double(content.height) * s).rounded())))
        return (w, h)
    }
}
