import AssetPipeline
import AssetReview
import Foundation
import TestSupport
import Testing

/// The server as `assetpipe review` runs it: bound on 127.0.0.1 port 0, holding the build lock, answering raw
/// HTTP with the Host and Origin a browser (or an attacker's page) would send.
@Suite("review server, live")
struct ReviewLiveTests {
    static func status(
        _ port: Int,
        _ method: String,
        _ path: String,
        host: String,
        origin: String? = nil
    )
        async throws -> Int
    {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\nContent-Length: 2\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        request += "Content-Type: application/json\r\n\r\n{}"
        let answer = String(decoding: try await RawHTTP.exchange(port: port, request), as: UTF8.self)
        let statusLine = answer.prefix { $0 != "\r" }.split(separator: " ")
        return statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
    }

    /// The status of approving `hero/castle` with `token` (a `?token=` query), asked by a page at `origin`.
    static func approveCastle(_ port: Int, _ token: String, origin: String) async throws -> Int {
        try await status(
            port,
            "POST",
            "/api/assets/hero%2Fcastle/approve" + token,
            host: "127.0.0.1:\(port)",
            origin: origin
        )
    }

    @Test func bindsLoopbackHoldsTheBuildLockAndChecksHostOriginAndToken() async throws {
        try await withRunningSimulator(.reviewTests) { sim in
            let project = try await ReviewProject.built(on: sim)
            defer { project.remove() }
            let running = try await ReviewServer.start(
                settings: ReviewSettings(manifestPath: project.manifestPath, connection: connection(to: sim))
            )
            let port = running.port
            #expect(port > 0)
            #expect(running.url == "http://127.0.0.1:\(port)/?token=\(running.token)")
            #expect(running.token.count == 64)

            // A build of the manifest is refused while the server runs.
            #expect(throws: PipelineError.self) { try BuildLock(stateDirectory: project.directory + "/.assetpipe") }

            let t = "?token=" + running.token
            #expect(try await Self.status(port, "GET", "/api/assets" + t, host: "127.0.0.1:\(port)") == 200)
            #expect(try await Self.status(port, "GET", "/" + t, host: "localhost:\(port)") == 200)
            #expect(try await Self.status(port, "GET", "/api/assets", host: "127.0.0.1:\(port)") == 401)
            #expect(try await Self.status(port, "GET", "/api/assets?token=x", host: "127.0.0.1:\(port)") == 401)
            // DNS rebinding: the right token, but a foreign Host.
            #expect(try await Self.status(port, "GET", "/api/assets" + t, host: "evil.example:\(port)") == 403)
            #expect(try await Self.approveCastle(port, t, origin: "http://evil.example") == 403)
            #expect(try project.lock().assets["hero/castle"]?.approval == nil)
            #expect(try await Self.approveCastle(port, t, origin: "http://127.0.0.1:\(port)") == 200)
            #expect(try project.lock().assets["hero/castle"]?.approval != nil)

            await running.stop()
            // Stopped: the build lock is free again.
            let lock = try BuildLock(stateDirectory: project.directory + "/.assetpipe")
            lock.release()
        }
    }

    @Test func refusesToStartWhileABuildHoldsTheLock() async throws {
        try await withRunningSimulator(.reviewTests) { sim in
            let project = try await ReviewProject.built(on: sim)
            defer { project.remove() }
            let lock = try BuildLock(stateDirectory: project.directory + "/.assetpipe")
            defer { lock.release() }
            await #expect(throws: ReviewError.self) {
                _ = try await ReviewServer.start(
                    settings: ReviewSettings(manifestPath: project.manifestPath, connection: nil)
                )
            }
        }
    }
}
