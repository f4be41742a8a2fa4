import AssetReview
import Testing

/// The access rules on their own: the token, constant-time comparison, Host and Origin.
@Suite("review access rules")
struct ReviewAccessTests {
    let token = String(repeating: "ab", count: 32)

    @Test func tokensAre32RandomBytesInHex() {
        let a = ReviewAccess.newToken()
        let b = ReviewAccess.newToken()
        #expect(a.count == 64 && a.allSatisfy(\.isHexDigit))
        #expect(a != b)
    }

    @Test func constantTimeComparison() {
        #expect(ReviewAccess.constantTimeEqual(token, token))
        #expect(!ReviewAccess.constantTimeEqual(token, String(token.dropLast()) + "c"))
        #expect(!ReviewAccess.constantTimeEqual(token, String(token.dropLast())))
        #expect(!ReviewAccess.constantTimeEqual(token, ""))
    }

    @Test func loopbackHostsWithTheRightTokenPass() {
        let access = ReviewAccess(token: token, port: 8123)
        #expect(access.refusal(host: "127.0.0.1:8123", origin: nil, token: token) == nil)
        #expect(access.refusal(host: "localhost:8123", origin: "http://localhost:8123", token: token) == nil)
        #expect(access.refusal(host: "LOCALHOST:8123", origin: "http://127.0.0.1:8123", token: token) == nil)
    }

    @Test func aForeignHostOrOriginIs403() {
        let access = ReviewAccess(token: token, port: 8123)
        for host in ["evil.example:8123", "127.0.0.1:8124", "127.0.0.1", "localhost", "", "[::1]:8123"] {
            #expect(access.refusal(host: host, origin: nil, token: token)?.status == 403, "\(host)")
        }
        #expect(access.refusal(host: nil, origin: nil, token: token)?.status == 403)
        for origin in ["http://evil.example", "http://127.0.0.1:8124", "https://127.0.0.1:8123", "null"] {
            #expect(access.refusal(host: "127.0.0.1:8123", origin: origin, token: token)?.status == 403, "\(origin)")
        }
        // Host and Origin are checked before the token: a foreign page learns nothing about it.
        #expect(access.refusal(host: "evil.example:8123", origin: nil, token: nil)?.status == 403)
    }

    @Test func noTokenOrAnotherIs401() {
        let access = ReviewAccess(token: token, port: 8123)
        #expect(access.refusal(host: "127.0.0.1:8123", origin: nil, token: nil)?.status == 401)
        #expect(access.refusal(host: "127.0.0.1:8123", origin: nil, token: "")?.status == 401)
        #expect(access.refusal(host: "127.0.0.1:8123", origin: nil, token: ReviewAccess.newToken())?.status == 401)
    }

    @Test func port80MayBeLeftOut() {
        let access = ReviewAccess(token: token, port: 80)
        #expect(access.refusal(host: "localhost", origin: "http://localhost", token: token) == nil)
        #expect(access.refusal(host: "127.0.0.1:80", origin: nil, token: token) == nil)
    }
}
