/// A decoded picture: 8-bit RGBA, row-major, straight (not premultiplied) alpha.
public struct RGBAImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width × height × 4 bytes.
    public var pixels: [UInt8]
    /// The ICC profile that came with the source, carried to any re-encoding.
    public var iccProfile: [UInt8]?

    public init(width: Int, height: Int, pixels: [UInt8], iccProfile: [UInt8]? = nil) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 4, "RGBAImage: pixel count mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
        self.iccProfile = iccProfile
    }

    /// A picture filled with one colour.
    public init(width: Int, height: Int, fill: RGBA8 = RGBA8(r: 0, g: 0, b: 0, a: 0)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 4)
        if fill != RGBA8(r: 0, g: 0, b: 0, a: 0) {
            for i in stride(from: 0, to: pixels.count, by: 4) {
                pixels[i] = fill.r
                pixels[i + 1] = fill.g
                pixels[i + 2] = fill.b
                pixels[i + 3] = fill.a
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    @inlinable public subscript(x: Int, y: Int) -> RGBA8 {
        get {
            let i = (y * width + x) * 4
            return RGBA8(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2], a: pixels[i + 3])
        }
        set {
            let i = (y * width + x) * 4
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
            pixels[i + 3] = newValue.a
        }
    }
}

public struct RGBA8: Sendable, Equatable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8, a: UInt8
    public init(r: UInt8, g: UInt8, b: UInt8, a: UInt8 = 255) {
        self.r = r
        self.g = g
        self.b = b
        self.a = a
    }
}

/// An opaque colour, as written in manifests and flags: `#rrggbb`, `rrggbb` or `#rgb`.
public struct RGBColor: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public init?(hex: String) {
        var s = Substring(hex)
        if s.hasPrefix("#") { s = s.dropFirst() }
        if s.count == 3 { s = Substring(s.map { "\($0)\($0)" }.joined()) }
        guard s.count == 6, let v = UInt32(s, radix: 16) else { return nil }
        r = UInt8((v >> 16) & 0xFF)
        g = UInt8((v >> 8) & 0xFF)
        b = UInt8(v & 0xFF)
    }

    public static let white = RGBColor(r: 255, g: 255, b: 255)
    public static let black = RGBColor(r: 0, g: 0, b: 0)

    public var description: String {
        "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// A rectangle of pixels.
public struct PixelRect: Sendable, Equatable, Hashable, Codable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}
