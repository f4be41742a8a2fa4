import CImageShim
import Testing

/// libwebp and libavif are loaded on first use (lazy_library.c). When one is missing, or is a build without a
/// function assetpipe calls, that format is refused as unsupported with a message naming the packages to install.
/// The same loader, given a library that does not exist or lacks the function, shows both messages.
@Suite struct LazyLibraryTests {
    static func check(_ library: String, symbol: String) -> (code: Int32, message: String) {
        var buffer = [CChar](repeating: 0, count: 512)
        let code = ap_lazy_library_check("WebP", library, "libwebp7 libwebpmux3", symbol, &buffer, buffer.count)
        return (code, String(cString: buffer))
    }

    @Test func aMissingLibraryIsUnsupportedAndNamesThePackages() {
        let (code, message) = Self.check("libassetpipe-absent.so.9", symbol: "WebPDecode")
        #expect(code == AP_ERR_UNSUPPORTED)
        #expect(
            message
                == "WebP support is not installed (apt-get install libwebp7 libwebpmux3): libassetpipe-absent.so.9: "
                + "cannot open shared object file: No such file or directory"
        )
    }

    @Test func aLibraryWithoutTheFunctionIsUnsupportedAndSaysWhich() {
        let (code, message) = Self.check("libz.so.1", symbol: "assetpipeNoSuchFunction")
        #expect(code == AP_ERR_UNSUPPORTED)
        #expect(
            message
                == "WebP support is not installed (apt-get install libwebp7 libwebpmux3): the installed library has "
                + "no assetpipeNoSuchFunction"
        )
    }

    @Test func theFallbackNameIsTriedWhenTheFirstIsMissing() {
        let (code, message) = Self.check("libassetpipe-absent.so.9|libz.so.1", symbol: "deflate")
        #expect(code == AP_OK, "\(message)")
    }
}
