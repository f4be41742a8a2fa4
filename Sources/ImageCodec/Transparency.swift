internal import CImageShim

/// What the alpha channel holds.
public struct TransparencyReport: Sendable, Codable, Equatable {
    /// Every pixel has alpha 255.
    public var opaque: Bool
    /// Fraction of pixels with alpha 0.
    public var transparentFraction: Double
    /// Fraction of pixels with 0 < alpha < 255.
    public var translucentFraction: Double
    /// Bounding box of the pixels with alpha > 0; nil when all are fully transparent.
    public var opaqueBounds: PixelRect?
    public var width: Int
    public var height: Int
    /// False when an early-exit analysis stopped at the first non-opaque pixel: the fractions and
    /// bounds then cover only the rows read, and only `opaque` is final.
    public var complete: Bool

    public init(
        opaque: Bool,
        transparentFraction: Double,
        translucentFraction: Double,
        opaqueBounds: PixelRect?,
        width: Int,
        height: Int,
        complete: Bool = true
    ) {
        self.opaque = opaque
        self.transparentFraction = transparentFraction
        self.translucentFraction = translucentFraction
        self.opaqueBounds = opaqueBounds
        self.width = width
        self.height = height
        self.complete = complete
    }
}

/// Streaming alpha analysis: one row in memory at a time.
public enum TransparencyAnalyzer {
    /// Reads the image row by row. A file without an alpha channel or tRNS chunk (every JPEG) is
    /// opaque by construction and is answered from its header alone.
    /// With `earlyExit`, stops at the first pixel with alpha < 255 (`complete` is then false).
    public static func analyze(
        _ source: ImageSource,
        earlyExit: Bool = false,
        limits: DecodeLimits = .default
    )
        throws(ImageCodecError) -> TransparencyReport
    {
        let reader = try ImageRowReader(source, limits: limits)
        let (w, h) = (reader.width, reader.height)
        if !reader.info.hasAlpha {
            return TransparencyReport(
                opaque: true,
                transparentFraction: 0,
                translucentFraction: 0,
                opaqueBounds: PixelRect(x: 0, y: 0, width: w, height: h),
                width: w,
                height: h
            )
        }
        var tally = Tally(width: w, height: h)
        var row = [UInt8](repeating: 0, count: w * 4)
        reader.verifiesEnd = !earlyExit
        for y in 0..<h {
            try reader.readRow(into: &row)
            let nonOpaque = row.withUnsafeBufferPointer { tally.add(row: $0.baseAddress!, y: y) }
            if earlyExit && nonOpaque { return tally.report(complete: y == h - 1) }
        }
        return tally.report(complete: true)
    }

    /// The same analysis over decoded pixels.
    public static func analyze(_ image: RGBAImage) -> TransparencyReport {
        var tally = Tally(width: image.width, height: image.height)
        image.pixels.withUnsafeBufferPointer { buffer in
            for y in 0..<image.height {
                _ = tally.add(row: buffer.baseAddress! + y * image.width * 4, y: y)
            }
        }
        return tally.report(complete: true)
    }

    struct Tally {
        let width: Int
        let height: Int
        var transparent: UInt64 = 0
        var translucent: UInt64 = 0
        var nonOpaque = false
        var minX = Int.max, maxX = -1, minY = Int.max, maxY = -1

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }

        /// Returns true when the row has a pixel with alpha < 255.
        mutating func add(row: UnsafePointer<UInt8>, y: Int) -> Bool {
            var first: Int64 = -1
            var last: Int64 = -1
            let any = ap_alpha_scan(row, width, &transparent, &translucent, &first, &last) != 0
            if any { nonOpaque = true }
            if first >= 0 {
                minX = min(minX, Int(first))
                maxX = max(maxX, Int(last))
                minY = min(minY, y)
                maxY = y
            }
            return any
        }

        func report(complete: Bool) -> TransparencyReport {
            let total = Double(width * height)
            let bounds = maxY >= 0 ? PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1) : nil
            return TransparencyReport(
                opaque: !nonOpaque,
                transparentFraction: Double(transparent) / total,
                translucentFraction: Double(translucent) / total,
                opaqueBounds: bounds,
                width: width,
                height: height,
                complete: complete
            )
        }
    }
}
