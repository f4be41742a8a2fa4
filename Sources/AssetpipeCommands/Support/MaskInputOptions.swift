import ArgumentParser
import Foundation
import ImageCodec
import MaskTools

/// `--reference` and `--mask`, as `mask preview`, `composite` and `diff` take them.
struct MaskPairOptions: ParsableArguments {
    @Option(help: "The reference image (the picture before the edit).")
    var reference: String

    @Option(help: "The mask PNG (alpha 0 = editable, 255 = kept).")
    var mask: String

    /// Exit 1, no usage banner, when a named file is missing.
    func requireFiles() throws {
        try MaskCommandSupport.requireFile(reference, "reference")
        try MaskCommandSupport.requireFile(mask, "mask")
    }

    var paths: [(flag: String, path: String)] { [("--reference", reference), ("--mask", mask)] }

    func editFiles(_ limits: DecodeLimitOptions) -> MaskEditFiles {
        MaskEditFiles(reference: reference, mask: mask, limits: limits.limits)
    }
}

/// `--reference`, `--mask` and `--result`, as `mask composite` and `diff` take them.
struct EditResultOptions: ParsableArguments {
    @OptionGroup var pair: MaskPairOptions

    @Option(help: "The edit result.")
    var result: String

    var reference: String { pair.reference }
    var mask: String { pair.mask }

    func requireFiles() throws {
        try pair.requireFiles()
        try MaskCommandSupport.requireFile(result, "result")
    }

    var paths: [(flag: String, path: String)] { pair.paths + [("--result", result)] }
}

/// The files a mask command reads, by flag, so an output can be compared with them.
protocol MaskCommandInputs: ParsableArguments {
    var paths: [(flag: String, path: String)] { get }
    func requireFiles() throws
}

extension MaskPairOptions: MaskCommandInputs {}
extension EditResultOptions: MaskCommandInputs {}

/// What `mask preview` and `composite` share: their inputs, `-o/--output` (a .png or .jpg that is none of the
/// inputs: checked in `validate()`), and the decode limits.
struct ImageWritingOptions<Inputs: MaskCommandInputs>: ParsableArguments {
    @OptionGroup var inputs: Inputs

    @Option(name: [.customShort("o"), .customLong("output")], help: "The image to write (.png or .jpg).")
    var output: String

    @OptionGroup var decodeLimits: DecodeLimitOptions

    /// Usage errors (exit 2): another extension, or the path of an input.
    func validate() throws {
        try MaskCommandSupport.requireExtension(output, "output", ["png", "jpg", "jpeg"])
        try OutputPaths.requireDistinct(outputs: [("-o", output)], inputs: inputs.paths)
    }

    /// Checks that the inputs exist (exit 1), makes the image, writes it for the extension (atomically) and
    /// prints `wrote OUTPUT: WxH` and `what`.
    func write(_ what: String, _ make: () throws -> RGBAImage) throws {
        try MaskCommandSupport.run {
            try inputs.requireFiles()
            let image = try make()
            try MaskIO.write(image, to: output)
            Console.out("wrote \(output): \(image.width)×\(image.height)\(what)")
        }
    }
}

/// The one check that a command never writes over a file it reads, nor two outputs over each other: paths are
/// compared absolute with symlinks resolved (an output that does not exist yet by its folder), and existing
/// files also by device and inode, so a hard link counts too.
enum OutputPaths {
    /// A usage error (exit 2, nothing written) naming both flags when an output is an input or another output.
    static func requireDistinct(
        outputs: [(flag: String, path: String)],
        inputs: [(flag: String, path: String)]
    ) throws {
        for (i, output) in outputs.enumerated() {
            if let input = inputs.first(where: { same(output.path, $0.path) }) {
                throw ValidationError(
                    "\(output.flag) \(output.path) is \(input.flag) \(input.path), a file this command reads: "
                        + "write the output to another path"
                )
            }
            if let earlier = outputs.prefix(i).first(where: { same(output.path, $0.path) }) {
                throw ValidationError(
                    "\(output.flag) \(output.path) is \(earlier.flag) \(earlier.path): give each output its own path"
                )
            }
        }
    }

    /// True when both paths name the same file (or would, once written).
    static func same(_ a: String, _ b: String) -> Bool {
        if resolved(a) == resolved(b) { return true }
        var sa = stat()
        var sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// The absolute path with symlinks resolved; for a path that does not exist, its folder's resolved path
    /// and its name.
    static func resolved(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let real = realPath(absolute) { return real }
        let ns = absolute as NSString
        let folder = realPath(ns.deletingLastPathComponent) ?? ns.deletingLastPathComponent
        return (folder as NSString).appendingPathComponent(ns.lastPathComponent)
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
