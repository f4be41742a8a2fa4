import Crypto
import Foundation
import ImageCodec

/// The picture a prompt stands for in the simulator: a two-colour gradient and a few shapes whose colours,
/// positions and sizes are read from SHA-256 of the prompt and the image's index. Same prompt and index,
/// same pixels; another index of the same task, visibly another picture (and a row of index marks).
struct PromptPattern: Sendable {
    struct Shape: Sendable {
        enum Kind: Sendable { case disc, box, ring }
        var kind: Kind
        /// Centre and half-size, as fractions of the picture's width and height.
        var cx: Double, cy: Double, radius: Double
        var color: RGBA8
    }

    var from: RGBA8
    var to: RGBA8
    /// Direction of the gradient, radians.
    var angle: Double
    var shapes: [Shape]
    /// 0-based index of the image within its task; drawn as index + 1 marks in the top-left corner.
    var index: Int

    init(prompt: String, index: Int) {
        var material: [UInt8] = []
        var round: UInt8 = 0
        while material.count < 96 {
            var hasher = SHA256()
            hasher.update(data: Array(prompt.utf8))
            hasher.update(data: [0, UInt8(truncatingIfNeeded: index), round])
            material += Array(hasher.finalize())
            round &+= 1
        }
        var cursor = 0
        func byte() -> UInt8 {
            defer { cursor += 1 }
            return material[cursor % material.count]
        }
        func unit() -> Double { Double(byte()) / 255 }
        func color(alpha: UInt8 = 255) -> RGBA8 { RGBA8(r: byte(), g: byte(), b: byte(), a: alpha) }

        from = color()
        to = color()
        angle = unit() * 2 * Double.pi
        let count = 3 + Int(byte() % 4)
        var shapes: [Shape] = []
        for _ in 0..<count {
            let kind: Shape.Kind = [.disc, .box, .ring][Int(byte() % 3)]
            let cx = 0.15 + 0.7 * unit()
            let cy = 0.15 + 0.7 * unit()
            let radius = 0.08 + 0.17 * unit()
            // Keep shape colours away from mid-grey so they stand out from the gradient.
            var c = color()
            if abs(Int(c.r) - 128) + abs(Int(c.g) - 128) + abs(Int(c.b) - 128) < 96 { c.r ^= 0x80 }
            shapes.append(Shape(kind: kind, cx: cx, cy: cy, radius: radius, color: c))
        }
        self.shapes = shapes
        self.index = index
    }

    /// The full picture. With `transparentBackground`, only the shapes and marks are drawn, on alpha 0.
    func render(width: Int, height: Int, transparentBackground: Bool) -> RGBAImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        pixels.withUnsafeMutableBufferPointer { buffer in
            if !transparentBackground { drawGradient(buffer, width: width, height: height) }
            drawShapes(buffer, width: width, height: height)
            drawIndexMarks(buffer, width: width, height: height)
        }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    private func drawGradient(_ p: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int) {
        let dx = cos(angle)
        let dy = sin(angle)
        // Project the corners to normalise t into 0...1.
        let corners = [(0.0, 0.0), (Double(width), 0.0), (0.0, Double(height)), (Double(width), Double(height))]
        let projections = corners.map { $0.0 * dx + $0.1 * dy }
        let lo = projections.min()!
        let span = max(projections.max()! - lo, 1)
        let fr = Double(from.r)
        let fg = Double(from.g)
        let fb = Double(from.b)
        let tr = Double(to.r) - fr
        let tg = Double(to.g) - fg
        let tb = Double(to.b) - fb
        for y in 0..<height {
            let rowBase = Double(y) * dy - lo
            var i = y * width * 4
            for x in 0..<width {
                let t = (Double(x) * dx + rowBase) / span
                p[i] = UInt8(fr + tr * t + 0.5)
                p[i + 1] = UInt8(fg + tg * t + 0.5)
                p[i + 2] = UInt8(fb + tb * t + 0.5)
                p[i + 3] = 255
                i += 4
            }
        }
    }

    private func drawShapes(_ p: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int) {
        let scale = Double(min(width, height))
        for shape in shapes {
            let cx = shape.cx * Double(width)
            let cy = shape.cy * Double(height)
            let r = shape.radius * scale
            let x0 = max(0, Int(cx - r - 1))
            let x1 = min(width - 1, Int(cx + r + 1))
            let y0 = max(0, Int(cy - r - 1))
            let y1 = min(height - 1, Int(cy + r + 1))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                let fy = Double(y) + 0.5 - cy
                for x in x0...x1 {
                    let fx = Double(x) + 0.5 - cx
                    let coverage: Double
                    switch shape.kind {
                    case .disc:
                        coverage = min(max(r + 0.5 - (fx * fx + fy * fy).squareRoot(), 0), 1)
                    case .box:
                        let edge = r * 0.8 - max(abs(fx), abs(fy))
                        coverage = min(max(edge + 0.5, 0), 1)
                    case .ring:
                        let d = (fx * fx + fy * fy).squareRoot()
                        let band = r * 0.18 - abs(d - r * 0.8)
                        coverage = min(max(band + 0.5, 0), 1)
                    }
                    if coverage > 0 { blend(p, (y * width + x) * 4, shape.color, coverage) }
                }
            }
        }
    }

    private func drawIndexMarks(_ p: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int) {
        let side = max(4, min(width, height) / 32)
        let white = RGBA8(r: 255, g: 255, b: 255)
        let black = RGBA8(r: 0, g: 0, b: 0)
        for mark in 0...index {
            let left = side + mark * side * 2
            let top = side
            guard left + side <= width, top + side <= height else { break }
            for y in top..<(top + side) {
                for x in left..<(left + side) {
                    let border = y == top || y == top + side - 1 || x == left || x == left + side - 1
                    blend(p, (y * width + x) * 4, border ? black : white, 1)
                }
            }
        }
    }

    /// Source-over of an opaque colour with the given coverage, in straight alpha.
    @inline(__always)
    private func blend(_ p: UnsafeMutableBufferPointer<UInt8>, _ i: Int, _ c: RGBA8, _ coverage: Double) {
        let sa = coverage * Double(c.a) / 255
        let da = Double(p[i + 3]) / 255
        let oa = sa + da * (1 - sa)
        guard oa > 0 else { return }
        func channel(_ s: UInt8, _ d: UInt8) -> UInt8 {
            UInt8(min(255, ((Double(s) * sa + Double(d) * da * (1 - sa)) / oa).rounded()))
        }
        p[i] = channel(c.r, p[i])
        p[i + 1] = channel(c.g, p[i + 1])
        p[i + 2] = channel(c.b, p[i + 2])
        p[i + 3] = UInt8(min(255, (oa * 255).rounded()))
    }
}
