import APIMartWire
import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import ImageCodec
import Testing

@testable import APIMartSimulator

/// Task timeline, results, edits and masks.
@Suite("Simulator tasks")
struct SimulatorTaskTests {
    @Test func timelineGoesPendingProcessingCompleted() async throws {
        // 6 s on the test's clock: pending for the first 2.4 s, processing until 6 s, then completed.
        let configuration = SimulatorConfiguration(taskDuration: .seconds(6), pendingFraction: 0.4)
        try await withManualClock(configuration) { sim, clock in
            let id = try await sim.submitted(.simTest())
            let first = try await sim.poll(id).decode(TaskEnvelope.self)
            #expect(first.code == 200)
            #expect(first.data.id == id)
            #expect(first.data.status == .pending)
            #expect(first.data.progress == 0)
            #expect(first.data.estimatedTime == 6)
            #expect(first.data.created == 1_800_000_000)
            #expect(first.data.result == nil)
            #expect(first.data.completed == nil)

            // The work is done long before the timeline ends: it waits on the clock, and the task is not final.
            try await clock.sleepersWithin(1)
            clock.advance(by: .milliseconds(2399))
            #expect(try await sim.poll(id).decode(TaskEnvelope.self).data.status == .pending)
            clock.advance(by: .milliseconds(1))
            let turned = try await sim.poll(id).decode(TaskEnvelope.self).data
            #expect(turned.status == .processing)
            #expect(turned.progress == 40)

            clock.advance(by: .milliseconds(1200))
            let middle = try await sim.poll(id).decode(TaskEnvelope.self).data
            #expect(middle.status == .processing)
            #expect(middle.progress == 60)
            #expect(middle.result == nil)

            clock.advance(by: .milliseconds(2399))
            let last = try await sim.poll(id).decode(TaskEnvelope.self).data
            #expect(last.status == .processing)
            #expect(last.progress == 99)
            #expect(await sim.simulator.stats.billedImages == 0)

            clock.advance(by: .milliseconds(1))
            let done = try await sim.poll(id).decode(TaskEnvelope.self).data
            #expect(done.status == .completed)
            #expect(done.progress == 100)
            #expect(done.completed == 1_800_000_006)
            #expect(done.actualTime == 6)
            let images = try #require(done.result?.images)
            #expect(images.count == 1)
            #expect(images[0].urls.count == 1)
            #expect(images[0].expiresAt == 1_800_000_006 + 24 * 3600)
            let stats = await sim.simulator.stats
            #expect(stats.polls(of: id) == 6)
            #expect(stats.billedImages == 1)
            #expect(stats.completedTasks == 1)
        }
    }

    @Test func progressNeverGoesDown() async throws {
        try await withManualClock(SimulatorConfiguration(taskDuration: .seconds(10))) { sim, clock in
            let id = try await sim.submitted(.simTest())
            try await clock.sleepersWithin(1)
            var seen: [Int] = []
            for _ in 0..<12 {
                seen.append(try await sim.poll(id).decode(TaskEnvelope.self).data.progress ?? -1)
                clock.advance(by: .seconds(1))
            }
            #expect(seen == [0, 0, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100])
        }
    }

    @Test func resultURLsAreArraysOfStringsOnTheWire() async throws {
        try await SimHarness.with { sim in
            let id = try await sim.submitted(.simTest())
            _ = try await sim.waitForFinal(id)
            let raw = try await sim.poll(id)
            let object = try JSONSerialization.jsonObject(with: Data(raw.body)) as? [String: Any]
            let data = object?["data"] as? [String: Any]
            let images = (data?["result"] as? [String: Any])?["images"] as? [[String: Any]]
            #expect(images?.first?["url"] is [String])
            #expect(images?.first?["expires_at"] is Int)
        }
    }

    static let outputCases: [(String, String?, Int, Int, ImageFormat, Int)] = [
        ("1:1", nil, 1, 1024, .png, 1024),
        ("2:3", "png", 2, 1024, .png, 1536),
        ("3:2", "jpeg", 1, 1536, .jpeg, 1024),
    ]

    @Test(arguments: outputCases)
    func resultsAreRealImagesOfTheRatioSize(
        size: String,
        format: String?,
        n: Int,
        width: Int,
        expected: ImageFormat,
        height: Int
    ) async throws {
        try await SimHarness.with { sim in
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "a fox in the snow",
                size: size,
                n: n,
                outputFormat: format
            )
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .completed)
            let files = try await sim.results(data)
            #expect(files.count == n)
            for file in files {
                #expect(file.status == 200)
                #expect(file.header("Content-Type") == expected.mimeType)
                let info = try ImageProbe.probe(.bytes(file.body))
                #expect(info.format == expected)
                #expect(info.width == width && info.height == height)
                let image = try ImageDecoder.decode(.bytes(file.body))
                #expect(image.width == width)
            }
            if files.count == 2 { #expect(files[0].body != files[1].body, "image i of n must differ") }
            #expect(await sim.simulator.stats.billedImages == n)
        }
    }

    @Test func nIsClampedLikeTheService() async throws {
        try await SimHarness.with { sim in
            let four = try await sim.waitForFinal(
                try await sim.submitted(
                    GenerationRequest(model: "gpt-image-1-official", prompt: "p", n: 9, quality: "low")
                )
            )
            #expect(four.result?.images.count == 4)
            let one = try await sim.waitForFinal(
                try await sim.submitted(
                    GenerationRequest(model: "gpt-image-1-official", prompt: "p", n: -3, quality: "low")
                )
            )
            #expect(one.result?.images.count == 1)
            #expect(await sim.simulator.stats.billedImages == 5)
        }
    }

    @Test func transparentBackgroundHasRealTransparency() async throws {
        try await SimHarness.with { sim in
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "a glass bottle",
                background: "transparent",
                outputFormat: "png"
            )
            let file = try #require(
                try await sim.results(try await sim.waitForFinal(try await sim.submitted(request))).first
            )
            let report = try TransparencyAnalyzer.analyze(.bytes(file.body))
            #expect(!report.opaque)
            #expect(report.transparentFraction > 0.1)
            #expect(report.transparentFraction < 0.99)
            #expect(report.opaqueBounds != nil)

            let opaque = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "a glass bottle",
                background: "opaque"
            )
            let flat = try #require(
                try await sim.results(try await sim.waitForFinal(try await sim.submitted(opaque))).first
            )
            #expect(try TransparencyAnalyzer.analyze(.bytes(flat.body)).opaque)
        }
    }

    @Test(arguments: [1, 2, 4])
    func transparentBackgroundOnAnEditOrAFusion(references: Int) async throws {
        try await SimHarness.with { sim in
            var urls: [String] = []
            for k in 0..<references {
                // Opaque references, as photos are: the transparency comes from the background being cut away.
                urls.append(
                    try await sim.uploaded(try SimFixture.png(SimFixture.ramp(width: 64, height: 64, seed: UInt8(k))))
                )
            }
            func result(_ background: String) async throws -> [UInt8] {
                let request = GenerationRequest(
                    model: "gpt-image-1.5-official",
                    prompt: "a product shot",
                    background: background,
                    outputFormat: "png",
                    imageURLs: urls
                )
                let data = try await sim.waitForFinal(try await sim.submitted(request))
                #expect(data.status == .completed, "\(String(describing: data.error))")
                return try #require(try await sim.results(data).first).body
            }
            let cut = try TransparencyAnalyzer.analyze(.bytes(try await result("transparent")))
            #expect(!cut.opaque)
            #expect(cut.transparentFraction > 0.1)
            #expect(cut.transparentFraction < 0.5)
            let centre = try ImageDecoder.decode(.bytes(try await result("transparent")))
            #expect(centre[512, 512].a == 255)
            #expect(centre[0, 0].a == 0)
            #expect(try TransparencyAnalyzer.analyze(.bytes(try await result("opaque"))).opaque)
            #expect(try TransparencyAnalyzer.analyze(.bytes(try await result("auto"))).opaque)
        }
    }

    @Test func sameRequestGivesSameBytes() async throws {
        try await SimHarness.with { sim in
            let request = GenerationRequest(model: "gpt-image-1-official", prompt: "a castle under the stars", n: 2)
            let a = try await sim.results(try await sim.waitForFinal(try await sim.submitted(request)))
            let b = try await sim.results(try await sim.waitForFinal(try await sim.submitted(request)))
            #expect(a.map(\.body) == b.map(\.body))
            let other = GenerationRequest(model: "gpt-image-1-official", prompt: "a castle under the sun", n: 1)
            let c = try await sim.results(try await sim.waitForFinal(try await sim.submitted(other)))
            #expect(c[0].body != a[0].body)
        }
        // And across simulator instances.
        let one = try await SimHarness.with { sim in
            try await sim.results(try await sim.waitForFinal(try await sim.submitted(.simTest("deterministic")))).map(
                \.body
            )
        }
        let two = try await SimHarness.with { sim in
            try await sim.results(try await sim.waitForFinal(try await sim.submitted(.simTest("deterministic")))).map(
                \.body
            )
        }
        #expect(one == two)
    }

    @Test func jpegCompressionLowersQuality() async throws {
        try await SimHarness.with { sim in
            func size(_ compression: Int) async throws -> Int {
                let request = GenerationRequest(
                    model: "gpt-image-1-official",
                    prompt: "texture",
                    outputFormat: "jpeg",
                    outputCompression: compression
                )
                return try await sim.results(try await sim.waitForFinal(try await sim.submitted(request)))[0].body.count
            }
            let light = try await size(5)
            let heavy = try await size(90)
            #expect(heavy < light)
        }
        #expect(ResultRenderer.jpegQuality(compression: 0) == 100)
        #expect(ResultRenderer.jpegQuality(compression: 100) == 1)
        #expect(ResultRenderer.jpegQuality(compression: 25) == 75)
        #expect(ResultRenderer.jpegQuality(compression: nil) == 90)
        #expect(ResultRenderer.pngLevel(compression: 100) == 9)
        #expect(ResultRenderer.pngLevel(compression: 0) == 0)
    }

    // MARK: Edits

    @Test func editKeepsReferenceOutsideTheMask() async throws {
        try await SimHarness.with { sim in
            let reference = SimFixture.ramp(width: 1024, height: 1024)
            let editable = PixelRect(x: 256, y: 384, width: 300, height: 200)
            let refURL = try await sim.uploaded(try SimFixture.png(reference), filename: "ref.png")
            let maskURL = try await sim.uploaded(
                try SimFixture.png(SimFixture.mask(width: 1024, height: 1024, editable: editable)),
                filename: "mask.png"
            )
            let request = GenerationRequest(
                model: "gpt-image-1.5-official",
                prompt: "a red balloon",
                size: "1:1",
                imageURLs: [refURL],
                maskURL: maskURL
            )
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .completed, "\(String(describing: data.error))")
            let out = try ImageDecoder.decode(.bytes(try #require(try await sim.results(data).first).body))
            #expect(out.width == 1024 && out.height == 1024)
            var keptSame = 0
            var keptTotal = 0
            var editedChanged = 0
            var editedTotal = 0
            for y in stride(from: 0, to: 1024, by: 7) {
                for x in stride(from: 0, to: 1024, by: 7) {
                    let inside =
                        x >= editable.x && x < editable.x + editable.width && y >= editable.y
                        && y < editable.y + editable.height
                    if inside {
                        editedTotal += 1
                        if out[x, y] != reference[x, y] { editedChanged += 1 }
                    } else {
                        keptTotal += 1
                        if out[x, y] == reference[x, y] { keptSame += 1 }
                    }
                }
            }
            #expect(keptSame == keptTotal, "every pixel outside the editable area is the reference's")
            #expect(Double(editedChanged) / Double(editedTotal) > 0.9, "the editable area is painted")
        }
    }

    @Test func editResizesReferenceAndMaskAlike() async throws {
        try await SimHarness.with { sim in
            // A 2:3 reference smaller than the output: resampled to 1024×1536, mask with it.
            var reference = RGBAImage(width: 64, height: 96, fill: RGBA8(r: 20, g: 120, b: 220))
            for y in 0..<48 { for x in 0..<64 { reference[x, y] = RGBA8(r: 230, g: 40, b: 40) } }
            let mask = SimFixture.mask(width: 64, height: 96, editable: PixelRect(x: 0, y: 72, width: 64, height: 24))
            let refURL = try await sim.uploaded(try SimFixture.png(reference))
            let maskURL = try await sim.uploaded(try SimFixture.png(mask))
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "grass",
                size: "2:3",
                imageURLs: [refURL],
                maskURL: maskURL
            )
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .completed, "\(String(describing: data.error))")
            let out = try ImageDecoder.decode(.bytes(try await sim.results(data)[0].body))
            #expect(out.width == 1024 && out.height == 1536)
            func near(_ a: RGBA8, _ b: RGBA8) -> Bool {
                abs(Int(a.r) - Int(b.r)) <= 6 && abs(Int(a.g) - Int(b.g)) <= 6 && abs(Int(a.b) - Int(b.b)) <= 6
            }
            #expect(near(out[512, 300], RGBA8(r: 230, g: 40, b: 40)))
            #expect(near(out[512, 1000], RGBA8(r: 20, g: 120, b: 220)))
        }
    }

    @Test func multiReferenceFusionUsesEveryReference() async throws {
        try await SimHarness.with { sim in
            let colours = [RGBA8(r: 250, g: 0, b: 0), RGBA8(r: 0, g: 250, b: 0), RGBA8(r: 0, g: 0, b: 250)]
            var urls: [String] = []
            for c in colours {
                urls.append(try await sim.uploaded(try SimFixture.png(RGBAImage(width: 32, height: 32, fill: c))))
            }
            let request = GenerationRequest(model: "gpt-image-1.5-official", prompt: "poster", imageURLs: urls)
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .completed, "\(String(describing: data.error))")
            let out = try ImageDecoder.decode(.bytes(try await sim.results(data)[0].body))
            // Tiled 2×2: the three references each show somewhere in the picture.
            var seen = [false, false, false]
            for y in stride(from: 0, to: out.height, by: 16) {
                for x in stride(from: 0, to: out.width, by: 16) {
                    for (k, c) in colours.enumerated() {
                        let p = out[x, y]
                        if abs(Int(p.r) - Int(c.r)) <= 3 && abs(Int(p.g) - Int(c.g)) <= 3
                            && abs(Int(p.b) - Int(c.b)) <= 3
                        {
                            seen[k] = true
                        }
                    }
                }
            }
            #expect(seen == [true, true, true])
        }
    }

    @Test func referencesFromAnotherLoopbackServerAreFetched() async throws {
        try await SimHarness.with { other in
            let url = try await other.uploaded(try SimFixture.png(SimFixture.ramp(width: 40, height: 40)))
            try await SimHarness.with { sim in
                let request = GenerationRequest(model: "gpt-image-1-official", prompt: "x", imageURLs: [url])
                let data = try await sim.waitForFinal(try await sim.submitted(request))
                #expect(data.status == .completed, "\(String(describing: data.error))")
            }
        }
    }

    @Test func nonLoopbackReferenceFailsTheTask() async throws {
        try await SimHarness.with { sim in
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "x",
                imageURLs: ["https://example.com/a.png"]
            )
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .failed)
            #expect(data.result == nil)
            #expect(data.error?.message?.contains("example.com") == true)
            let stats = await sim.simulator.stats
            #expect(stats.billedImages == 0)
            #expect(stats.failedTasks == 1)
        }
    }

    @Test func maskOfWrongSizeFailsTheTask() async throws {
        try await SimHarness.with { sim in
            let refURL = try await sim.uploaded(try SimFixture.png(SimFixture.ramp(width: 64, height: 64)))
            let maskURL = try await sim.uploaded(
                try SimFixture.png(
                    SimFixture.mask(width: 32, height: 64, editable: PixelRect(x: 0, y: 0, width: 8, height: 8))
                )
            )
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "x",
                imageURLs: [refURL],
                maskURL: maskURL
            )
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .failed)
            let message = try #require(data.error?.message)
            #expect(message.contains("32×64") && message.contains("64×64"), "\(message)")
            let zh = try await sim.poll(try #require(data.id as String?), language: "zh").decode(TaskEnvelope.self)
            #expect(zh.data.error?.message?.contains("遮罩") == true)
            #expect(await sim.simulator.stats.billedImages == 0)
        }
    }

    @Test func maskWithoutAlphaFailsTheTask() async throws {
        try await SimHarness.with { sim in
            let refURL = try await sim.uploaded(try SimFixture.png(SimFixture.ramp(width: 64, height: 64)))
            // An opaque picture written as 8-bit RGB: no alpha channel at all.
            let rgb = try ImageEncoder.png(
                SimFixture.ramp(width: 64, height: 64, seed: 9),
                options: .init(layout: .auto)
            )
            #expect(try ImageProbe.probe(.bytes(rgb)).hasAlpha == false)
            let maskURL = try await sim.uploaded(rgb)
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "x",
                imageURLs: [refURL],
                maskURL: maskURL
            )
            let data = try await sim.waitForFinal(try await sim.submitted(request))
            #expect(data.status == .failed)
            #expect(data.error?.message?.contains("alpha") == true)
        }
    }

    @Test func maskMustMatchTheOrientedReference() async throws {
        try await SimHarness.with { sim in
            // Stored 64×32 with SimEXIF orientation 6: displayed 32×64.
            let jpeg = try ImageEncoder.jpeg(SimFixture.ramp(width: 64, height: 32))
            let rotated = SimEXIF.withOrientation(6, jpeg)
            let info = try ImageProbe.probe(.bytes(rotated))
            #expect(info.orientedWidth == 32 && info.orientedHeight == 64)
            let refURL = try await sim.uploaded(rotated, filename: "rotated.jpg")
            let upright = try await sim.uploaded(
                try SimFixture.png(
                    SimFixture.mask(width: 32, height: 64, editable: PixelRect(x: 0, y: 0, width: 16, height: 16))
                )
            )
            let stored = try await sim.uploaded(
                try SimFixture.png(
                    SimFixture.mask(width: 64, height: 32, editable: PixelRect(x: 0, y: 0, width: 16, height: 16))
                )
            )
            let good = try await sim.waitForFinal(
                try await sim.submitted(
                    GenerationRequest(
                        model: "gpt-image-1-official",
                        prompt: "x",
                        imageURLs: [refURL],
                        maskURL: upright
                    )
                )
            )
            #expect(good.status == .completed, "\(String(describing: good.error))")
            let bad = try await sim.waitForFinal(
                try await sim.submitted(
                    GenerationRequest(
                        model: "gpt-image-1-official",
                        prompt: "x",
                        imageURLs: [refURL],
                        maskURL: stored
                    )
                )
            )
            #expect(bad.status == .failed)
        }
    }
}

/// Adds an SimEXIF APP1 segment with an orientation tag right after a JPEG's SOI marker.
enum SimEXIF {
    static func withOrientation(_ orientation: UInt16, _ jpeg: [UInt8]) -> [UInt8] {
        // TIFF, big endian: header, IFD0 with one entry (0x0112 SHORT 1 = orientation), next IFD 0.
        var tiff: [UInt8] = Array("MM".utf8) + [0x00, 0x2A, 0x00, 0x00, 0x00, 0x08]
        tiff += [0x00, 0x01]
        tiff += [
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0,
        ]
        tiff += [0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Array(jpeg.prefix(2)) + segment + Array(jpeg.dropFirst(2))
    }
}
