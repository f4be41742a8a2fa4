extension RGBAImage {
    /// This picture put on a `width` × `height` canvas of `fill` with its top-left at (`x`, `y`), which may be
    /// negative: what falls outside the canvas is cut off (a crop), what the picture leaves uncovered is `fill`
    /// (a pad). The ICC profile is not carried over: the caller says whether the canvas keeps it.
    public func placed(width: Int, height: Int, x: Int, y: Int, fill: RGBA8) -> RGBAImage {
        var out = RGBAImage(width: width, height: height, fill: fill)
        let x0 = max(0, x)
        let x1 = min(width, x + self.width)
        let y0 = max(0, y)
        let y1 = min(height, y + self.height)
        guard x0 < x1, y0 < y1 else { return out }
        let count = (x1 - x0) * 4
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for row in y0..<y1 {
                    let s = ((row - y) * self.width + (x0 - x)) * 4
                    let d = (row * width + x0) * 4
                    (dst.baseAddress! + d).update(from: src.baseAddress! + s, count: count)
                }
            }
        }
        return out
    }
}
