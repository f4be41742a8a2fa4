import Foundation
import ImageCodec

/// A platform set an asset is shipped as (`targets:` on an asset), written under the manifest's `root:`.
public enum TargetSpec: Sendable, Codable, Hashable {
    /// `apple-imageset: {catalog, points}`: `<catalog>/<name>.imageset/` at 1x, 2x, 3x.
    case appleImageset(catalog: String, points: Int)
    /// `apple-appicon: {catalog, flatten}`: `<catalog>/AppIcon.appiconset/`, Xcode's single-size form.
    case appleAppIcon(catalog: String, flatten: RGBColor?)
    /// `android-mipmap: {res, dp, adaptive: {background}}`: `<res>/mipmap-<density>/<name>.png`.
    case androidMipmap(res: String, dp: Int, adaptiveBackground: RGBColor?)
    /// `web: {widths, formats, sizes, alt, folder}`: `<name>-<w>w.<ext>`, a `<picture>` snippet, a srcset JSON.
    case web(WebTarget)

    /// The manifest key.
    public var kind: String {
        switch self {
        case .appleImageset: "apple-imageset"
        case .appleAppIcon: "apple-appicon"
        case .androidMipmap: "android-mipmap"
        case .web: "web"
        }
    }
}

public struct WebTarget: Sendable, Codable, Hashable {
    /// Relative to the root; nil: the asset's folder in the output folder.
    public var folder: String?
    public var widths: [Int]
    /// Output format names as `outputs:` takes them (`jpeg`, `png`, and the formats the codec adds).
    public var formats: [String]
    public var sizes: String
    public var alt: String
}

/// Names the targets use.
public enum TargetNaming {
    /// The last part of an asset name (`icons/bottle` → `bottle`).
    public static func lastPart(_ name: String) -> String {
        String(name.split(separator: "/").last ?? Substring(name))
    }

    /// An Android resource name (`[a-z0-9_]`, starting with a letter) from the last part of an asset name.
    public static func androidResourceName(_ name: String) -> String {
        var out = ""
        for c in lastPart(name).lowercased().unicodeScalars {
            let ok = ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "_"
            out.unicodeScalars.append(ok ? c : "_")
        }
        if out.first.map({ !("a"..."z").contains($0) }) ?? true { out = "ic_" + out }
        return out
    }

    /// The folder of a `web` target relative to the root: its `folder`, else the asset's folder in the output.
    static func webFolder(_ target: WebTarget, asset: AssetSpec, manifest: Manifest) -> String {
        if let folder = target.folder { return folder }
        let parent = (asset.name as NSString).deletingLastPathComponent
        let output = PathTools.join(manifest.output, parent)
        return PathTools.relative(PathTools.join(manifest.directory, output), to: manifest.rootPath) ?? output
    }

    /// The density folders and their scale against 1 dp.
    static let densities: [(folder: String, scale: Double)] = [
        ("mipmap-mdpi", 1), ("mipmap-hdpi", 1.5), ("mipmap-xhdpi", 2), ("mipmap-xxhdpi", 3), ("mipmap-xxxhdpi", 4),
    ]

    /// Every file a target writes, relative to the root (without knowing the result's transparency: the app
    /// icon's dark and tinted files are listed, as they may be written).
    static func files(of target: TargetSpec, asset: AssetSpec, manifest: Manifest) -> [String] {
        let last = lastPart(asset.name)
        switch target {
        case .appleImageset(let catalog, _):
            let folder = PathTools.join(catalog, last + ".imageset")
            return ["\(last).png", "\(last)@2x.png", "\(last)@3x.png", "Contents.json"].map {
                PathTools.join(folder, $0)
            }
        case .appleAppIcon(let catalog, _):
            let folder = PathTools.join(catalog, "AppIcon.appiconset")
            return ["AppIcon.png", "AppIcon-dark.png", "AppIcon-tinted.png", "Contents.json"].map {
                PathTools.join(folder, $0)
            }
        case .androidMipmap(let res, _, let background):
            let name = androidResourceName(asset.name)
            var files: [String] = []
            for d in densities {
                files.append(PathTools.join(res, "\(d.folder)/\(name).png"))
                if background != nil {
                    files.append(PathTools.join(res, "\(d.folder)/\(name)_foreground.png"))
                    files.append(PathTools.join(res, "\(d.folder)/\(name)_monochrome.png"))
                }
            }
            if background != nil {
                files.append(PathTools.join(res, "mipmap-anydpi-v26/\(name).xml"))
                files.append(PathTools.join(res, "values/\(name)_background.xml"))
            }
            return files
        case .web(let web):
            let folder = webFolder(web, asset: asset, manifest: manifest)
            var files: [String] = []
            for format in web.formats {
                for w in web.widths { files.append(PathTools.join(folder, "\(last)-\(w)w.\(extensionOf(format))")) }
            }
            // The fallback <img> when its format is not among `formats`: a JPEG, or a PNG for a result with alpha.
            let widest = web.widths.max() ?? 0
            if !web.formats.contains("jpeg") {
                files.append(PathTools.join(folder, "\(last)-\(widest)w.jpg"))
                if !web.formats.contains("png") { files.append(PathTools.join(folder, "\(last)-\(widest)w.png")) }
            }
            files.append(PathTools.join(folder, "\(last).picture.html"))
            files.append(PathTools.join(folder, "\(last).srcset.json"))
            return files
        }
    }

    /// A format name's file extension (`jpeg` → `jpg`).
    static func extensionOf(_ format: String) -> String {
        OutputSpec.FileFormat(rawValue: format)?.fileExtension ?? format
    }
}
