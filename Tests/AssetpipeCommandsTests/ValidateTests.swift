import ArgumentParser
import Testing

@testable import AssetpipeCommands

/// Every `validate()` rule, in process: a valid combination parses, an invalid one is a usage error (exit 2) with
/// exactly this message. No file is read: checks that need the disk happen in `run()`.
@Suite struct ValidateTests {
    /// (`inspect`, `convert` and `mask ratio` also check for an empty FILE list in `validate()`, but ArgumentParser
    /// refuses a missing required argument first, so those messages are never seen.)
    ///
    /// The message ArgumentParser prints for a parse of `arguments` (without the usage lines), or nil when it parses.
    static func failure(_ arguments: [String]) -> (message: String, code: Int32)? {
        do {
            _ = try AssetPipeCommand.parseAsRoot(arguments)
            return nil
        } catch {
            return (AssetPipeCommand.message(for: error), Status.code(for: error))
        }
    }

    @Test(arguments: [
        ["build"],
        ["build", "assets", "--jobs", "1", "--max-images", "0", "--deadline", "0.5", "--dry-run"],
        ["build", "--jobs", "64", "--check", "--base-url", "http://127.0.0.1:1"],
        ["build", "--simulator", "--json", "--yes"],
        ["inspect", "a.png", "--transparency", "--early-exit", "--max-pixels", "1", "--max-side", "1"],
        ["convert", "a.png", "b.jpg", "--out", "web", "--quality", "1", "--level", "0", "--width", "1"],
        [
            "convert", "a.png", "--out", "web", "--quality", "100", "--level", "9", "--flatten", "#fff", "--scale",
            "0.5",
        ],
        ["mask", "check", "m.png", "--reference", "r.png", "--reference", "s.png"],
        ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,10%,10%", "--preview", "p.jpg"],
        [
            "mask", "make", "--reference", "r.png", "-o", "m.png", "--from", "s.png", "--edit", "white",
            "--threshold", "50%", "--fit", "pad", "--feather", "4",
        ],
        ["mask", "preview", "--reference", "r.png", "--mask", "m.png", "-o", "p.jpeg"],
        ["mask", "fit", "--reference", "r.png", "--mode", "pad", "--pad-color", "#000", "-o", "f.png"],
        [
            "mask", "fit", "--reference", "r.png", "--mask", "m.png", "--mask-out", "n.png", "--mode", "crop",
            "-o", "f.jpg",
        ],
        ["mask", "ratio", "a.png"],
        [
            "mask", "diff", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "--tolerance", "255",
            "--max-changed", "5%",
        ],
        ["mask", "composite", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "-o", "c.png"],
        ["mask", "upright", "--reference", "r.jpg", "m.png", "-o", "u.png", "--max-side", "9", "--max-pixels", "81"],
        ["mask", "check", "m.png", "--reference", "r.png", "--max-side", "1", "--max-pixels", "1"],
        ["generate", "--prompt", "p", "--out", "o", "--size", "auto", "--image", "r.png", "--mask", "m.png"],
        ["generate", "--prompt", "p", "--out", "o", "--simulator", "--size", "3:2", "--deadline", "1"],
        ["simulator", "--port", "65535", "--task-seconds", "0", "--key", "k", "--balance", "0", "--fail-rate", "1"],
        ["prune", "--dry-run"],
        ["clean", "--all"],
        ["gallery", "-o", "review", "--thumbnail-size", "32"],
        ["rollback", "icons/bottle"],
        ["build", "--only", "icons/*", "--only", "hero", "--regenerate", "hero", "--dry-run"],
        ["pick", "hero", "2", "--manifest", "assets"],
        ["pick", "hero", "--none"],
    ])
    func validCombinationsParse(_ arguments: [String]) {
        let result = Self.failure(arguments)
        #expect(result == nil, "\(arguments): \(result?.message ?? "")")
    }

    @Test(arguments: [
        (["build", "--jobs", "0"], "--jobs must be 1–64"),
        (["pick", "hero"], "give the candidate K to pick, or --none"),
        (["pick", "hero", "2", "--none"], "give a candidate K or --none, not both"),
        (["pick", "hero", "0"], "candidates count from 1"),
        (["build", "--jobs", "65"], "--jobs must be 1–64"),
        (["build", "--max-images=-1"], "--max-images must be 0 or more"),
        (["build", "--deadline", "0"], "--deadline must be a positive number of seconds"),
        (["build", "--dry-run", "--check"], "--dry-run and --check cannot be used together"),
        (["build", "--simulator", "--base-url", "http://x"], "--simulator and --base-url cannot be used together"),
        (["inspect"], "Missing expected argument '<files> ...'"),
        (["inspect", "a.png", "--early-exit"], "--early-exit needs --transparency."),
        (["inspect", "a.png", "--max-pixels", "0"], "--max-pixels must be at least 1."),
        (["inspect", "a.png", "--max-side", "0"], "--max-side must be at least 1."),
        (["convert", "--out", "web"], "Missing expected argument '<files> ...'"),
        (["convert", "a.png", "--out", "web", "--quality", "0"], "--quality must be 1–100."),
        (["convert", "a.png", "--out", "web", "--level", "10"], "--level must be 0–9."),
        (
            ["convert", "a.png", "--out", "web", "--width", "3", "--scale", "2"],
            "Give at most one of --width, --height, --scale."
        ),
        (["convert", "a.png", "--out", "web", "--width", "0"], "--width must be at least 1."),
        (["convert", "a.png", "--out", "web", "--height", "0"], "--height must be at least 1."),
        (["convert", "a.png", "--out", "web", "--scale", "0"], "--scale must be greater than 0."),
        (
            ["convert", "a.png", "--out", "web", "--flatten", "white"],
            "--flatten 'white' is not a colour; use #rrggbb or #rgb, e.g. '#ffffff'."
        ),
        (
            ["convert", "a/x.png", "b/x.png", "--out", "/tmp/web"],
            "a/x.png and b/x.png would both be written to /tmp/web/x.png; convert them separately."
        ),
        (
            ["convert", "web/x.png", "--out", "web"],
            "web/x.png would be overwritten by its own output; choose another --out."
        ),
        (["convert", "a.png", "--out", "web", "--max-side", "0"], "--max-side must be at least 1."),
        (["mask", "check", "m.png"], "give the reference the mask is for: --reference REF"),
        (["mask", "check", "m.png", "--reference", "r.png", "--max-pixels", "0"], "--max-pixels must be at least 1."),
        (
            ["mask", "make", "--reference", "r.png", "-o", "r.png", "--rect", "0,0,1,1"],
            "-o r.png is --reference r.png, a file this command reads: write the output to another path"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1,1", "--preview", "./m.png"],
            "--preview ./m.png is -o m.png: give each output its own path"
        ),
        (
            ["mask", "upright", "--reference", "r.jpg", "m.png", "-o", "m.png"],
            "-o m.png is mask m.png, a file this command reads: write the output to another path"
        ),
        (
            ["mask", "diff", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "--max-side", "0"],
            "--max-side must be at least 1."
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.jpg", "--rect", "0,0,1,1"],
            "output m.jpg: the name must end in .png"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1,1", "--preview", "p.gif"],
            "preview p.gif: the name must end in .png or .jpg or .jpeg"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--from", "s.png"],
            "--from needs --edit black|white|transparent: say which part of s.png marks the area the model may "
                + "repaint (black = dark pixels, white = light pixels, transparent = transparent pixels). There is no "
                + "default: the wrong polarity repaints exactly what you meant to keep."
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1,1", "--edit", "white"],
            "--edit only goes with --from IMAGE"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1,1", "--threshold", "3"],
            "--threshold only goes with --from IMAGE"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1,1", "--fit", "pad"],
            "--fit only goes with --from IMAGE"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png"],
            "nothing marks the area to edit: give --from IMAGE --edit black|white|transparent, "
                + "or shapes --rect x,y,w,h / --ellipse cx,cy,rx,ry / --polygon x1,y1,x2,y2,..."
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1"],
            "--rect '0,0,1': expected x,y,width,height (4 numbers), got 3"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,0,1"],
            "--rect '0,0,0,1': width and height must be greater than 0"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--from", "s.png", "--edit", "grey"],
            "--edit 'grey': choose black, white or transparent"
        ),
        (
            [
                "mask", "make", "--reference", "r.png", "-o", "m.png", "--from", "s.png", "--edit", "white",
                "--fit", "wide",
            ],
            "--fit 'wide': choose stretch, pad or crop"
        ),
        (
            [
                "mask", "make", "--reference", "r.png", "-o", "m.png", "--from", "s.png", "--edit", "white",
                "--threshold", "300",
            ],
            "--threshold '300': must be 0...255 or 0%...100%"
        ),
        (
            ["mask", "make", "--reference", "r.png", "-o", "m.png", "--rect", "0,0,1,1", "--grow", "x"],
            "'x' is not a number: write pixels (120, 12.5) or a percentage (25%)"
        ),
        (
            ["mask", "preview", "--reference", "r.png", "--mask", "m.png", "-o", "p.gif"],
            "output p.gif: the name must end in .png or .jpg or .jpeg"
        ),
        (
            ["mask", "fit", "--reference", "r.png", "--mode", "wide", "-o", "f.png"],
            "--mode 'wide': choose crop or pad"
        ),
        (
            ["mask", "fit", "--reference", "r.png", "--mode", "pad", "--pad-color", "black", "-o", "f.png"],
            "--pad-color 'black': write #rrggbb or #rgb"
        ),
        (
            ["mask", "fit", "--reference", "r.png", "--mode", "crop", "--pad-color", "#000", "-o", "f.png"],
            "--pad-color only goes with --mode pad"
        ),
        (
            ["mask", "fit", "--reference", "r.png", "--mode", "crop", "-o", "f.gif"],
            "output f.gif: the name must end in .png or .jpg or .jpeg"
        ),
        (
            ["mask", "fit", "--reference", "r.png", "--mode", "crop", "--mask", "m.png", "-o", "f.png"],
            "--mask needs --mask-out OUT_MASK.png"
        ),
        (
            [
                "mask", "fit", "--reference", "r.png", "--mode", "crop", "--mask", "m.png", "--mask-out", "n.jpg",
                "-o", "f.png",
            ],
            "--mask-out n.jpg: the name must end in .png"
        ),
        (
            ["mask", "fit", "--reference", "r.png", "--mode", "crop", "--mask-out", "n.png", "-o", "f.png"],
            "--mask-out only goes with --mask"
        ),
        (["mask", "ratio"], "Missing expected argument '<files> ...'"),
        (
            ["mask", "diff", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "--tolerance", "256"],
            "--tolerance 256: must be 0...255"
        ),
        (
            ["mask", "diff", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "--max-changed", "2"],
            "--max-changed '2': must be 0...1 or 0%...100%"
        ),
        (
            ["mask", "diff", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "--max-changed", "x"],
            "'x' is not a number: write pixels (120, 12.5) or a percentage (25%)"
        ),
        (
            ["mask", "composite", "--reference", "r.png", "--mask", "m.png", "--result", "x.png", "-o", "c.gif"],
            "output c.gif: the name must end in .png or .jpg or .jpeg"
        ),
        (
            ["generate", "--prompt", "p", "--out", "o", "--simulator", "--base-url", "http://x"],
            "--simulator and --base-url cannot be used together"
        ),
        (
            ["generate", "--prompt", "p", "--out", "o", "--deadline", "0"],
            "--deadline must be a positive number of seconds"
        ),
        (
            ["generate", "--prompt", "p", "--out", "o", "--size", "16:9"],
            "--size must be 1:1, 2:3, 3:2 or auto (got '16:9')"
        ),
        (
            ["generate", "--prompt", "p", "--out", "o", "--mask", "m.png"],
            "--mask needs at least one --image (the mask edits the first reference)"
        ),
        (["simulator", "--port", "65536"], "--port must be in 0...65535."),
        (["simulator", "--task-seconds=-1"], "--task-seconds must be ≥ 0."),
        (["simulator", "--slow-seconds=-1"], "--slow-seconds must be ≥ 0."),
        (["simulator", "--key", " "], "--key must not be empty."),
        (["simulator", "--balance=-1"], "--balance must be ≥ 0."),
        (["simulator", "--fail-rate", "2"], "Fault settings: task failure rate 2.0 is outside 0...1."),
        (
            ["simulator", "--rate-limit-rate", "0.6", "--drop-rate", "0.6"],
            "Fault settings: 429, 500, 502, 408, 503, 504 and drop rates add up to 1.2, more than 1."
        ),
        (["simulator", "--retry-after=-1"], "Fault settings: retry-after -1 is negative."),
        (["gallery", "--thumbnail-size", "31"], "--thumbnail-size must be 32–1024"),
        (["gallery", "--thumbnail-size", "1025"], "--thumbnail-size must be 32–1024"),
        (["gallery", "-o", ""], "-o needs a folder"),
        (["rollback"], "name at least one asset to roll back"),
    ])
    func invalidCombinationsAreUsageErrors(_ arguments: [String], _ message: String) {
        let result = Self.failure(arguments)
        #expect(result?.message == message, "\(arguments)")
        #expect(result?.code == Status.usage.rawValue, "\(arguments)")
    }

    @Test func generateReportsEveryContractViolation() {
        let result = Self.failure([
            "generate", "--prompt", "p", "--out", "o", "--model", "dall-e-9", "--compression", "101",
        ])
        #expect(
            result?.message == """
                model: unknown model 'dall-e-9'; use gpt-image-1-official or gpt-image-1.5-official
                output_compression: 101 is outside 0–100
                """
        )
        #expect(result?.code == Status.usage.rawValue)
    }
}
