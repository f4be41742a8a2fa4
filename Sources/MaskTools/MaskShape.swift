import Foundation

/// A shape that marks an editable area. Coordinates are in pixels or percent: x-like values (x, width,
/// cx, rx, polygon x) of the image's width, y-like values of its height. A pixel belongs to a shape
/// when its centre (x + 0.5, y + 0.5) lies inside (a rectangle's right and bottom edges excluded), so
/// whole-pixel rectangles cover exactly the pixels they name.
public enum MaskShape: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Top-left corner, width, height.
    case rect(x: MaskLength, y: MaskLength, width: MaskLength, height: MaskLength)
    /// Centre and radii.
    case ellipse(cx: MaskLength, cy: MaskLength, rx: MaskLength, ry: MaskLength)
    /// Vertices, even-odd fill.
    case polygon([(x: MaskLength, y: MaskLength)])

    /// `--rect x,y,w,h`
    public static func parseRect(_ text: String) throws -> MaskShape {
        let v = try MaskLength.parseList(text, what: "--rect")
        guard v.count == 4 else {
            throw MaskToolsError(
                .invalidArgument,
                "--rect '\(text)': expected x,y,width,height (4 numbers), got \(v.count)"
            )
        }
        guard v[2].value > 0, v[3].value > 0 else {
            throw MaskToolsError(.invalidArgument, "--rect '\(text)': width and height must be greater than 0")
        }
        return .rect(x: v[0], y: v[1], width: v[2], height: v[3])
    }

    /// `--ellipse cx,cy,rx,ry`
    public static func parseEllipse(_ text: String) throws -> MaskShape {
        let v = try MaskLength.parseList(text, what: "--ellipse")
        guard v.count == 4 else {
            throw MaskToolsError(
                .invalidArgument,
                "--ellipse '\(text)': expected cx,cy,rx,ry (4 numbers), got \(v.count)"
            )
        }
        guard v[2].value > 0, v[3].value > 0 else {
            throw MaskToolsError(.invalidArgument, "--ellipse '\(text)': the radii must be greater than 0")
        }
        return .ellipse(cx: v[0], cy: v[1], rx: v[2], ry: v[3])
    }

    /// `--polygon x1,y1,x2,y2,x3,y3,...`
    public static func parsePolygon(_ text: String) throws -> MaskShape {
        let v = try MaskLength.parseList(text, what: "--polygon")
        guard v.count >= 6, v.count % 2 == 0 else {
            throw MaskToolsError(
                .invalidArgument,
                "--polygon '\(text)': expected x1,y1,x2,y2,x3,y3,... (at least 3 points, an even count of numbers), got \(v.count) numbers"
            )
        }
        return .polygon(stride(from: 0, to: v.count, by: 2).map { (x: v[$0], y: v[$0 + 1]) })
    }

    public static func == (lhs: MaskShape, rhs: MaskShape) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    public var description: String {
        switch self {
        case .rect(let x, let y, let w, let h): "--rect \(x),\(y),\(w),\(h)"
        case .ellipse(let cx, let cy, let rx, let ry): "--ellipse \(cx),\(cy),\(rx),\(ry)"
        case .polygon(let pts): "--polygon " + pts.map { "\($0.x),\($0.y)" }.joined(separator: ",")
        }
    }

    /// The shape drawn on an edit area of `width` × `height` (255 inside, 0 outside).
    public func rasterize(width: Int, height: Int) -> EditArea {
        var area = EditArea(width: width, height: height)
        draw(into: &area)
        return area
    }

    /// Marks the shape's pixels editable (255) in `area`.
    public func draw(into area: inout EditArea) {
        let w = area.width
        let h = area.height
        area.coverage.withUnsafeMutableBufferPointer { cov in
            switch self {
            case .rect(let x, let y, let rw, let rh):
                let x0 = x.resolve(extent: w)
                let y0 = y.resolve(extent: h)
                let x1 = x0 + rw.resolve(extent: w)
                let y1 = y0 + rh.resolve(extent: h)
                // centre c = i + 0.5 inside [x0, x1) ⇔ i ≥ x0 − 0.5 and i < x1 − 0.5
                let i0 = max(0, Int((x0 - 0.5).rounded(.up)))
                let i1 = min(w, Int((x1 - 0.5).rounded(.up)))
                let j0 = max(0, Int((y0 - 0.5).rounded(.up)))
                let j1 = min(h, Int((y1 - 0.5).rounded(.up)))
                guard i0 < i1, j0 < j1 else { return }
                for j in j0..<j1 {
                    let row = j * w
                    for i in i0..<i1 { cov[row + i] = 255 }
                }
            case .ellipse(let cxL, let cyL, let rxL, let ryL):
                let cx = cxL.resolve(extent: w)
                let cy = cyL.resolve(extent: h)
                let rx = rxL.resolve(extent: w)
                let ry = ryL.resolve(extent: h)
                guard rx > 0, ry > 0 else { return }
                let j0 = max(0, Int((cy - ry - 0.5).rounded(.down)))
                let j1 = min(h - 1, Int((cy + ry).rounded(.up)))
                guard j0 <= j1 else { return }
                for j in j0...j1 {
                    let dy = (Double(j) + 0.5 - cy) / ry
                    let t = 1 - dy * dy
                    guard t >= 0 else { continue }
                    let half = rx * t.squareRoot()
                    // centre within [cx − half, cx + half]
                    let i0 = max(0, Int((cx - half - 0.5).rounded(.up)))
                    let i1 = min(w - 1, Int((cx + half - 0.5).rounded(.down)))
                    guard i0 <= i1 else { continue }
                    let row = j * w
                    for i in i0...i1 { cov[row + i] = 255 }
                }
            case .polygon(let pts):
                let p = pts.map { (x: $0.x.resolve(extent: w), y: $0.y.resolve(extent: h)) }
                var xs: [Double] = []
                xs.reserveCapacity(p.count)
                for j in 0..<h {
                    let yc = Double(j) + 0.5
                    xs.removeAll(keepingCapacity: true)
                    for k in 0..<p.count {
                        let a = p[k]
                        let b = p[(k + 1) % p.count]
                        // half-open rule so a vertex on the scanline counts once
                        if (a.y <= yc && b.y > yc) || (b.y <= yc && a.y > yc) {
                            xs.append(a.x + (yc - a.y) * (b.x - a.x) / (b.y - a.y))
                        }
                    }
                    guard xs.count >= 2 else { continue }
                    xs.sort()
                    let row = j * w
                    var k = 0
                    while k + 1 < xs.count {
                        let i0 = max(0, Int((xs[k] - 0.5).rounded(.up)))
                        let i1 = min(w, Int((xs[k + 1] - 0.5).rounded(.up)))
                        if i0 < i1 { for i in i0..<i1 { cov[row + i] = 255 } }
                        k += 2
                    }
                }
            }
        }
    }
}
