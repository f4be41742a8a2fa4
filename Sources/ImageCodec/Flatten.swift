internal import CImageShim

extension RGBAImage {
    /// Composites the picture onto an opaque colour (alpha becomes 255 everywhere).
    public mutating func flatten(onto color: RGBColor) {
        let count = width * height
        pixels.withUnsafeMutableBufferPointer { ap_flatten_row($0.baseAddress, count, color.r, color.g, color.b) }
    }

    /// True when every pixel has alpha 255.
    public var isOpaque: Bool {
        pixels.withUnsafeBufferPointer { ap_first_non_opaque($0.baseAddress, width * height) < 0 }
    }
}
