import APIMartSimulator
import AssetPipeline
import AssetReview
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Every route through HummingbirdTesting (in process, `.router`; its requests come from `localhost`, port 80),
/// on a project built on the simulator, with the session holding the project's build lock as the server does.
@Suite("review routes", .serialized)
struct ReviewRouteTests {
    static let token = ReviewAccess.newToken()

    /// Runs `body` with the router's test client over a built project; the simulator serves regenerations.
    func withReview(
        maxImages: Int? = nil,
        simulator: SimulatorConfiguration = .reviewTests,
        _ body: @escaping @Sendable (any TestClientProtocol, ReviewProject) async throws -> Void
    ) async throws {
        try await withRunningSimulator(simulator) { sim in
            let project = try await ReviewProject.built(on: sim)
            defer { project.remove() }
            let buildLock = try BuildLock(stateDirectory: project.directory + "/.assetpipe")
            defer { buildLock.release() }
            let session = ReviewSession(
                settings: ReviewSettings(
                    manifestPath: project.manifestPath,
                    connection: connection(to: sim),
                    maxImages: maxImages
                ),
                buildLock: buildLock,
                token: Self.token
            )
            let app = ReviewServer.application(session: session, access: ReviewAccess(token: Self.token, port: 80))
            try await app.test(.router) { client in try await body(client, project) }
        }
    }

    static func q(_ path: String) -> String { path + "?token=" + token }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        let body = Data(response.body.readableBytesView)
        return try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }

    /// The answer's `error.message` and `error.code`.
    static func error(_ response: TestResponse) throws -> (message: String, code: String) {
        let inner = try json(response)["error"] as? [String: Any]
        return (inner?["message"] as? String ?? "", inner?["code"] as? String ?? "")
    }

    static func text(_ response: TestResponse) -> String {
        String(buffer: response.body)
    }

    @Test func everyRouteNeedsTheToken() async throws {
        try await withReview { client, _ in
            for path in [
                "/", "/api/assets", "/api/assets/hero%2Fcastle", "/thumbs/x.png", "/files/generated/a.png",
                "/no-such-route",
            ] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized, "\(path)") }
                try await client.execute(uri: path + "?token=" + ReviewAccess.newToken(), method: .get) {
                    #expect($0.status == .unauthorized, "\(path)")
                }
            }
            try await client.execute(uri: "/api/assets/hero%2Fcastle/approve", method: .post) {
                #expect($0.status == .unauthorized)
                let answer = try Self.json($0)
                #expect(answer["error"] != nil)
            }
        }
    }

    @Test func aHostThatIsNotThisServersIs403EvenWithTheToken() async throws {
        try await withRunningSimulator(.reviewTests) { sim in
            let project = try await ReviewProject.built(on: sim)
            defer { project.remove() }
            let buildLock = try BuildLock(stateDirectory: project.directory + "/.assetpipe")
            defer { buildLock.release() }
            let session = ReviewSession(
                settings: ReviewSettings(manifestPath: project.manifestPath, connection: nil),
                buildLock: buildLock,
                token: Self.token
            )
            // The server is on port 8123; the test client's requests say Host: localhost (port 80).
            let app = ReviewServer.application(session: session, access: ReviewAccess(token: Self.token, port: 8123))
            try await app.test(.router) { client in
                for path in ["/", "/api/assets", "/api/assets/hero%2Fcastle"] {
                    try await client.execute(uri: Self.q(path), method: .get) {
                        #expect($0.status == .forbidden, "\(path)")
                    }
                }
                try await client.execute(uri: Self.q("/api/assets/hero%2Fcastle/approve"), method: .post) {
                    #expect($0.status == .forbidden)
                }
            }
            #expect(try project.lock().assets["hero/castle"]?.approval == nil)
        }
    }

    @Test func aForeignOriginIs403EvenWithTheToken() async throws {
        try await withReview { client, project in
            try await client.execute(
                uri: Self.q("/api/assets/hero%2Fcastle/approve"),
                method: .post,
                headers: [.origin: "http://evil.example"]
            ) { #expect($0.status == .forbidden) }
            #expect(try project.lock().assets["hero/castle"]?.approval == nil)
            try await client.execute(uri: Self.q("/api/assets"), method: .get, headers: [.origin: "http://localhost"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func thePageHasEveryAssetWithButtonsAndTokenCheckedImages() async throws {
        try await withReview { client, _ in
            let html = try await client.execute(uri: Self.q("/"), method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(response.headers[.init("X-Frame-Options")!] == "DENY")
                return Self.text(response)
            }
            #expect(html.contains(#"data-name="hero%2Fcastle""#))
            #expect(html.contains(#"data-action="pick" data-candidate="2""#))
            #expect(html.contains(#"data-action="regenerate""#) && html.contains(#"data-action="approve""#))
            #expect(html.contains("connect-src 'self'"))
            // Every image comes from this server's token-checked routes, and loads.
            let sources = html.components(separatedBy: #" src=""#).dropFirst().map { $0.prefix { $0 != "\"" } }
            #expect(!sources.isEmpty)
            for src in sources {
                #expect(src.hasPrefix("/thumbs/") && src.hasSuffix("?token=" + Self.token), "\(src)")
                try await client.execute(uri: String(src), method: .get) { response in
                    let type = src.contains(".png?") ? "image/png" : "image/jpeg"
                    #expect(response.status == .ok && response.headers[.contentType] == type, "\(src)")
                }
            }
            let links = html.components(separatedBy: #"<a href=""#).dropFirst().map { $0.prefix { $0 != "\"" } }
                .filter { $0.hasPrefix("/files/") }
            #expect(links.contains { $0.hasPrefix("/files/generated/hero/castle-2.png?token=") })
            for link in links {
                try await client.execute(uri: String(link), method: .get) { #expect($0.status == .ok, "\(link)") }
            }
        }
    }

    @Test func filesOutsideTheTreeInputsAndHistoryAreNotServed() async throws {
        try await withReview { client, project in
            try "secret".write(toFile: project.directory + "/.env", atomically: true, encoding: .utf8)
            for path in [
                "/files/.env", "/files/assetpipe.yaml", "/files/.assetpipe/journal.sqlite",
                "/files/generated/..%2F.env", "/files/../etc/passwd", "/thumbs/..%2F..%2Fassetpipe.yaml",
            ] {
                try await client.execute(uri: Self.q(path), method: .get) { #expect($0.status == .notFound, "\(path)") }
            }
        }
    }

    @Test func listsAssetsAndOneByItsEncodedName() async throws {
        try await withReview { client, _ in
            let all = try await client.execute(uri: Self.q("/api/assets"), method: .get) { try Self.json($0) }
            let assets = try #require(all["assets"] as? [[String: Any]])
            #expect(assets.map { $0["name"] as? String } == ["hero/castle", "icons/bottle"])
            let hero = try await client.execute(uri: Self.q("/api/assets/hero%2Fcastle"), method: .get) {
                #expect($0.status == .ok)
                return try Self.json($0)
            }
            #expect(hero["candidates"] as? Int == 2)
            #expect(hero["take"] as? Int == 1)
            #expect(hero["approved"] as? Bool == false)
            #expect(hero["imagesBilled"] as? Int == 2)
            #expect((hero["outputs"] as? [[String: Any]])?.map { $0["candidate"] as? Int } == [1, 2])
            #expect(hero["status"] as? String == "built")
            try await client.execute(uri: Self.q("/api/assets/no%2Fsuch"), method: .get) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: Self.q("/api/assets/hero%2Fcastle/card"), method: .get) {
                #expect($0.status == .ok)
                #expect(Self.text($0).contains(#"data-name="hero%2Fcastle""#))
            }
        }
    }

    @Test func approveRecordsWhoWhichTakeAndKey() async throws {
        try await withReview { client, project in
            let answer = try await client.execute(uri: Self.q("/api/assets/hero%2Fcastle/approve"), method: .post) {
                #expect($0.status == .ok)
                return try Self.json($0)
            }
            #expect(answer["approved"] as? Bool == true)
            let entry = try #require(try project.lock().assets["hero/castle"])
            let approval = try #require(entry.approval)
            #expect(approval.key == entry.key && approval.take == 1 && approval.by == Approval.reviewer())
            #expect(try project.lock().assets["icons/bottle"]?.approval == nil)
        }
    }

    @Test func rollbackWithNothingKeptIs409AndChangesNothing() async throws {
        try await withReview { client, project in
            let before = try project.lock()
            try await client.execute(uri: Self.q("/api/assets/icons%2Fbottle/rollback"), method: .post) {
                #expect($0.status == .conflict)
                let message = try Self.error($0).message
                #expect(message.contains("no previous state"), "\(message)")
            }
            #expect(try project.lock() == before)
        }
    }

    @Test func regeneratePlanShowsTheCostAndSubmitsNothing() async throws {
        try await withReview { client, project in
            let before = try project.lock()
            let plan = try await client.execute(
                uri: Self.q("/api/assets/hero%2Fcastle/regenerate"),
                method: .post,
                body: ByteBuffer(string: #"{"confirm": false}"#)
            ) {
                #expect($0.status == .ok)
                return try Self.json($0)
            }
            #expect(plan["asset"] as? String == "hero/castle")
            #expect(plan["imagesToBill"] as? Int == 2)
            #expect(plan["cost"] as? Double == 0.02)
            #expect((plan["question"] as? String)?.contains("It bills 2 images (cost 0.02)") == true)
            #expect(try project.lock() == before)
        }
    }

    @Test func regenerationAboveMaxImagesIsRefused() async throws {
        try await withReview(maxImages: 1) { client, project in
            let before = try project.lock()
            try await client.execute(
                uri: Self.q("/api/assets/hero%2Fcastle/regenerate"),
                method: .post,
                body: ByteBuffer(string: #"{"confirm": true}"#)
            ) {
                #expect($0.status == .conflict)
                let message = try Self.error($0).message
                #expect(message.contains("--max-images 1"), "\(message)")
            }
            #expect(try project.lock() == before)
        }
    }

    @Test func malformedBodiesAre400() async throws {
        try await withReview { client, _ in
            try await client.execute(
                uri: Self.q("/api/assets/hero%2Fcastle/pick"),
                method: .post,
                body: ByteBuffer(string: "{}")
            ) { #expect($0.status == .badRequest) }
            try await client.execute(
                uri: Self.q("/api/assets/hero%2Fcastle/regenerate"),
                method: .post,
                body: ByteBuffer(string: "not json")
            ) { #expect($0.status == .badRequest) }
        }
    }

    @Test func pickRegenerateAndRollBackThroughTheAPI() async throws {
        // Tasks of 1.5 s, so a change asked during the regeneration meets it running.
        try await withReview(simulator: SimulatorConfiguration(taskDuration: .milliseconds(1500))) { client, project in
            let hero = "/api/assets/hero%2Fcastle"
            let first = try #require(try project.lock().assets["hero/castle"])

            var answer = try await client.execute(
                uri: Self.q(hero + "/pick"),
                method: .post,
                body: ByteBuffer(string: #"{"candidate": 2}"#)
            ) {
                #expect($0.status == .ok, "\(Self.text($0))")
                return try Self.json($0)
            }
            #expect(answer["pick"] as? Int == 2)
            #expect(try project.lock().assets["hero/castle"]?.pick == 2)
            #expect(FileManager.default.fileExists(atPath: project.directory + "/generated/hero/castle.png"))
            #expect(!FileManager.default.fileExists(atPath: project.directory + "/generated/hero/castle-1.png"))

            answer = try await client.execute(
                uri: Self.q(hero + "/pick"),
                method: .post,
                body: ByteBuffer(string: #"{"candidate": null}"#)
            ) { try Self.json($0) }
            #expect(answer["pick"] == nil || answer["pick"] is NSNull)
            #expect(try project.lock().assets["hero/castle"]?.pick == nil)
            #expect(FileManager.default.fileExists(atPath: project.directory + "/generated/hero/castle-1.png"))

            try await client.execute(
                uri: Self.q(hero + "/pick"),
                method: .post,
                body: ByteBuffer(string: #"{"candidate": 3}"#)
            ) { #expect($0.status == .badRequest) }

            // Regenerate: 202 at once, then the asset's regeneration runs to its end.
            answer = try await client.execute(
                uri: Self.q(hero + "/regenerate"),
                method: .post,
                body: ByteBuffer(string: #"{"confirm": true}"#)
            ) {
                #expect($0.status == .accepted, "\(Self.text($0))")
                return try Self.json($0)
            }
            #expect((answer["regeneration"] as? [String: Any])?["state"] as? String == "running")
            // Changes wait while it runs.
            try await client.execute(uri: Self.q(hero + "/approve"), method: .post) { response in
                #expect(response.status == .conflict)
                let code = try Self.error(response).code
                #expect(code == "busy")
            }
            var state = "running"
            for _ in 0..<300 where state == "running" {
                try await Task.sleep(for: .milliseconds(100))
                let now = try await client.execute(uri: Self.q(hero), method: .get) { try Self.json($0) }
                state = (now["regeneration"] as? [String: Any])?["state"] as? String ?? "none"
            }
            #expect(state == "finished")
            let second = try #require(try project.lock().assets["hero/castle"])
            #expect(second.takeNumber == 2 && second.key != first.key && second.taskIDs != first.taskIDs)

            answer = try await client.execute(uri: Self.q(hero + "/rollback"), method: .post) {
                #expect($0.status == .ok, "\(Self.text($0))")
                return try Self.json($0)
            }
            #expect(answer["take"] as? Int == 1)
            let back = try #require(try project.lock().assets["hero/castle"])
            #expect(back.key == first.key && back.taskIDs == first.taskIDs)
        }
    }
}
