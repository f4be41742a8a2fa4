import Crypto
import Foundation

/// SHA-256 helpers: hex digests of bytes and of files (streamed). A module of its own beside `AssetpipeBasics`
/// so that the image codec, which needs no digest, does not link swift-crypto (its binaries stay small: the
/// 8192² transparency scan peaks at 7 MB, not 12).
public enum Digest {
    public static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hex(hasher.finalize())
    }

    public static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// The digest of a file's bytes, read in 1 MiB chunks; nil when it cannot be read.
    public static func sha256(file path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            return nil
        }
        return hex(hasher.finalize())
    }

    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        var text = ""
        text.reserveCapacity(64)
        for b in digest {
            text += String(b >> 4, radix: 16) + String(b & 0xF, radix: 16)
        }
        return text
    }
}
