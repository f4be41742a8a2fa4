import Foundation
import ImageCodec
import TestSupport
import Testing

/// `assetpipe mask ...` end to end: the real binary as a subprocess (TestSupport's AssetpipeBinary.run), real files made with the codec.
@Suite("mask CLI", .requires(.assetpipeBinary))
struct MaskCLITests {
    let dir: String = try! TemporaryFolder("mask-cli").path

    // MARK: fixtures

    func path(_ name: String) -> String { dir + "/" + name }

    @discardableResult
    func write(_ bytes: [UInt8], _ name: String) -> String {
        #expect(FileManager.default.createFile(atPath: path(name), contents: Data(bytes)), "cannot write \(name)")
        return path(name)
    }

    /// `Fixtures.mask` written as PNG to `name`; returns its path.
    func maskFile(_ name: String, _ w: Int, _ h: Int, editable: PixelRect? = nil) -> String {
        write(Fixtures.png(Fixtures.mask(w, h, editable: editable)), name)
    }

    /// An RGB PNG (no alpha channel): the codec's auto layout writes RGB for an opaque picture.
    func rgbPNG(_ image: RGBAImage) throws -> [UInt8] {
        var o = PNGEncodeOptions()
        o.layout = .auto
        return try ImageEncoder.png(image, options: o)
    }

    func decode(_ p: String) throws -> RGBAImage { try ImageDecoder.decode(.file(p)) }

    // MARK: runner

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    /// Runs the real binary through the shared runner (with its timeout), in the test's temp dir.
    func run(_ args: String...) async throws -> Run { try await run(args) }

    func run(_ args: [String]) async throws -> Run {
        let r = try await AssetpipeBinary.run(args, currentDirectory: dir)
        #expect(!r.timedOut, "assetpipe \(args.joined(separator: " ")) timed out")
        return Run(status: r.exitCode, stdout: r.stdout, stderr: r.stderr)
    }

    /// The first line of `text` holding every one of `needles`, as words, without its `# comment`.
    func commandLine(in text: String, containing needles: String...) throws -> [String] {
        let line = try #require(
            text.split(separator: "\n").first { line in needles.allSatisfy { line.contains($0) } },
            "\(needles) in \(text)"
        )
        return line.split(separator: "#")[0].split(separator: " ").map(String.init)
    }

    // MARK: check

    @Test func checkValidHumanAndJSON() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(64, 48)), "ref.png")
        let m = maskFile("mask.png", 64, 48, editable: PixelRect(x: 4, y: 4, width: 8, height: 8))
        let human = try await run("mask", "check", m, "--reference", ref)
        #expect(human.status == 0, "\(human.stdout)\(human.stderr)")
        #expect(human.stdout.contains("OK"))
        #expect(human.stdout.contains("editable"))

        let json = try await run("mask", "check", m, "--reference", ref, "--json")
        #expect(json.status == 0)
        let object = try #require(json.json)
        #expect(
            Set(object.keys) == [
                "valid", "problems", "warnings", "editableFraction", "editableBounds", "mask", "reference",
            ]
        )
        #expect(object["valid"] as? Bool == true)
        let bounds = try #require(object["editableBounds"] as? [String: Int])
        #expect(bounds == ["x": 4, "y": 4, "width": 8, "height": 8])
        #expect((object["editableFraction"] as? Double) == 64.0 / (64 * 48))
    }

    @Test func checkNoAlphaIsRefusedWithRepairCommand() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(64, 48)), "ref.png")
        let m = write(try rgbPNG(Fixtures.photo(64, 48)), "mask.png")
        let human = try await run("mask", "check", m, "--reference", ref)
        #expect(human.status == 1)
        #expect(human.stdout.contains("no-alpha"))
        #expect(human.stdout.contains("how to fix"))
        #expect(human.stdout.contains("assetpipe mask make --reference \(ref) --from \(m) --edit white"))

        let json = try await run("mask", "check", m, "--reference", ref, "--json")
        #expect(json.status == 1)
        let object = try #require(json.json)
        #expect(object["valid"] as? Bool == false)
        let problems = try #require(object["problems"] as? [[String: String]])
        #expect(problems.map { $0["code"] } == ["no-alpha"])
    }

    @Test func checkSizeMismatchAndNotPNG() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(64, 48)), "ref.png")
        let small = maskFile("small.png", 32, 24, editable: PixelRect(x: 0, y: 0, width: 4, height: 4))
        let r = try await run("mask", "check", small, "--reference", ref)
        #expect(r.status == 1)
        #expect(r.stdout.contains("size-mismatch"))
        #expect(r.stdout.contains("--fit stretch"))

        var o = JPEGEncodeOptions()
        o.quality = 80
        let jpeg = write(try ImageEncoder.jpeg(Fixtures.photo(64, 48), options: o), "renamed.png")
        let j = try await run("mask", "check", jpeg, "--reference", ref, "--json")
        #expect(j.status == 1)
        let problems = try #require(j.json?["problems"] as? [[String: String]])
        #expect(problems.first?["code"] == "not-png")
    }

    /// The command line `mask check` prints under "how to fix" repairs the mask: run it, check again.
    @Test func suggestedRepairCommandsWork() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(64, 48)), "ref.png")
        var blackWhite = RGBAImage(width: 32, height: 24, fill: RGBA8(r: 0, g: 0, b: 0))
        for y in 4..<8 { for x in 4..<8 { blackWhite[x, y] = RGBA8(r: 255, g: 255, b: 255) } }
        let cases: [(String, [UInt8], String, (x: Int, y: Int))] = [
            // no-alpha + size-mismatch: the white square (4..<8, scaled ×2) becomes the editable area
            ("rgb.png", try rgbPNG(blackWhite), "--edit white", (x: 10, y: 10)),
            // size-mismatch: the editable corner (0..<4, scaled ×2) stays editable
            (
                "small.png", Fixtures.png(Fixtures.mask(32, 24, editable: PixelRect(x: 0, y: 0, width: 4, height: 4))),
                "--fit stretch",
                (2, 2)
            ),
        ]
        for (name, bytes, marker, inside) in cases {
            let m = write(bytes, name)
            let refused = try await run("mask", "check", m, "--reference", ref)
            #expect(refused.status == 1)
            var words = try commandLine(in: refused.stdout, containing: "assetpipe mask make", marker)
            #expect(words.removeFirst() == "assetpipe")
            let fixed = try #require(words.last)
            let made = try await AssetpipeBinary.run(words, currentDirectory: dir)
            #expect(made.exitCode == 0, "\(made)")
            let again = try await run("mask", "check", fixed, "--reference", ref)
            #expect(again.status == 0, "\(again.stdout)")
            let fixedMask = try decode(fixed)
            #expect(fixedMask.width == 64 && fixedMask.height == 48)
            #expect(fixedMask[inside.x, inside.y].a == 0, "\(name)")
            #expect(fixedMask[40, 40].a == 255, "\(name)")
        }
    }

    @Test func checkWarningsStillExitZero() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(16, 16)), "ref.png")
        let m = write(Fixtures.png(RGBAImage(width: 16, height: 16)), "clear.png")
        let r = try await run("mask", "check", m, "--reference", ref, "--reference", ref)
        #expect(r.status == 0)
        #expect(r.stdout.contains("mask-fully-transparent"))
        #expect(r.stdout.contains("first reference only"))
    }

    @Test func rotatedReferenceUsesShownSize() async throws {
        let ref = write(Fixtures.withEXIFOrientation(try ImageEncoder.jpeg(Fixtures.photo(40, 20)), 6), "rot.jpg")
        let make = try await run("mask", "make", "--reference", ref, "-o", path("m.png"), "--rect", "0,0,50%,50%")
        #expect(make.status == 0, "\(make.stderr)")
        let m = try decode(path("m.png"))
        #expect(m.width == 20 && m.height == 40)
        let check = try await run("mask", "check", path("m.png"), "--reference", ref, "--json")
        #expect(check.status == 0, "\(check.stdout)")
        let warnings = try #require(check.json?["warnings"] as? [[String: String]])
        #expect(warnings.map { $0["code"] } == ["reference-rotated"])
        let stored = maskFile("stored.png", 40, 20, editable: PixelRect(x: 0, y: 0, width: 2, height: 2))
        let refused = try await run("mask", "check", stored, "--reference", ref)
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("size-mismatch"))
        #expect(refused.stdout.contains("reference-rotated"))
    }

    @Test func checkUsageErrorsExitTwo() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(16, 16)), "ref.png")
        #expect(try await run("mask", "check", ref).status == 2)
        #expect(try await run("mask", "check", "--reference", ref).status == 2)
    }

    /// A file named on the command line that is missing is a failure (1) for every mask command, said in one line
    /// without a usage banner.
    @Test(arguments: [
        (["check", "missing.png", "--reference", "ref.png"], "mask missing.png: no such file"),
        (["check", "ref.png", "--reference", "missing.png"], "reference missing.png: no such file"),
        (
            ["make", "--reference", "missing.png", "-o", "m.png", "--rect", "0,0,1,1"],
            "reference missing.png: no such file"
        ),
        (
            ["make", "--reference", "ref.png", "-o", "m.png", "--from", "missing.png", "--edit", "white"],
            "--from missing.png: no such file"
        ),
        (
            ["preview", "--reference", "ref.png", "--mask", "missing.png", "-o", "p.png"],
            "mask missing.png: no such file"
        ),
        (
            ["fit", "--reference", "missing.png", "--mode", "crop", "-o", "f.png"],
            "reference missing.png: no such file"
        ),
        (
            [
                "fit", "--reference", "ref.png", "--mask", "missing.png", "--mask-out", "n.png", "--mode", "crop",
                "-o", "f.png",
            ],
            "mask missing.png: no such file"
        ),
        (
            ["diff", "--reference", "ref.png", "--mask", "ref.png", "--result", "missing.png"],
            "result missing.png: no such file"
        ),
        (
            ["composite", "--reference", "ref.png", "--mask", "missing.png", "--result", "ref.png", "-o", "c.png"],
            "mask missing.png: no such file"
        ),
    ])
    func missingFileExitsOneWithoutUsage(_ arguments: [String], _ message: String) async throws {
        write(Fixtures.png(Fixtures.photo(16, 16)), "ref.png")
        let r = try await AssetpipeBinary.run(["mask"] + arguments, currentDirectory: dir)
        #expect(r.exitCode == 1, "\(arguments): \(r.stderr)")
        #expect(r.stderr == "error: \(message)\n", "\(arguments)")
        #expect(r.stdout.isEmpty)
    }

    // MARK: make

    @Test func makeShapesWithPreviewPassesCheck() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(80, 60)), "ref.png")
        let shapes = ["--rect", "10,10,20,10", "--ellipse", "75%,50%,10%,20%", "--polygon", "0,50,10,60,0,60"]
        let shaping = ["--grow", "1", "--feather", "2", "--preview", path("p.png")]
        let r = try await run(["mask", "make", "--reference", ref, "-o", path("m.png")] + shapes + shaping)
        #expect(r.status == 0, "\(r.stderr)")
        let m = try decode(path("m.png"))
        #expect(m.width == 80 && m.height == 60)
        #expect(m[15, 15].a == 0)
        #expect(m[60, 5].a == 255)
        #expect(m[15, 15].r == 0 && m[60, 5].r == 0)
        let p = try decode(path("p.png"))
        #expect(p.width == 80 && p.height == 60)
        #expect(p[60, 5] == Fixtures.photo(80, 60)[60, 5])
        let c = try await run("mask", "check", path("m.png"), "--reference", ref)
        #expect(c.status == 0, "\(c.stdout)")
    }

    @Test func makeAcceptsNegativeCoordinates() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(20, 20)), "ref.png")
        let r = try await run("mask", "make", "--reference", ref, "-o", path("neg.png"), "--rect", "-5,-5,8,8")
        #expect(r.status == 0, "\(r.stderr)")
        let m = try decode(path("neg.png"))
        #expect(m[0, 0].a == 0 && m[2, 2].a == 0 && m[3, 3].a == 255)
    }

    @Test func makeUsageErrors() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(40, 30)), "ref.png")
        let src = write(Fixtures.png(Fixtures.photo(20, 20)), "src.png")
        let make = ["mask", "make", "--reference", ref, "-o", path("m.png")]
        let none = try await run(make)
        #expect(none.status == 2)
        #expect(none.stderr.contains("nothing marks the area"))
        let noEdit = try await run(make + ["--from", src])
        #expect(noEdit.status == 2)
        #expect(noEdit.stderr.contains("--edit black|white|transparent"))
        let badEdit = try await run(make + ["--from", src, "--edit", "grey"])
        #expect(badEdit.status == 2)
        let noFit = try await run(make + ["--from", src, "--edit", "black"])
        #expect(noFit.status == 2)
        #expect(noFit.stderr.contains("--fit"))
        #expect(!FileManager.default.fileExists(atPath: path("m.png")))
        let badRect = try await run(make + ["--rect", "1,2,3"])
        #expect(badRect.status == 2)
        let stretched = try await run(make + ["--from", src, "--edit", "black", "--fit", "stretch"])
        #expect(stretched.status == 0, "\(stretched.stderr)")
    }

    @Test(arguments: ["black", "white", "transparent"])
    func makePolarity(edit: String) async throws {
        let ref = write(Fixtures.png(Fixtures.photo(30, 10)), "ref.png")
        // columns 0..<10 black, 10..<20 white, 20..<30 transparent
        var src = RGBAImage(width: 30, height: 10)
        for y in 0..<10 {
            for x in 0..<30 {
                src[x, y] =
                    x < 10
                    ? RGBA8(r: 0, g: 0, b: 0) : x < 20 ? RGBA8(r: 255, g: 255, b: 255) : RGBA8(r: 0, g: 0, b: 0, a: 0)
            }
        }
        let s = write(Fixtures.png(src), "src.png")
        let output = path("m-\(edit).png")
        let r = try await run(["mask", "make", "--reference", ref, "-o", output, "--from", s, "--edit", edit])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try decode(path("m-\(edit).png"))
        let editableColumn = ["black": 5, "white": 15, "transparent": 25][edit]!
        for x in [5, 15, 25] {
            #expect(m[x, 5].a == (x == editableColumn ? 0 : 255), "--edit \(edit), x \(x)")
        }
    }

    // MARK: fit, ratio

    @Test func fitCropKeepsMaskAligned() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(101, 150)), "ref.png")
        let m = maskFile("mask.png", 101, 150, editable: PixelRect(x: 50, y: 0, width: 51, height: 10))
        let fit = ["mask", "fit", "--reference", ref, "--mask", m, "--mode", "crop", "-o", path("ref-fit.png")]
        let r = try await run(fit + ["--mask-out", path("mask-fit.png")])
        #expect(r.status == 0, "\(r.stderr)")
        let fr = try decode(path("ref-fit.png"))
        let fm = try decode(path("mask-fit.png"))
        #expect(fr.width == 100 && fr.height == 150)
        #expect(fm.width == 100 && fm.height == 150)
        #expect(fr[0, 0] == Fixtures.photo(101, 150)[0, 0])
        #expect(fm[50, 0].a == 0 && fm[49, 0].a == 255 && fm[99, 9].a == 0 && fm[99, 10].a == 255)
        #expect(try await run("mask", "check", path("mask-fit.png"), "--reference", path("ref-fit.png")).status == 0)
    }

    @Test func fitPadColourAndTransparency() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(64, 48)), "ref.png")
        let m = write(Fixtures.png(Fixtures.mask(64, 48, editable: nil)), "mask.png")
        let pad = ["mask", "fit", "--reference", ref, "--mask", m, "--mode", "pad", "--pad-color", "#ff0000"]
        let ok = try await run(pad + ["-o", path("out.jpg"), "--mask-out", path("mask-out.png"), "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let plan = try #require(ok.json?["plan"] as? [String: Any])
        #expect(plan["width"] as? Int == 72 && plan["height"] as? Int == 48)
        let fm = try decode(path("mask-out.png"))
        #expect(fm[0, 0].a == 0, "padding is editable")
        #expect(fm[4, 0].a == 255)
        let fr = try ImageDecoder.decode(.file(path("out.jpg")))
        #expect(fr[0, 20].r > 200 && fr[0, 20].g < 60)

        let refused = try await run("mask", "fit", "--reference", ref, "--mode", "pad", "-o", path("clear.jpg"))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--pad-color"))
        #expect(try await run("mask", "fit", "--reference", ref, "--mode", "wide", "-o", path("x.png")).status == 2)
        #expect(
            try await run("mask", "fit", "--reference", ref, "--mask", m, "--mode", "crop", "-o", path("x.png")).status
                == 2
        )
    }

    @Test func ratioCommand() async throws {
        let a = write(Fixtures.png(Fixtures.photo(1225, 10)), "wide.png")
        let b = write(Fixtures.png(Fixtures.photo(100, 150)), "tall.png")
        let r = try await run("mask", "ratio", a, b)
        #expect(r.status == 0)
        #expect(r.stdout.contains("3:2 (1536×1024)"))
        #expect(r.stdout.contains("2:3 (1024×1536); exact"))
    }

    // MARK: diff, composite

    @Test func diffAndComposite() async throws {
        let refImage = Fixtures.photo(40, 30, seed: 1)
        let ref = write(Fixtures.png(refImage), "ref.png")
        let m = maskFile("mask.png", 40, 30, editable: PixelRect(x: 10, y: 10, width: 10, height: 10))
        var resImage = refImage
        for y in 0..<30 { for x in 0..<40 { resImage[x, y].b = resImage[x, y].b &+ 20 } }  // everything drifts
        let res = write(Fixtures.png(resImage), "out.png")
        let inputs = ["--reference", ref, "--mask", m, "--result", res]

        let d = try await run(["mask", "diff"] + inputs + ["--json"])
        #expect(d.status == 0, "\(d.stderr)")
        let object = try #require(d.json)
        #expect(object["keptPixels"] as? Int == 1100)
        #expect(object["keptChangedPixels"] as? Int == 1100)
        #expect(object["keptChangedFraction"] as? Double == 1)
        let bounds = try #require(object["changedBounds"] as? [String: Int])
        #expect(bounds == ["x": 0, "y": 0, "width": 40, "height": 30])
        #expect(try await run(["mask", "diff"] + inputs + ["--max-changed", "0.5"]).status == 1)
        #expect(try await run(["mask", "diff"] + inputs + ["--tolerance", "30"]).status == 0)
        let human = try await run(["mask", "diff"] + inputs)
        #expect(human.stdout.contains("100.00% of kept pixels changed"))

        let c = try await run(["mask", "composite"] + inputs + ["-o", path("final.png")])
        #expect(c.status == 0, "\(c.stderr)")
        let final = try decode(path("final.png"))
        for y in 0..<30 {
            for x in 0..<40 {
                let inside = (10..<20).contains(x) && (10..<20).contains(y)
                #expect(final[x, y] == (inside ? resImage[x, y] : refImage[x, y]))
            }
        }
        let after = try await run(
            ["mask", "diff", "--reference", ref, "--mask", m, "--result", path("final.png"), "--max-changed", "0"]
        )
        #expect(after.status == 0)
        #expect(try await run(["mask", "composite"] + inputs + ["-o", path("x.gif")]).status == 2)
    }

    @Test func previewCommand() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(20, 20)), "ref.png")
        let m = maskFile("mask.png", 20, 20, editable: PixelRect(x: 5, y: 5, width: 10, height: 10))
        let r = try await run("mask", "preview", "--reference", ref, "--mask", m, "-o", path("p.png"))
        #expect(r.status == 0, "\(r.stderr)")
        let p = try decode(path("p.png"))
        #expect(p[5, 5] == RGBA8(r: 255, g: 0, b: 255))
        let wrong = write(Fixtures.png(Fixtures.mask(21, 20, editable: nil)), "wrong.png")
        #expect(try await run("mask", "preview", "--reference", ref, "--mask", wrong, "-o", path("p2.png")).status == 1)
    }

    // MARK: issue 14 item 7

    /// An opaque RGBA picture, black with a white 20×10 rectangle at (10, 10): a sketch in the colour channels.
    func opaqueSketch(_ w: Int = 64, _ h: Int = 48) -> RGBAImage {
        var sketch = RGBAImage(width: w, height: h, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 10..<20 { for x in 10..<30 { sketch[x, y] = RGBA8(r: 255, g: 255, b: 255, a: 255) } }
        return sketch
    }

    /// A fully opaque mask is refused; when its colours hold a black-and-white drawing, both polarities are
    /// offered, the smaller part (white here) first, and the first one makes a mask whose editable area is the
    /// drawing's white part.
    @Test func opaqueSketchIsRefusedWithBothPolarities() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(64, 48)), "ref.png")
        let m = write(Fixtures.png(opaqueSketch()), "sketch.png")
        let r = try await run("mask", "check", m, "--reference", ref)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("problem mask-fully-opaque"))
        #expect(r.stdout.contains("black-and-white drawing"))
        let white = try #require(r.stdout.range(of: "--from \(m) --edit white -o"))
        let black = try #require(r.stdout.range(of: "--from \(m) --edit black -o"))
        #expect(white.lowerBound < black.lowerBound, "the smaller part is offered first")
        #expect(!r.stdout.contains("--rect"), "the repair uses the drawing")

        var words = try commandLine(in: r.stdout, containing: "assetpipe mask make", "--edit white")
        #expect(words.removeFirst() == "assetpipe")
        let made = try await run(words)
        #expect(made.status == 0, "\(made.stderr)")
        let fixed = try decode(try #require(words.last))
        #expect(fixed[15, 12].a == 0 && fixed[5, 5].a == 255 && fixed[40, 30].a == 255)
        #expect(try await run("mask", "check", try #require(words.last), "--reference", ref).status == 0)

        // An opaque mask without a drawing: mark the area.
        let plain = write(Fixtures.png(Fixtures.mask(64, 48)), "opaque.png")
        let p = try await run("mask", "check", plain, "--reference", ref, "--json")
        #expect(p.status == 1)
        let problems = try #require(p.json?["problems"] as? [[String: String]])
        #expect(problems.map { $0["code"] } == ["mask-fully-opaque"])
    }

    /// `preview`, `composite` and `diff` refuse a mask without alpha as `check` does: exit 1, the problem code,
    /// the repair command, nothing written.
    @Test func previewCompositeAndDiffRefuseAMaskWithoutAlpha() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(32, 24)), "ref.png")
        let m = write(try rgbPNG(opaqueSketch(32, 24)), "rgb.png")
        let inputs = ["--reference", ref, "--mask", m]
        let runs = [
            ["mask", "preview"] + inputs + ["-o", path("p.png")],
            ["mask", "composite"] + inputs + ["--result", ref, "-o", path("c.png")],
            ["mask", "diff"] + inputs + ["--result", ref],
        ]
        for args in runs {
            let r = try await run(args)
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("problem no-alpha"), "\(args)")
            #expect(r.stderr.contains("assetpipe mask make --reference \(ref) --from \(m) --edit white|black"))
        }
        #expect(!FileManager.default.fileExists(atPath: path("p.png")))
        #expect(!FileManager.default.fileExists(atPath: path("c.png")))
    }

    /// A command whose output is one of its inputs (by name, by another spelling, through a symlink) is a usage
    /// error: exit 2, the input untouched.
    @Test(arguments: [
        ["mask", "make", "--reference", "p.png", "-o", "p.png", "--rect", "0,0,10,10"],
        ["mask", "make", "--reference", "p.png", "-o", "./sub/../p.png", "--rect", "0,0,10,10"],
        ["mask", "make", "--reference", "p.png", "-o", "link.png", "--rect", "0,0,10,10"],
        [
            "mask", "make", "--reference", "p.png", "-o", "m2.png", "--from", "m.png", "--edit", "black", "--preview",
            "m.png",
        ],
        ["mask", "make", "--reference", "p.png", "-o", "m2.png", "--rect", "0,0,1,1", "--preview", "m2.png"],
        ["mask", "fit", "--reference", "p.png", "--mode", "crop", "-o", "p.png"],
        [
            "mask", "fit", "--reference", "p.png", "--mask", "m.png", "--mode", "crop", "-o", "f.png", "--mask-out",
            "m.png",
        ],
        ["mask", "preview", "--reference", "p.png", "--mask", "m.png", "-o", "m.png"],
        ["mask", "composite", "--reference", "p.png", "--mask", "m.png", "--result", "r.png", "-o", "r.png"],
        ["mask", "upright", "--reference", "p.png", "m.png", "-o", "m.png"],
        ["convert", "p.png", "--out", "."],
    ])
    func anOutputThatIsAnInputIsRefused(_ arguments: [String]) async throws {
        let photo = Fixtures.png(Fixtures.photo(20, 20))
        let mask = Fixtures.png(Fixtures.leftHalfMask(width: 20, height: 20))
        write(photo, "p.png")
        write(mask, "m.png")
        write(photo, "r.png")
        try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: path("link.png"), withDestinationPath: path("p.png"))
        let r = try await run(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stdout)\(r.stderr)")
        #expect(FileManager.default.contents(atPath: path("p.png")) == Data(photo), "\(arguments)")
        #expect(FileManager.default.contents(atPath: path("m.png")) == Data(mask), "\(arguments)")
        #expect(FileManager.default.contents(atPath: path("r.png")) == Data(photo), "\(arguments)")
        #expect(!FileManager.default.fileExists(atPath: path("m2.png")), "\(arguments)")
    }

    /// Every mask command takes `--max-pixels`/`--max-side` as `inspect` does, and the bomb message's advice
    /// ("raise it with --max-side") works.
    @Test func maskCommandsTakeTheDecodeLimits() async throws {
        let ref = write(Fixtures.png(Fixtures.photo(40, 30)), "ref.png")
        let m = write(Fixtures.png(Fixtures.leftHalfMask(width: 40, height: 30)), "mask.png")
        let commands: [[String]] = [
            ["check", m, "--reference", ref],
            ["make", "--reference", ref, "-o", path("made.png"), "--rect", "0,0,5,5"],
            ["preview", "--reference", ref, "--mask", m, "-o", path("p.png")],
            ["fit", "--reference", ref, "--mode", "crop", "-o", path("f.png")],
            ["ratio", ref],
            ["diff", "--reference", ref, "--mask", m, "--result", ref],
            ["composite", "--reference", ref, "--mask", m, "--result", ref, "-o", path("c.png")],
        ]
        for command in commands {
            let small = try await run(["mask"] + command + ["--max-side", "32"])
            #expect(small.status == 1, "\(command): \(small.stdout)\(small.stderr)")
            #expect((small.stdout + small.stderr).contains("raise it with --max-side"), "\(command)")
            let fewer = try await run(["mask"] + command + ["--max-pixels", "1000"])
            #expect(fewer.status == 1, "\(command)")
            #expect((fewer.stdout + fewer.stderr).contains("raise it with --max-pixels"), "\(command)")
            let raised = try await run(["mask"] + command + ["--max-side", "64", "--max-pixels", "4096"])
            #expect(raised.status == 0, "\(command): \(raised.stdout)\(raised.stderr)")
            #expect(try await run(["mask"] + command + ["--max-side", "0"]).status == 2, "\(command)")
        }
        let upright = try await run(["mask", "upright", "--reference", ref, m, "-o", path("u.png"), "--max-side", "8"])
        #expect(upright.status == 1)
        #expect(upright.stderr.contains("raise it with --max-side"))
    }

    /// A mask drawn on an EXIF-rotated reference as stored: `mask check` offers the exact `mask upright` command,
    /// which turns it as the reference is shown, and the result passes.
    @Test func uprightTurnsAMaskDrawnOnTheStoredImage() async throws {
        let ref = write(Fixtures.withEXIFOrientation(try ImageEncoder.jpeg(Fixtures.photo(40, 20)), 6), "rot.jpg")
        let storedMask = Fixtures.mask(40, 20, editable: PixelRect(x: 0, y: 0, width: 4, height: 2))
        let stored = write(Fixtures.png(storedMask), "stored.png")
        let refused = try await run("mask", "check", stored, "--reference", ref)
        #expect(refused.status == 1)
        let expected = "assetpipe mask upright --reference \(ref) \(stored) -o \(path("stored-fixed.png"))"
        let lines = refused.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains(expected), "\(refused.stdout)")
        #expect(!refused.stdout.contains("x,y,w,h"))

        var words = try commandLine(in: refused.stdout, containing: "assetpipe mask upright")
        #expect(words.removeFirst() == "assetpipe")
        let turned = try await run(words)
        #expect(turned.status == 0, "\(turned.stderr)")
        let fixed = try decode(path("stored-fixed.png"))
        #expect(fixed.width == 20 && fixed.height == 40)
        #expect(fixed == Orientation.apply(storedMask, orientation: 6))
        #expect(fixed[19, 0].a == 0 && fixed[0, 0].a == 255, "the stored top-left corner is shown top-right")
        #expect(try await run("mask", "check", path("stored-fixed.png"), "--reference", ref).status == 0)

        // Refusals: a reference without EXIF orientation, a mask of another size.
        let plain = write(Fixtures.png(Fixtures.photo(40, 20)), "plain.png")
        let notRotated = try await run("mask", "upright", "--reference", plain, stored, "-o", path("x.png"))
        #expect(notRotated.status == 1)
        #expect(notRotated.stderr.contains("no EXIF orientation"))
        let other = try await run("mask", "upright", "--reference", ref, path("stored-fixed.png"), "-o", path("y.png"))
        #expect(other.status == 1)
        #expect(other.stderr.contains("stored as 40×20"))
    }

    @Test(arguments: ["check", "make", "preview", "fit", "upright", "ratio", "diff", "composite"])
    func helpDocumentsExitCodes(sub: String) async throws {
        let r = try await run("mask", sub, "--help")
        #expect(r.status == 0)
        let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("Exit codes: 0"))
        #expect(text.contains("2 usage error"))
    }
}
