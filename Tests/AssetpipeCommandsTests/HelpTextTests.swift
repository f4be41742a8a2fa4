import ArgumentParser
import Testing

@testable import AssetpipeCommands

/// The exact help text of the root command and every subcommand, at a fixed width, in process.
@Suite struct HelpTextTests {
    static let columns = 100

    static var commands: [(String, any ParsableCommand.Type)] {
        [
            ("assetpipe", AssetPipeCommand.self),
            ("build", AssetPipeCommand.Build.self),
            ("inspect", AssetPipeCommand.Inspect.self),
            ("convert", AssetPipeCommand.Convert.self),
            ("mask", AssetPipeCommand.Mask.self),
            ("mask check", AssetPipeCommand.Mask.Check.self),
            ("mask make", AssetPipeCommand.Mask.Make.self),
            ("mask preview", AssetPipeCommand.Mask.Preview.self),
            ("mask fit", AssetPipeCommand.Mask.Fit.self),
            ("mask upright", AssetPipeCommand.Mask.Upright.self),
            ("mask ratio", AssetPipeCommand.Mask.Ratio.self),
            ("mask diff", AssetPipeCommand.Mask.Diff.self),
            ("mask composite", AssetPipeCommand.Mask.Composite.self),
            ("generate", AssetPipeCommand.Generate.self),
            ("simulator", AssetPipeCommand.Simulator.self),
            ("prune", AssetPipeCommand.Prune.self),
            ("clean", AssetPipeCommand.Clean.self),
            ("gallery", AssetPipeCommand.Gallery.self),
            ("rollback", AssetPipeCommand.Rollback.self),
            ("pick", AssetPipeCommand.Pick.self),
            ("review", AssetPipeCommand.Review.self),
            ("approve", AssetPipeCommand.Approve.self),
            ("lock", AssetPipeCommand.Lock.self),
            ("lock merge", AssetPipeCommand.Lock.Merge.self),
            ("lock check", AssetPipeCommand.Lock.Check.self),
        ]
    }

    static func help(_ command: any ParsableCommand.Type) -> String {
        AssetPipeCommand.helpMessage(for: command, columns: columns)
    }

    @Test func assetpipe() {
        #expect(
            Self.help(AssetPipeCommand.self) == #"""
                OVERVIEW: Turn a manifest of image assets into finished files through the APIMart GPT-Image API.

                Exit codes: 0 success; 1 a job, asset or check failed; 2 usage, manifest, configuration or local
                validation error; 3 account error (401, 402, 403).

                USAGE: assetpipe <subcommand>

                OPTIONS:
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  build                   Build the asset tree a manifest describes: only what changed, resumable,
                                          never paying twice.
                  inspect                 Show format, size, orientation and alpha facts of image files.
                  convert                 Convert images to PNG, JPEG, WebP or AVIF, optionally resized or
                                          flattened.
                  mask                    Check, make, preview and fit inpainting masks; compare and composite edit
                                          results.
                  generate                Run one generation or edit job and download its images.
                  simulator               Run a local simulator of the APIMart image API.
                  prune                   Remove files assetpipe wrote that the manifest no longer produces; never
                                          any other file.
                  clean                   Empty the state folder's caches (.assetpipe/raw, uploads); --all removes
                                          the journal too.
                  gallery                 Write a static review page of the asset tree: every asset, what changed,
                                          what it cost.
                  rollback                Put back an asset's previous outputs and lock entry after a rejected
                                          refresh.
                  pick                    Make one candidate of an asset with n > 1 its output, or go back to every
                                          candidate.
                  review                  Serve the gallery live on 127.0.0.1 with buttons: regenerate, pick, roll
                                          back, approve.
                  approve                 Record that a person looked at assets as they are now and accepts them.
                  lock                    Merge lock files as git's merge driver; check a lock file against the
                                          manifest and the tree.

                  See 'assetpipe help <subcommand>' for detailed help.
                """#
        )
    }

    @Test func build() {
        #expect(
            Self.help(AssetPipeCommand.Build.self) == #"""
                OVERVIEW: Build the asset tree a manifest describes: only what changed, resumable, never paying
                twice.

                MANIFEST defaults to assetpipe.yaml in the current folder; a folder means <folder>/assetpipe.yaml.
                The key comes from APIMART_API_KEY (the base URL from APIMART_BASE_URL or --base-url); --simulator
                builds against a local simulator instead, with no key.
                --only NAME builds just the assets it names (a name or a glob: '*' does not cross '/'; quote it),
                leaving every other asset as it is; --regenerate NAME makes a new take of an asset although nothing
                changed (billed; with --only, it must name assets inside the subset).
                Targets never overwrite a file assetpipe did not write (the asset fails, exit 1) unless --adopt.
                Exit codes: 0 all assets ready; 1 some asset failed (or --check: out of date); 2 usage, manifest or
                configuration error (a missing key included; a damaged lock file, which --rebuild-lock rebuilds at
                no cost; an --only or --regenerate pattern that matches no asset); 3 stopped by an account error
                (401, 402, 403) or a balance below the priced cost.

                USAGE: assetpipe build [<options>] [<manifest>]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)

                OPTIONS:
                  --simulator             Build against an in-process simulator of the API (no key needed).
                  --base-url <base-url>   The API's base URL (default: APIMART_BASE_URL or https://api.apimart.ai).
                  --jobs <jobs>           Assets at the API at once (upload to download; post-processing does not
                                          hold a place), 1–64. (default: 4)
                  --dry-run               Print the plan, the images to bill and the cost; build nothing.
                  --check                 Exit 0 when everything is up to date, 1 otherwise; build nothing.
                  --max-images <max-images>
                                          Refuse a build that would bill more images than this.
                  --max-cost <max-cost>   Refuse a build whose cost at the manifest's prices (balance unit) is more
                                          than this.
                  --rebuild-lock          Rebuild a damaged assetpipe.lock from the journal, raw results and
                                          outputs (no cost), then build.
                  --yes                   Do not ask before a large build.
                  --json                  Print one machine-readable report on stdout.
                  --deadline <deadline>   Seconds a job may wait for its task.
                  --only <name>           Build only this asset (a name or a quoted glob; '*' does not cross '/').
                                          Repeatable.
                  --regenerate <name>     Generate this asset anew (a new take, billed) although nothing changed.
                                          Repeatable.
                  --require-store         Stop (exit 2) before any submit when the result store (store: or
                                          ASSETPIPE_STORE) cannot be used.
                  --adopt                 Let targets overwrite files assetpipe did not write (they are taken over).
                  --require-approved      With --check: also exit 1 while an asset changed since its approval
                                          (assetpipe approve).
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func inspect() {
        #expect(
            Self.help(AssetPipeCommand.Inspect.self) == #"""
                OVERVIEW: Show format, size, orientation and alpha facts of image files.

                Reads headers only (unless --transparency). Formats are sniffed from the bytes, never the name.
                Exit 1 when any file could not be read.

                USAGE: assetpipe inspect [--json] [--transparency] [--early-exit] [--max-pixels <max-pixels>] \#
                [--max-side <max-side>] <files> ...

                ARGUMENTS:
                  <files>                 Image files (PNG, JPEG, WebP, AVIF; GIF is recognised).

                OPTIONS:
                  --json                  Print a JSON array, one object per file.
                  --transparency          Also scan the alpha channel: opaque, transparent/translucent fractions,
                                          bounds.
                  --early-exit            With --transparency, stop at the first non-opaque pixel (only 'opaque' is
                                          then final).
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func convert() {
        #expect(
            Self.help(AssetPipeCommand.Convert.self) == #"""
                OVERVIEW: Convert images to PNG, JPEG, WebP or AVIF, optionally resized or flattened.

                Writes DIR/<name>.<png|jpg|webp|avif> for each FILE, atomically. Reads PNG, JPEG, WebP and AVIF.
                EXIF orientation (AVIF: irot/imir) is applied and ICC profiles are kept. Transparent images need
                --flatten to become JPEG; WebP and AVIF keep alpha. No metadata is added unless --provenance names
                the model that made the image. Exit 1 when any file failed.

                USAGE: assetpipe convert [<options>] <files> ... --out <dir>

                ARGUMENTS:
                  <files>                 Image files to convert.

                OPTIONS:
                  --out <dir>             Output directory (created if missing).
                  --format <format>       Output format: png, jpeg, webp or avif (default: the input's own format).
                                          (values: png, jpeg, jpg, webp, avif)
                  --quality <quality>     Quality: JPEG 1–100 (default 90), WebP 0–100 (80), AVIF 0–100 (60).
                  --lossless              WebP: lossless (--quality is then the effort).
                  --method <method>       WebP method 0–6 (slower, smaller). (default: 4)
                  --speed <speed>         AVIF speed 0–10 (slowest, smallest to fastest). (default: 6)
                  --level <level>         PNG zlib level, 0–9. (default: 6)
                  --flatten <color>       Composite transparent pixels onto this colour ('#ffffff').
                  --width <width>         Resize to this width, keeping the aspect ratio.
                  --height <height>       Resize to this height, keeping the aspect ratio.
                  --scale <scale>         Resize by this factor (e.g. 0.5).
                  --provenance <model>    Mark the outputs as AI-generated by this model (XMP; none without).
                  --json                  Print a JSON array, one object per file.
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func mask() {
        #expect(
            Self.help(AssetPipeCommand.Mask.self) == #"""
                OVERVIEW: Check, make, preview and fit inpainting masks; compare and composite edit results.

                A mask is a PNG with an alpha channel, the same width and height as the first reference image as
                shown (after its EXIF orientation). Alpha 0 marks where the model may paint; alpha 255 what it
                should keep.

                Exit codes (every mask subcommand): 0 success; 1 refused, failed check or missing file; 2 usage
                error (an output path that is one of the inputs included: nothing is written).

                USAGE: assetpipe mask <subcommand>

                OPTIONS:
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  check                   Check that a mask will be accepted for a reference, before anything is
                                          uploaded.
                  make                    Make a mask of the reference's size: editable where the sources mark it.
                  preview                 Draw the reference with the mask's editable area tinted magenta and
                                          outlined.
                  fit                     Bring a reference (and its mask, aligned) to the nearest supported ratio
                                          by crop or pad.
                  upright                 Turn a mask drawn on an EXIF-rotated reference as stored the way the
                                          reference is shown.
                  ratio                   Print the nearest supported ratio (1:1, 2:3, 3:2) of each image and its
                                          output size.
                  diff                    Measure how much of the area the mask keeps changed in an edit result.
                  composite               Put the reference's own pixels back in the area the mask keeps.

                  See 'assetpipe help mask <subcommand>' for detailed help.
                """#
        )
    }

    @Test func maskCheck() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Check.self) == #"""
                OVERVIEW: Check that a mask will be accepted for a reference, before anything is uploaded.

                Problems (the mask is refused): not-png, unreadable, no-alpha, size-mismatch (against the first
                reference's size as shown, after EXIF rotation), mask-fully-opaque (alpha 255 everywhere: nothing
                may be edited). Warnings (accepted): mask-nothing-editable, mask-fully-transparent,
                reference-rotated. The output says how to fix what is wrong: a black-and-white drawing in the
                colour channels is made into a mask with mask make --from --edit white|black; a mask drawn on an
                EXIF-rotated reference as stored is turned with mask upright. --json prints one object: valid,
                problems, warnings, editableFraction, editableBounds, mask, reference.

                Exit codes: 0 valid (warnings allowed); 1 refused, or a file missing; 2 usage error.

                USAGE: assetpipe mask check <mask> [--reference <reference> ...] [--json] [--max-pixels <max-pixels>] [--max-side <max-side>]

                ARGUMENTS:
                  <mask>                  The mask PNG to check.

                OPTIONS:
                  --reference <reference> A reference image; the mask must match the first one. Repeatable.
                  --json                  Print the report as one JSON object.
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskMake() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Make.self) == #"""
                OVERVIEW: Make a mask of the reference's size: editable where the sources mark it.

                The output is an RGBA PNG of exactly the reference's shown size: RGB black, alpha 0 where the model
                may paint, 255 elsewhere (a feathered edge in between). Sources are combined (union): --from IMAGE
                with --edit saying which part of it marks the area to edit, and shapes. Numbers are pixels or
                percent (x-like of the width, y-like of the height; grow/shrink/feather of the shorter side).
                Applied in order: sources, --invert, --grow, --shrink, --feather.

                Examples:
                  assetpipe mask make --reference photo.jpg --rect 10%,20%,30%,40% -o mask.png
                  assetpipe mask make --reference photo.jpg --from sketch.png --edit white --feather 8 -o mask.png

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, write error); 2 usage
                error (no source, --from without --edit, --from of another size without --fit, bad numbers, an
                output that is an input).

                USAGE: assetpipe mask make [<options>] --reference <reference> --output <output>

                OPTIONS:
                  --reference <reference> The reference image; the mask gets its size as shown.
                  -o, --output <output>   The mask PNG to write.
                  --from <from>           An image whose pixels mark the area to edit (needs --edit).
                  --edit <edit>           Which part of --from marks the area to edit: black, white or transparent.
                  --threshold <threshold> Threshold 0...255 or percent (default 128): black = luma below, white =
                                          luma at or above, transparent = alpha below.
                  --fit <fit>             How to bring a --from of another size to the reference's: stretch, pad or
                                          crop.
                  --rect <rect>           Rectangle x,y,w,h (pixels or %). Repeatable.
                  --ellipse <ellipse>     Ellipse cx,cy,rx,ry (pixels or %). Repeatable.
                  --polygon <polygon>     Polygon x1,y1,x2,y2,x3,y3,... (pixels or %). Repeatable.
                  --invert                Swap editable and kept.
                  --grow <grow>           Grow the editable area by N pixels (or %).
                  --shrink <shrink>       Shrink the editable area by N pixels (or %).
                  --feather <feather>     Soft edge N pixels (or %) wide, centred on the edge.
                  --preview <preview>     Also write the reference with the editable area tinted and outlined.
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskPreview() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Preview.self) == #"""
                OVERVIEW: Draw the reference with the mask's editable area tinted magenta and outlined.

                The mask must have the reference's size as shown, and alpha (refused as mask check refuses it:
                not-png, no-alpha). The output is PNG, or JPEG when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask without alpha, size
                mismatch, write error); 2 usage error (the output is an input included).

                USAGE: assetpipe mask preview --reference <reference> --mask <mask> --output <output> [--max-pixels <max-pixels>] [--max-side <max-side>]

                OPTIONS:
                  --reference <reference> The reference image (the picture before the edit).
                  --mask <mask>           The mask PNG (alpha 0 = editable, 255 = kept).
                  -o, --output <output>   The image to write (.png or .jpg).
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskFit() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Fit.self) == #"""
                OVERVIEW: Bring a reference (and its mask, aligned) to the nearest supported ratio by crop or pad.

                The nearest of 1:1, 2:3, 3:2 by |log(w/h) − log(r)|. crop cuts centred; pad adds a centred border,
                transparent or --pad-color on the reference. The mask gets the same transform; its padded area is
                editable (alpha 0): new canvas for the model to fill. The reference is written as PNG, or JPEG
                (quality 95) when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask of another size,
                transparent padding to JPEG, write error); 2 usage error (an output that is an input included).

                USAGE: assetpipe mask fit --reference <reference> [--mask <mask>] --mode <mode> [--pad-color <pad-color>] --output <output> [--mask-out <mask-out>] [--json] [--max-pixels <max-pixels>] [--max-side <max-side>]

                OPTIONS:
                  --reference <reference> The reference image.
                  --mask <mask>           Its mask (must have the reference's size as shown).
                  --mode <mode>           crop or pad.
                  --pad-color <pad-color> Padding colour on the reference (#rrggbb); transparent when left out.
                  -o, --output <output>   The fitted reference to write (.png or .jpg).
                  --mask-out <mask-out>   The fitted mask to write (.png); required with --mask.
                  --json                  Print the transform as JSON.
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskUpright() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Upright.self) == #"""
                OVERVIEW: Turn a mask drawn on an EXIF-rotated reference as stored the way the reference is shown.

                A photo with an EXIF orientation is stored sideways and shown turned; a mask must match it as
                shown. A mask drawn on the stored pixels (it has the stored size) is turned by the reference's
                orientation, pixel for pixel, alpha and colour kept, and written as PNG. mask check offers this
                command when a mask has the reference's stored size.

                Example:
                  assetpipe mask upright --reference photo.jpg mask.png -o mask-upright.png

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, a reference without EXIF
                orientation, a mask not of the reference's stored size, write error); 2 usage error (the output is
                an input included).

                USAGE: assetpipe mask upright <mask> --reference <reference> --output <output> [--max-pixels <max-pixels>] [--max-side <max-side>]

                ARGUMENTS:
                  <mask>                  The mask drawn on the reference as stored.

                OPTIONS:
                  --reference <reference> The EXIF-rotated reference the mask was drawn on.
                  -o, --output <output>   The turned mask to write (.png).
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskRatio() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Ratio.self) == #"""
                OVERVIEW: Print the nearest supported ratio (1:1, 2:3, 3:2) of each image and its output size.

                Nearest by |log(w/h) − log(r)|, using the size as shown (after EXIF rotation).

                Exit codes: 0 all read; 1 some file could not be read; 2 usage error.

                USAGE: assetpipe mask ratio <files> ... [--json] [--max-pixels <max-pixels>] [--max-side <max-side>]

                ARGUMENTS:
                  <files>                 Images.

                OPTIONS:
                  --json                  Print a JSON array.
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskDiff() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Diff.self) == #"""
                OVERVIEW: Measure how much of the area the mask keeps changed in an edit result.

                The result is scaled to the reference's size (Lanczos3) when it differs. A kept pixel (mask alpha
                255) counts as changed when some channel differs by more than --tolerance (default 8). Reports
                keptChangedFraction and the bounding box of the changes. A mask without alpha is refused as mask
                check refuses it (not-png, no-alpha).

                Exit codes: 0 measured (and within --max-changed when given); 1 keptChangedFraction above
                --max-changed, or an input missing, unreadable, of the wrong size or a mask without alpha; 2 usage
                error.

                USAGE: assetpipe mask diff --reference <reference> --mask <mask> --result <result> [--tolerance <tolerance>] [--max-changed <max-changed>] [--json] [--max-pixels <max-pixels>] [--max-side <max-side>]

                OPTIONS:
                  --reference <reference> The reference image (the picture before the edit).
                  --mask <mask>           The mask PNG (alpha 0 = editable, 255 = kept).
                  --result <result>       The edit result.
                  --tolerance <tolerance> Largest channel difference (0...255) that still counts as unchanged.
                                          (default: 8)
                  --max-changed <max-changed>
                                          Fail (exit 1) when more than this fraction (0...1, or %) of kept pixels
                                          changed.
                  --json                  Print the report as JSON.
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func maskComposite() {
        #expect(
            Self.help(AssetPipeCommand.Mask.Composite.self) == #"""
                OVERVIEW: Put the reference's own pixels back in the area the mask keeps.

                Kept area (mask alpha 255): the reference's pixels, bit for bit. Editable area (alpha 0): the
                result's, scaled to the reference's size when it differs. Soft edge: blended by alpha. A mask
                without alpha is refused as mask check refuses it (not-png, no-alpha). The output is PNG, or JPEG
                (quality 95) when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask without alpha or of
                another size, write error); 2 usage error (the output is an input included).

                USAGE: assetpipe mask composite --reference <reference> --mask <mask> --result <result> --output <output> [--max-pixels <max-pixels>] [--max-side <max-side>]

                OPTIONS:
                  --reference <reference> The reference image (the picture before the edit).
                  --mask <mask>           The mask PNG (alpha 0 = editable, 255 = kept).
                  --result <result>       The edit result.
                  -o, --output <output>   The image to write (.png or .jpg).
                  --max-pixels <max-pixels>
                                          Refuse images with more pixels than this. (default: 268402689)
                  --max-side <max-side>   Refuse images wider or taller than this. (default: 32768)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func generate() {
        #expect(
            Self.help(AssetPipeCommand.Generate.self) == #"""
                OVERVIEW: Run one generation or edit job and download its images.

                Local files are checked first (references probed, the mask checked against the first reference),
                uploaded once each, submitted, polled, and the results written into --out as <task_id>-<i>.<ext>.
                The key comes from APIMART_API_KEY; --simulator runs against a local simulator instead. Exit codes:
                0 done; 1 the job failed (task failed, deadline, outcome unknown); 2 usage or local validation; 3
                account error (401, 402, 403).

                USAGE: assetpipe generate [<options>] --prompt <prompt> --out <out>

                OPTIONS:
                  --prompt <prompt>       What to draw, or what to change in the references.
                  --model <model>         gpt-image-1-official or gpt-image-1.5-official. (default:
                                          gpt-image-1-official)
                  --size <size>           1:1, 2:3, 3:2, or auto (the nearest ratio of the first reference).
                  --n <n>                 Images to make, 1–4 (other values are clamped, with a warning).
                  --quality <quality>     Quality tier: auto, low, medium or high.
                  --background <background>
                                          auto, opaque or transparent (transparent needs png).
                  --moderation <moderation>
                                          auto or low.
                  --format <format>       Result format: png or jpeg.
                  --compression <compression>
                                          Output compression 0–100 (for jpeg).
                  --image <image>         A reference image: a local file or an http(s) URL. Repeat for more.
                  --mask <mask>           An inpainting mask (PNG with alpha, the first reference's size;
                                          transparent = editable).
                  --out <out>             The folder to write the results into.
                  --json                  Print the task id, files and their facts as JSON.
                  --base-url <base-url>   The API's base URL (default: $APIMART_BASE_URL or https://api.apimart.ai).
                  --deadline <deadline>   Give up waiting for the task after this many seconds (default 600).
                  --simulator             Run against an in-process simulator (no key needed, nothing billed).
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func simulator() {
        #expect(
            Self.help(AssetPipeCommand.Simulator.self) == #"""
                OVERVIEW: Run a local simulator of the APIMart image API.

                Prints its base URL (for example http://127.0.0.1:54321) as the first line on stdout, then serves
                until SIGINT or SIGTERM. Point assetpipe at it with APIMART_BASE_URL. Binds loopback by default.
                Faults are drawn from --seed, so the same seed and requests give the same faults.

                USAGE: assetpipe simulator <options>

                OPTIONS:
                  --host <host>           Address to bind. (default: 127.0.0.1)
                  --port <port>           Port to bind; 0 picks a free one. (default: 0)
                  --key <key>             Accept only this API key (default: any non-empty bearer token).
                  --task-seconds <task-seconds>
                                          Seconds a task takes from submission to completion. (default: 2.0)
                  --seed <seed>           Seed of the fault injection. (default: 0)
                  --fail-rate <fail-rate> Probability that a task ends failed. (default: 0.0)
                  --rate-limit-rate <rate-limit-rate>
                                          Probability of a 429 answer. (default: 0.0)
                  --retry-after <retry-after>
                                          Retry-After seconds sent with a 429. (default: 1)
                  --error500-rate <error500-rate>
                                          Probability of a 500 answer. (default: 0.0)
                  --error502-rate <error502-rate>
                                          Probability of a 502 answer. (default: 0.0)
                  --drop-rate <drop-rate> Probability of closing the connection without an answer. (default: 0.0)
                  --slow-rate <slow-rate> Probability of a slow answer. (default: 0.0)
                  --slow-seconds <slow-seconds>
                                          Seconds a slow answer is delayed. (default: 1.0)
                  --balance <balance>     Account balance in images; submissions beyond it get 402 (default:
                                          unlimited).
                  --forbid-model <forbid-model>
                                          A model this account may not use (403); repeatable.
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func prune() {
        #expect(
            Self.help(AssetPipeCommand.Prune.self) == #"""
                OVERVIEW: Remove files assetpipe wrote that the manifest no longer produces; never any other file.

                Only files recorded in assetpipe.lock are candidates, and only while their bytes are still what
                assetpipe wrote. Each removed file is kept in .assetpipe/history/ first: assetpipe rollback NAME
                puts it back (clean --history removes the history). Exit codes: 0 done; 2 usage or manifest error.

                USAGE: assetpipe prune [<manifest>] [--dry-run] [--json]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)

                OPTIONS:
                  --dry-run               List what would be removed; remove nothing.
                  --json                  Print the result as JSON.
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func clean() {
        #expect(
            Self.help(AssetPipeCommand.Clean.self) == #"""
                OVERVIEW: Empty the state folder's caches (.assetpipe/raw, uploads); --all removes the journal too.

                Without the raw results, an output change needs a new (billed) generation. --all also forgets
                submitted tasks (a build then cannot resume them) and the spend history, which it prints first.
                --history removes the states kept for rollback instead (of every asset, or of the NAMEs given:
                clean --history icons/bottle).
                Exit codes: 0 done; 1 a NAME has no history; 2 usage or manifest error.

                USAGE: assetpipe clean [<manifest>] [<names> ...] [--all] [--history] [--json]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)
                  <names>                 With --history: the assets whose history to remove (default: every
                                          asset's).

                OPTIONS:
                  --all                   Remove the journal too.
                  --history               Remove the history kept for rollback (.assetpipe/history), nothing else.
                  --json                  Print the result as JSON.
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func gallery() {
        #expect(
            Self.help(AssetPipeCommand.Gallery.self) == #"""
                OVERVIEW: Write a static review page of the asset tree: every asset, what changed, what it cost.

                MANIFEST defaults to assetpipe.yaml in the current folder; a folder means <folder>/assetpipe.yaml.
                Writes index.html and small thumbnails to DIR (default: .assetpipe/gallery beside the manifest,
                inside the state folder, so it is never committed) and prints the path of index.html. The page is
                self-contained (no network): open it from disk or from a CI artifact. Run it after `assetpipe
                build`: statuses come from the last build's report, previous outputs from the state folder's
                history.
                Exit codes: 0 written; 1 the page could not be written; 2 usage or manifest error.

                USAGE: assetpipe gallery [<manifest>] [--output <output>] [--open-changed] [--thumbnail-size \#
                <thumbnail-size>]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)

                OPTIONS:
                  -o, --output <output>   The folder to write index.html and thumbs/ to.
                  --open-changed          Open the page with only changed or failed assets shown (and, on a desktop
                                          terminal, in the browser).
                  --thumbnail-size <thumbnail-size>
                                          The longest side of a thumbnail, in pixels. (default: 256)
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func rollback() {
        #expect(
            Self.help(AssetPipeCommand.Rollback.self) == #"""
                OVERVIEW: Put back an asset's previous outputs and lock entry after a rejected refresh.

                MANIFEST (optional, first) is the manifest or a folder holding assetpipe.yaml, as for build;
                without it, assetpipe.yaml in the current folder.
                Before a build regenerates, re-processes or drops an output of an asset (a changed format, a
                removed output or asset), and before prune removes a file, the asset's state is kept in
                .assetpipe/history/ (the last 5 per asset; the manifest's history: {keep: N} changes it). rollback
                writes the newest one back (atomically) and updates assetpipe.lock; the rejected state is kept in
                turn, so a second rollback undoes the first. Revert the manifest change too, or the next build
                makes the asset again.
                Exit codes: 0 rolled back; 1 an asset has no previous state (nothing is changed) or a file could
                not be restored; 2 usage error, or a build of the manifest is running.

                USAGE: assetpipe rollback [<manifest>] [<names> ...]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml (default: assetpipe.yaml
                                          here).
                  <names>                 The asset names to roll back (as in the manifest, e.g. icons/bottle).

                OPTIONS:
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func pick() {
        #expect(
            Self.help(AssetPipeCommand.Pick.self) == #"""
                OVERVIEW: Make one candidate of an asset with n > 1 its output, or go back to every candidate.

                pick NAME K writes candidate K (counting from 1, as the -1, -2 file names do) under the asset's
                plain name (hero.png and its variants) and takes the other candidates' files out of the tree; their
                raw results stay in .assetpipe/raw, so another candidate can be picked later. pick NAME --none
                writes every candidate again. No API call, nothing billed; the previous files are kept in history
                (assetpipe rollback NAME undoes a pick) and the pick is recorded in assetpipe.lock, so build
                --check agrees. A manifest's pick: on the asset wins over the lock file's.
                Exit codes: 0 picked (or already so); 1 the asset is not built, changed since it was built, or its
                raw results are missing (run assetpipe build); 2 usage error (an unknown asset, n = 1, K outside
                1…n, a manifest pick: that says otherwise), or a build of the manifest is running.

                USAGE: assetpipe pick [--manifest <manifest>] <name> [<candidate>] [--none]

                ARGUMENTS:
                  <name>                  The asset (as in the manifest, e.g. icons/bottle).
                  <candidate>             The candidate to write under the plain name, 1…n.

                OPTIONS:
                  --manifest <manifest>   The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)
                  --none                  Pick no candidate: write every candidate again.
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func lock() {
        #expect(
            Self.help(AssetPipeCommand.Lock.self) == #"""
                OVERVIEW: Merge lock files as git's merge driver; check a lock file against the manifest and the
                tree.

                USAGE: assetpipe lock <subcommand>

                OPTIONS:
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  merge                   Merge two lock files with their common base (git's merge driver); write
                                          the result to OURS.
                  check                   Say whether assetpipe.lock agrees with the manifest and the files in the
                                          tree.

                  See 'assetpipe help lock <subcommand>' for detailed help.
                """#
        )
    }

    @Test func lockMerge() {
        #expect(
            Self.help(AssetPipeCommand.Lock.Merge.self) == #"""
                OVERVIEW: Merge two lock files with their common base (git's merge driver); write the result to
                OURS.

                Set up once per clone: `git config merge.assetpipe.driver "assetpipe lock merge %O %A %B"`, and
                commit `assetpipe.lock merge=assetpipe` in .gitattributes. An asset changed on one side only
                merges; one changed on both sides is a conflict that names it, and the merged lock keeps ours for
                it. Exit codes: 0 merged; 1 a conflict (OURS holds the merge, valid JSON); 2 a lock file that
                cannot be read.

                USAGE: assetpipe lock merge <base> <ours> <theirs>

                ARGUMENTS:
                  <base>                  The common ancestor's lock file (git's %O).
                  <ours>                  Our lock file (git's %A); the merged lock file is written here.
                  <theirs>                Their lock file (git's %B).

                OPTIONS:
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func lockCheck() {
        #expect(
            Self.help(AssetPipeCommand.Lock.Check.self) == #"""
                OVERVIEW: Say whether assetpipe.lock agrees with the manifest and the files in the tree.

                Reads only the manifest, the lock file and the outputs: no journal, no network, nothing written.
                Exit codes: 0 it agrees; 1 it does not (or it is missing); 2 a manifest error or a damaged lock
                file.

                USAGE: assetpipe lock check [<manifest>] [--json]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)

                OPTIONS:
                  --json                  Print the result as JSON.
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func review() {
        #expect(
            Self.help(AssetPipeCommand.Review.self) == #"""
                OVERVIEW: Serve the gallery live on 127.0.0.1 with buttons: regenerate, pick, roll back, approve.

                MANIFEST defaults to assetpipe.yaml in the current folder; a folder means <folder>/assetpipe.yaml.
                The first line on stdout is the page's URL, http://127.0.0.1:PORT/?token=T, with a new secret token
                T each run; every request needs it, and one from another Host or Origin is refused. The server
                holds the manifest's build lock while it runs (a build of it is refused until it stops); stop it
                with Ctrl-C or SIGTERM. Regenerations obey --max-images, --max-cost and the balance check as a
                build does.
                Exit codes: 0 stopped; 1 the server failed; 2 usage or manifest error, or a build of the manifest
                is running.

                USAGE: assetpipe review [<manifest>] [--port <port>] [--simulator] [--base-url <base-url>] [--max-images <max-images>] [--max-cost <max-cost>]

                ARGUMENTS:
                  <manifest>              The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)

                OPTIONS:
                  --port <port>           The port on 127.0.0.1 (0: any free port). (default: 0)
                  --simulator             Regenerate against an in-process simulator of the API (no key needed).
                  --base-url <base-url>   The API's base URL (default: APIMART_BASE_URL or https://api.apimart.ai).
                  --max-images <max-images>
                                          Refuse a regeneration that would bill more images than this.
                  --max-cost <max-cost>   Refuse a regeneration whose cost at the manifest's prices (balance unit)
                                          is more than this.
                  -h, --help              Show help information.

                """#
        )
    }

    @Test func approve() {
        #expect(
            Self.help(AssetPipeCommand.Approve.self) == #"""
                OVERVIEW: Record that a person looked at assets as they are now and accepts them.

                Records in assetpipe.lock who approved (ASSETPIPE_REVIEWER, else USER), when, and the asset's key
                and take. An approval holds until the asset is built again from other inputs or regenerated;
                `assetpipe build --check --require-approved` fails while an asset is not approved as it is now. The
                review page's approve button does the same.
                Exit codes: 0 approved; 1 an asset is not built yet (the names before it are approved); 2 usage or
                manifest error, an unknown asset, or a build of the manifest is running.

                USAGE: assetpipe approve [--manifest <manifest>] [<names> ...]

                ARGUMENTS:
                  <names>                 The asset names to approve (as in the manifest, e.g. icons/bottle).

                OPTIONS:
                  --manifest <manifest>   The manifest, or a folder holding assetpipe.yaml. (default:
                                          assetpipe.yaml)
                  -h, --help              Show help information.

                """#
        )
    }
}
