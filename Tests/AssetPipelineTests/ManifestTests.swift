import AssetPipeline
import Foundation
import TestSupport
import Testing

@Suite struct ManifestTests {
    /// A manifest mistake, the line it must be reported at, the key named, and words of the message.
    struct Mistake: Sendable, CustomStringConvertible {
        var yaml: String
        var line: Int
        var key: String?
        var words: String
        var code: PipelineError.Code = .manifest
        var description: String { words }
    }

    static let mistakes: [Mistake] = [
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    qualty: high\n",
            line: 4,
            key: "assets[0].qualty",
            words: "did you mean 'quality'"
        ),
        Mistake(yaml: "outptu: gen\nassets: []\n", line: 1, key: "outptu", words: "did you mean 'output'"),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    quality: best\n",
            line: 4,
            key: "assets[0].quality",
            words: "'best' is not one of"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    size: 4:3\n",
            line: 4,
            key: "assets[0].size",
            words: "'4:3' is not one of"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    n: \"2\"\n",
            line: 4,
            key: "assets[0].n",
            words: "without quotes"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    n: 7\n",
            line: 4,
            key: "assets[0].n",
            words: "outside 1–4"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    background: transparent\n    format: jpeg\n",
            line: 4,
            key: "assets[0].background",
            words: "cannot be used with"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    model: dall-e\n",
            line: 4,
            key: "assets[0].model",
            words: "'dall-e' is not one of"
        ),
        Mistake(yaml: "assets:\n  - name: a\n", line: 2, key: "assets[0].prompt", words: "has no 'prompt'"),
        Mistake(yaml: "assets:\n  - prompt: x\n", line: 2, key: "assets[0]", words: "has no 'name'"),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    mask: m.png\n",
            line: 4,
            key: "assets[0].mask",
            words: "does not exist"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    references: [missing.jpg]\n",
            line: 4,
            key: "assets[0].references",
            words: "does not exist"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    compression: 50\n",
            line: 4,
            key: "assets[0].compression",
            words: "format: jpeg only"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: gif\n",
            line: 5,
            key: "assets[0].outputs[0].format",
            words: "not an output format"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        quality: 80\n",
            line: 6,
            key: "assets[0].outputs[0].quality",
            words: "PNG takes 'level'"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: jpeg\n        quality: 0\n",
            line: 6,
            key: "assets[0].outputs[0].quality",
            words: "outside 1–100"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        level: 12\n",
            line: 6,
            key: "assets[0].outputs[0].level",
            words: "outside 0–9"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: jpeg\n        flatten: #fff\n",
            line: 6,
            key: "assets[0].outputs[0].flatten",
            words: "has no value"
        ),
        Mistake(
            yaml:
                "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: jpeg\n        flatten: \"white\"\n",
            line: 6,
            key: "assets[0].outputs[0].flatten",
            words: "not a colour"
        ),
        Mistake(
            yaml:
                "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        width: 10\n        scale: 2\n",
            line: 7,
            key: "assets[0].outputs[0].scale",
            words: "one of width, height or scale"
        ),
        Mistake(
            yaml:
                "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: jpeg\n        require: transparent\n",
            line: 6,
            key: "assets[0].outputs[0].require",
            words: "cannot be transparent"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        require: clear\n",
            line: 6,
            key: "assets[0].outputs[0].require",
            words: "not a requirement"
        ),
        Mistake(
            yaml:
                "assets:\n  - name: a\n    prompt: x\n    background: transparent\n    outputs:\n      - format: jpeg\n",
            line: 6,
            key: "assets[0].outputs[0].format",
            words: "add flatten"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        foo: 1\n",
            line: 6,
            key: "assets[0].outputs[0].foo",
            words: "unknown key 'foo'"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n  - name: a\n    prompt: y\n",
            line: 4,
            key: "assets[1]",
            words: "used twice"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n      - format: png\n",
            line: 2,
            key: "assets[0]",
            words: "also writes"
        ),
        Mistake(
            yaml:
                "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        width: 64\n  - name: a@64w\n    prompt: y\n",
            line: 7,
            key: "assets[1]",
            words: "also writes"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    composite: true\n",
            line: 4,
            key: "assets[0].composite",
            words: "composite needs a mask"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: [x, y]\n",
            line: 3,
            key: "assets[0].prompt",
            words: "not a list"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n   bad indent: 1\n",
            line: 4,
            key: nil,
            words: "YAML syntax error"
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    prompt: y\n",
            line: 3,
            key: "prompt",
            words: "appears twice"
        ),
        Mistake(yaml: "assets: {name: a}\n", line: 1, key: "assets", words: "must be a list"),
        Mistake(
            yaml: "defaults:\n  quality: ultra\nassets: []\n",
            line: 2,
            key: "defaults.quality",
            words: "'ultra' is not one of"
        ),
        Mistake(
            yaml: "prices:\n  1024x1024/best: 1\nassets: []\n",
            line: 2,
            key: "prices.1024x1024/best",
            words: "not a quality"
        ),
        Mistake(
            yaml: "prices:\n  1024x1024/low: cheap\nassets: []\n",
            line: 2,
            key: "prices.1024x1024/low",
            words: "not a number"
        ),
        Mistake(
            yaml: "assets:\n  - name: ../outside\n    prompt: x\n",
            line: 2,
            key: "assets[0].name",
            words: "would leave",
            code: .pathEscape
        ),
        Mistake(
            yaml: "assets:\n  - name: /etc/passwd\n    prompt: x\n",
            line: 2,
            key: "assets[0].name",
            words: "absolute",
            code: .pathEscape
        ),
        Mistake(
            yaml: "output: ../elsewhere\nassets: []\n",
            line: 1,
            key: "output",
            words: "would leave",
            code: .pathEscape
        ),
        Mistake(
            yaml: "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        suffix: /../../x\n",
            line: 6,
            key: "assets[0].outputs[0].suffix",
            words: "may not contain",
            code: .pathEscape
        ),
    ]

    @Test(arguments: mistakes)
    func eachMistakeNamesFileLineAndKey(_ mistake: Mistake) throws {
        let dir = try TemporaryFolder("manifest").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/assetpipe.yaml"
        try mistake.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ManifestParser.load(path: path)
            Issue.record("accepted: \(mistake.yaml)")
        } catch let e as PipelineError {
            #expect(e.code == mistake.code, "\(e)")
            let location = try #require(e.location, "\(e)")
            #expect(location.file == path)
            #expect(location.line == mistake.line, "\(e)")
            if let key = mistake.key { #expect(location.key == key, "\(e)") }
            #expect(e.description.contains(mistake.words), "\(e)")
            #expect(e.description.hasPrefix("\(path):\(mistake.line):"))
        }
    }

    @Test func defaultsMergeAndSizesStayStrings() throws {
        let manifest = try ManifestParser.parse(
            """
            defaults:
              model: gpt-image-1.5-official
              quality: high
              size: 3:2
              outputs:
                - format: png
                  scale: 0.5
            assets:
              - name: a
                prompt: p
              - name: b
                prompt: q
                quality: low
                size: 1:1
                outputs:
                  - format: jpeg
                    flatten: "#000"
            """,
            path: "/tmp/x/assetpipe.yaml",
            checkFiles: false
        )
        let a = manifest.assets[0]
        let b = manifest.assets[1]
        #expect(a.model == .gptImage15 && a.quality == .high && a.size == .landscape)
        #expect(a.outputs == [OutputSpec(format: .png, resize: .scale(0.5))])
        #expect(b.quality == .low && b.size == .square && b.outputs[0].format == .jpeg)
        #expect(manifest.output == "generated")
        #expect(OutputNaming.paths(for: a).map(\.path) == ["a@0.5x.png"])
    }

    @Test func namingFollowsTheRules() {
        let spec = { (resize: OutputSize?, suffix: String?) in OutputSpec(format: .png, resize: resize, suffix: suffix)
        }
        #expect(
            OutputNaming.relativePath(name: "posters/fusion", output: spec(nil, nil), index: 1, imageCount: 2)
                == "posters/fusion-1.png"
        )
        #expect(
            OutputNaming.relativePath(name: "posters/fusion", output: spec(.width(256), nil), index: 2, imageCount: 2)
                == "posters/fusion-2@256w.png"
        )
        #expect(
            OutputNaming.relativePath(name: "a", output: spec(.height(64), nil), index: 1, imageCount: 1) == "a@64h.png"
        )
        #expect(
            OutputNaming.relativePath(name: "a", output: spec(.scale(2), nil), index: 1, imageCount: 1) == "a@2x.png"
        )
        #expect(
            OutputNaming.relativePath(name: "a", output: spec(.scale(0.25), "-thumb"), index: 1, imageCount: 1)
                == "a-thumb.png"
        )
        #expect(
            OutputNaming.relativePath(name: "a", output: OutputSpec(format: .jpeg), index: 1, imageCount: 1) == "a.jpg"
        )
    }

    @Test func aSymlinkOutOfTheTreeIsRefused() throws {
        let dir = try TemporaryFolder("escape").path
        let outside = try TemporaryFolder("escape-outside").path
        try FileManager.default.createDirectory(atPath: dir + "/generated", withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: outside)
        }
        try FileManager.default.createSymbolicLink(atPath: dir + "/generated/icons", withDestinationPath: outside)
        try "assets:\n  - name: icons/a\n    prompt: x\n".write(
            toFile: dir + "/assetpipe.yaml",
            atomically: true,
            encoding: .utf8
        )
        #expect(throws: PipelineError.self) { _ = try ManifestParser.load(path: dir) }
        do { _ = try ManifestParser.load(path: dir) } catch let e as PipelineError {
            #expect(e.code == .pathEscape)
            #expect(e.message.contains("symbolic link"))
        }
        // The output folder itself linked out of the project.
        try FileManager.default.removeItem(atPath: dir + "/generated")
        try FileManager.default.createSymbolicLink(atPath: dir + "/generated", withDestinationPath: outside)
        try "assets:\n  - name: a\n    prompt: x\n".write(
            toFile: dir + "/assetpipe.yaml",
            atomically: true,
            encoding: .utf8
        )
        do {
            _ = try ManifestParser.load(path: dir)
            Issue.record("accepted an output folder linked out of the project")
        } catch let e as PipelineError {
            #expect(e.code == .pathEscape)
        }
    }

    @Test func keysAreDeterministicAndSensitiveToEveryParameter() {
        let base: [String: String] = ["model": "m", "prompt": "p", "size": "auto", "references[0]": "aa"]
        #expect(AssetKeys.key(parameters: base) == AssetKeys.key(parameters: base))
        var changed = base
        changed["prompt"] = "p2"
        #expect(AssetKeys.key(parameters: changed) != AssetKeys.key(parameters: base))
        #expect(AssetKeys.changedParameters(from: base, to: changed) == ["prompt"])
        let spec = OutputSpec(format: .png, resize: .width(10))
        let k1 = AssetKeys.postKey(spec: spec, composite: false, assetKey: "k", rawDigest: "r")
        #expect(k1 == AssetKeys.postKey(spec: spec, composite: false, assetKey: "k", rawDigest: "r"))
        #expect(
            k1
                != AssetKeys.postKey(
                    spec: OutputSpec(format: .png, resize: .width(11)),
                    composite: false,
                    assetKey: "k",
                    rawDigest: "r"
                )
        )
        #expect(k1 != AssetKeys.postKey(spec: spec, composite: false, assetKey: "k", rawDigest: "r2"))
    }
}
