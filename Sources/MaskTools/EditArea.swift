import ImageCodec

/// Where the model may paint, as a plane of coverage values: 255 = editable (mask alpha 0),
/// 0 = keep (mask alpha 255), values between are a soft edge. Mask making works on this plane and
/// turns it into a mask picture at the end (`maskImage()`).
public struct EditArea: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width × height values, row-major; 255 = editable.
    public var coverage: [UInt8]

    public init(width: Int, height: Int, coverage: [UInt8]) {
        precondition(width > 0 && height > 0 && coverage.count == width * height, "EditArea: size mismatch")
        self.width = width
        self.height = height
        self.coverage = coverage
    }

    /// Nothing editable.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, coverage: [UInt8](repeating: 0, count: width * height))
    }

    /// The edit area a mask picture describes: coverage = 255 − alpha.
    public init(mask: RGBAImage) {
        var coverage = [UInt8](repeating: 0, count: mask.width * mask.height)
        mask.pixels.withUnsafeBufferPointer { px in
            coverage.withUnsafeMutableBufferPointer { out in
                for i in 0..<out.count { out[i] = 255 &- px[i * 4 + 3] }
            }
        }
        self.init(width: mask.width, height: mask.height, coverage: coverage)
    }

    /// The mask picture: RGB black, alpha 0 where editable, 255 where kept, between on a soft edge.
    public func maskImage() -> RGBAImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        coverage.withUnsafeBufferPointer { cov in
            pixels.withUnsafeMutableBufferPointer { px in
                for i in 0..<cov.count { px[i * 4 + 3] = 255 &- cov[i] }
            }
        }
        return RGBAImage(width: width, height: height, pixels: pixels)
    }

    /// Marks every pixel editable in `other` editable here too (union; soft values take the maximum).
    public mutating func formUnion(_ other: EditArea) {
        precondition(other.width == width && other.height == height, "EditArea.formUnion: size mismatch")
        other.coverage.withUnsafeBufferPointer { o in
            coverage.withUnsafeMutableBufferPointer { c in
                for i in 0..<c.count where o[i] > c[i] { c[i] = o[i] }
            }
        }
    }

    /// Swaps editable and kept.
    public mutating func invert() {
        coverage.withUnsafeMutableBufferPointer { c in
            for i in 0..<c.count { c[i] = 255 &- c[i] }
        }
    }

    /// Fraction of pixels that are fully editable (coverage 255, i.e. mask alpha 0).
    public var editableFraction: Double {
        Double(MaskStatistics(area: self).editablePixels) / Double(width * height)
    }

    /// Bounding box of the fully editable pixels; nil when there are none.
    public var editableBounds: PixelRect? { MaskStatistics(area: self).editableBounds }

    /// True where coverage ≥ 128 (the binary shape morphology works on).
    func binary() -> [Bool] {
        coverage.map { $0 >= 128 }
    }
}

/// Counts of a mask's alpha values, gathered row by row (so a file can be streamed).
public struct MaskStatistics: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int = 0
    /// Pixels with alpha 0 (editable).
    public private(set) var editablePixels = 0
    /// Pixels with alpha 255 (kept).
    public private(set) var keptPixels = 0
    private var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1

    public init(width: Int) { self.width = width }

    init(area: EditArea) {
        self.init(width: area.width)
        area.coverage.withUnsafeBufferPointer { cov in
            for y in 0..<area.height {
                addCoverageRow(UnsafeBufferPointer(rebasing: cov[(y * area.width)..<((y + 1) * area.width)]))
            }
        }
    }

    public init(mask: RGBAImage) {
        self.init(width: mask.width)
        mask.pixels.withUnsafeBufferPointer { px in
            let rowBytes = mask.width * 4
            for y in 0..<mask.height {
                addRGBARow(UnsafeBufferPointer(rebasing: px[(y * rowBytes)..<((y + 1) * rowBytes)]))
            }
        }
    }

    /// Adds the next row of RGBA8 bytes (width × 4).
    public mutating func addRGBARow(_ row: UnsafeBufferPointer<UInt8>) {
        precondition(row.count >= width * 4)
        var first = -1
        var last = -1
        var editable = 0
        var kept = 0
        for x in 0..<width {
            let a = row[x * 4 + 3]
            if a == 0 {
                editable += 1
                if first < 0 { first = x }
                last = x
            } else if a == 255 {
                kept += 1
            }
        }
        finishRow(first: first, last: last, editable: editable, kept: kept)
    }

    mutating func addCoverageRow(_ row: UnsafeBufferPointer<UInt8>) {
        var first = -1
        var last = -1
        var editable = 0
        var kept = 0
        for x in 0..<width {
            let c = row[x]
            if c == 255 {
                editable += 1
                if first < 0 { first = x }
                last = x
            } else if c == 0 {
                kept += 1
            }
        }
        finishRow(first: first, last: last, editable: editable, kept: kept)
    }

    private mutating func finishRow(first: Int, last: Int, editable: Int, kept: Int) {
        if first >= 0 {
            minX = min(minX, first)
            maxX = max(maxX, last)
            minY = min(minY, height)
            maxY = height
        }
        editablePixels += editable
        keptPixels += kept
        height += 1
    }

    public var totalPixels: Int { width * height }
    public var editableFraction: Double { totalPixels == 0 ? 0 : Double(editablePixels) / Double(totalPixels) }
    /// Every pixel has alpha 255.
    public var fullyOpaque: Bool { keptPixels == totalPixels }
    /// Every pixel has alpha 0.
    public var fullyTransparent: Bool { editablePixels == totalPixels }
    /// Bounding box of the alpha-0 pixels; nil when there are none.
    public var editableBounds: PixelRect? {
        maxX < 0 ? nil : PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }
}
