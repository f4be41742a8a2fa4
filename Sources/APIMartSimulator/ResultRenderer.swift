import APIMartWire
import AssetpipeBasics
import ImageCodec

/// Makes the result images of a task, deterministically from the request and the fetched inputs.
///
/// - Text to image: the prompt's ``PromptPattern`` at the ratio's pixel size.
/// - One reference, no mask: the reference resized to the output size, with the prompt's shapes laid over it
///   at partial opacity.
/// - Several references, no mask: the references tiled in a grid (fusion), shapes laid over.
/// - With a mask (alpha 0 = editable, 255 = keep; scaled like the reference): the first reference is kept where
///   the mask keeps, and the prompt's pattern (blended with the other references, if any) is painted where it is
///   editable.
/// - `background: opaque` flattens onto white; `transparent` leaves alpha 0 around the shapes (text to image),
///   outside a centred ellipse, the subject (an edit or a fusion without a mask), and where the painted pattern has
///   none (a masked edit's editable area; what the mask keeps stays the reference's). JPEG output is flattened
///   onto white.
///
/// Encoding: PNG with zlib level `round(output_compression × 9 / 100)` (6 when absent); JPEG with
/// quality `100 − output_compression` clamped to 1...100 (90 when absent): the vendor documents
/// `output_compression` as a compression strength, so more compression means a lower quality.
struct ResultRenderer: Sendable {
    struct Output: Sendable {
        var bytes: [UInt8]
        var format: ImageFormat
    }

    var request: GenerationRequest

    var ratio: SizeRatio { request.size.flatMap(SizeRatio.init(rawValue:)) ?? .square }
    var format: OutputFormat { request.outputFormat.flatMap(OutputFormat.init(rawValue:)) ?? .png }
    var background: Background { request.background.flatMap(Background.init(rawValue:)) ?? .auto }

    /// JPEG quality for an `output_compression`: 100 − compression, clamped to 1...100; 90 when absent.
    static func jpegQuality(compression: Int?) -> Int {
        guard let compression else { return 90 }
        return min(max(100 - compression, 1), 100)
    }

    /// zlib level for an `output_compression` on PNG output: round(compression × 9 / 100); 6 when absent.
    static func pngLevel(compression: Int?) -> Int {
        guard let compression else { return 6 }
        let clamped = min(max(compression, 0), 100)
        return (clamped * 9 + 50) / 100
    }

    func render(references: [RGBAImage], mask: RGBAImage?) throws -> [Output] {
        let (width, height) = ratio.pixelSize
        let transparent = background == .transparent && format == .png
        var base: RGBAImage?
        var others: RGBAImage?
        if let first = references.first {
            if mask != nil || references.count == 1 {
                base = Self.fit(first, width: width, height: height)
                if references.count > 1 {
                    others = Self.tile(Array(references.dropFirst()), width: width, height: height)
                }
            } else {
                base = Self.tile(references, width: width, height: height)
            }
        }
        let keep = mask.map { Self.fit($0, width: width, height: height) }

        var outputs: [Output] = []
        for index in 0..<request.effectiveImageCount {
            let pattern = PromptPattern(prompt: request.prompt, index: index)
            var image: RGBAImage
            if let base {
                if let keep {
                    var paint = pattern.render(width: width, height: height, transparentBackground: transparent)
                    if let others { paint = Self.mix(paint, others, weight: 0.5) }
                    image = Self.maskedComposite(keep: base, paint: paint, mask: keep)
                } else {
                    let shapes = pattern.render(width: width, height: height, transparentBackground: true)
                    image = Self.over(shapes, onto: base, opacity: 0.6)
                    // The subject is taken to fill the centre: its surroundings become the transparent background.
                    if transparent { image = Self.cutOut(image) }
                }
            } else {
                image = pattern.render(width: width, height: height, transparentBackground: transparent)
            }
            if background == .opaque || format == .jpeg { image = Self.flatten(image) }
            outputs.append(Output(bytes: try encode(image), format: format == .jpeg ? .jpeg : .png))
        }
        return outputs
    }

    private func encode(_ image: RGBAImage) throws -> [UInt8] {
        switch format {
        case .png:
            var options = PNGEncodeOptions()
            options.level = Self.pngLevel(compression: request.outputCompression)
            options.layout = .auto
            return try ImageEncoder.png(image, options: options)
        case .jpeg:
            var options = JPEGEncodeOptions()
            options.quality = Self.jpegQuality(compression: request.outputCompression)
            options.background = .white
            return try ImageEncoder.jpeg(image, options: options)
        }
    }

    // MARK: - Pixel operations (simulator-specific, kept here)

    /// The image at exactly width × height: itself when it already is, else resampled (stretched).
    static func fit(_ image: RGBAImage, width: Int, height: Int) -> RGBAImage {
        if image.width == width && image.height == height { return image }
        return Resampler.resize(image, width: width, height: height)
    }

    /// Images in a grid of ceil(√k) columns, each resized into its cell; empty cells stay transparent.
    static func tile(_ images: [RGBAImage], width: Int, height: Int) -> RGBAImage {
        if images.count == 1 { return fit(images[0], width: width, height: height) }
        let columns = Int(Double(images.count).squareRoot().rounded(.up))
        let rows = (images.count + columns - 1) / columns
        var out = RGBAImage(width: width, height: height)
        for (k, image) in images.enumerated() {
            let col = k % columns
            let row = k / columns
            let x0 = col * width / columns
            let x1 = (col + 1) * width / columns
            let y0 = row * height / rows
            let y1 = (row + 1) * height / rows
            let cell = fit(image, width: x1 - x0, height: y1 - y0)
            out.pixels.withUnsafeMutableBufferPointer { dst in
                cell.pixels.withUnsafeBufferPointer { src in
                    for y in 0..<cell.height {
                        let d = ((y0 + y) * width + x0) * 4
                        let s = y * cell.width * 4
                        for j in 0..<(cell.width * 4) { dst[d + j] = src[s + j] }
                    }
                }
            }
        }
        return out
    }

    /// Per pixel: `keep` weighted by the mask's alpha (255 keeps exactly), `paint` by the rest; premultiplied.
    static func maskedComposite(keep: RGBAImage, paint: RGBAImage, mask: RGBAImage) -> RGBAImage {
        var out = keep
        out.pixels.withUnsafeMutableBufferPointer { o in
            paint.pixels.withUnsafeBufferPointer { p in
                mask.pixels.withUnsafeBufferPointer { m in
                    var i = 0
                    while i < o.count {
                        let k = m[i + 3]
                        if k != 255 {
                            let w = Double(k) / 255
                            mixPixel(o, i, p, i, keepWeight: w)
                        }
                        i += 4
                    }
                }
            }
        }
        return out
    }

    /// a × (1 − weight) + b × weight, premultiplied.
    static func mix(_ a: RGBAImage, _ b: RGBAImage, weight: Double) -> RGBAImage {
        var out = a
        out.pixels.withUnsafeMutableBufferPointer { o in
            b.pixels.withUnsafeBufferPointer { s in
                var i = 0
                while i < o.count {
                    mixPixel(o, i, s, i, keepWeight: 1 - weight)
                    i += 4
                }
            }
        }
        return out
    }

    /// `top` source-over `bottom`, with top's alpha scaled by `opacity`.
    static func over(_ top: RGBAImage, onto bottom: RGBAImage, opacity: Double) -> RGBAImage {
        var out = bottom
        out.pixels.withUnsafeMutableBufferPointer { o in
            top.pixels.withUnsafeBufferPointer { t in
                var i = 0
                while i < o.count {
                    let sa = Double(t[i + 3]) / 255 * opacity
                    if sa > 0 {
                        let da = Double(o[i + 3]) / 255
                        let oa = sa + da * (1 - sa)
                        for c in 0..<3 {
                            let v = (Double(t[i + c]) * sa + Double(o[i + c]) * da * (1 - sa)) / oa
                            o[i + c] = UInt8(min(255, v.rounded()))
                        }
                        o[i + 3] = UInt8(min(255, (oa * 255).rounded()))
                    }
                    i += 4
                }
            }
        }
        return out
    }

    /// Alpha 0 outside the centred ellipse that spans 90 % of the width and height: the subject kept, its
    /// background cut away.
    static func cutOut(_ image: RGBAImage) -> RGBAImage {
        var out = image
        let (rx, ry) = (Double(image.width) * 0.45, Double(image.height) * 0.45)
        let (cx, cy) = (Double(image.width) / 2, Double(image.height) / 2)
        out.pixels.withUnsafeMutableBufferPointer { o in
            for y in 0..<image.height {
                let dy = (Double(y) + 0.5 - cy) / ry
                for x in 0..<image.width {
                    let dx = (Double(x) + 0.5 - cx) / rx
                    if dx * dx + dy * dy > 1 {
                        let i = (y * image.width + x) * 4
                        o[i] = 0
                        o[i + 1] = 0
                        o[i + 2] = 0
                        o[i + 3] = 0
                    }
                }
            }
        }
        return out
    }

    /// Onto white, alpha 255.
    static func flatten(_ image: RGBAImage) -> RGBAImage {
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { o in
            var i = 0
            while i < o.count {
                let a = Int(o[i + 3])
                if a != 255 {
                    for c in 0..<3 { o[i + c] = UInt8((Int(o[i + c]) * a + 255 * (255 - a) + 127) / 255) }
                    o[i + 3] = 255
                }
                i += 4
            }
        }
        return out
    }

    /// o[i] = o[i] × keepWeight + s[j] × (1 − keepWeight), in premultiplied space, back to straight alpha.
    @inline(__always)
    private static func mixPixel(
        _ o: UnsafeMutableBufferPointer<UInt8>,
        _ i: Int,
        _ s: UnsafeBufferPointer<UInt8>,
        _ j: Int,
        keepWeight: Double
    ) {
        let ka = Double(o[i + 3]) / 255 * keepWeight
        let pa = Double(s[j + 3]) / 255 * (1 - keepWeight)
        let oa = ka + pa
        guard oa > 0 else {
            o[i] = 0
            o[i + 1] = 0
            o[i + 2] = 0
            o[i + 3] = 0
            return
        }
        for c in 0..<3 {
            let v = (Double(o[i + c]) * ka + Double(s[j + c]) * pa) / oa
            o[i + c] = UInt8(min(255, v.rounded()))
        }
        o[i + 3] = UInt8(min(255, (oa * 255).rounded()))
    }
}
