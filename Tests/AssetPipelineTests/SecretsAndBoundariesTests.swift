import APIMartClient
import APIMartSimulator
import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// Secrets and boundaries (issue 7): the API key is never written anywhere (stdout, stderr, journal, WAL, lock,
/// caches, tree, gallery); manifest names, output paths and variants cannot write outside the tree; downloads
/// take only http(s), are size-capped, format-checked and redirect-bounded; URLs are shown without credentials;
/// the simulator binds loopback unless told otherwise and warns when it is.
///
/// Rerun: `swift test --filter SecretsAndBoundariesTests`.
@Suite(.serialized) struct SecretsAndBoundariesTests {
    static let key = "sk-LEAKCHECK-0123456789abcdef"
    static let wrongKey = "sk-WRONGKEY-fedcba9876543210"

    /// Every regular file under `dir` (recursively, hidden ones included) whose bytes contain `needle`.
    static func filesContaining(_ needle: String, under dir: String) -> (hits: [String], files: Int, bytes: Int) {
        let pattern = Array(needle.utf8)
        var hits: [String] = []
        var files = 0
        var bytes = 0
        let enumerator = FileManager.default.enumerator(atPath: dir)
        while let rel = enumerator?.nextObject() as? String {
            let full = dir + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                let data = FileManager.default.contents(atPath: full)
            else { continue }
            files += 1
            bytes += data.count
            let content = [UInt8](data)
            // Also the UTF-16 form (SQLite may store text as UTF-16).
            let utf16 = Array(needle.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            if contains(content, pattern) || contains(content, utf16) { hits.append(rel) }
        }
        return (hits, files, bytes)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first && Array(haystack[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }

    // MARK: - The key

    @Test(.timeLimit(.minutes(TestTime.minutes(3))), .requires(.assetpipeBinary))
    func theKeyIsNeverWrittenAnywhere() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(
            SimulatorConfiguration(requiredKey: Self.key, taskDuration: .milliseconds(200))
        ) { sim in
            var said: [ChildProcess.Outcome] = []
            let env: [String: String?] = ["APIMART_API_KEY": Self.key, "APIMART_BASE_URL": nil]
            // A full build (plain event lines on stderr), then the same as JSON, a dry run, a check.
            let build = try await AssetpipeBinary.run(
                ["build", project.dir, "--base-url", sim.baseURL, "--jobs", "3"],
                environment: env
            )
            #expect(build.exitCode == 0, "\(build)")
            said.append(build)
            said.append(
                try await AssetpipeBinary.run(
                    ["build", project.dir, "--base-url", sim.baseURL, "--json"],
                    environment: env
                )
            )
            said.append(
                try await AssetpipeBinary.run(
                    ["build", project.dir, "--dry-run", "--base-url", sim.baseURL],
                    environment: env
                )
            )
            // The simulator took exactly that key: the build really sent it.
            #expect(await sim.stats.submissions == 3)
            // One asset changed, built with a wrong key: 401, exit 3, neither key shown.
            try project.write(
                "assetpipe.yaml",
                Manifests.standard.replacingOccurrences(of: "starry night", with: "red sunset")
            )
            let refused = try await AssetpipeBinary.run(
                ["build", project.dir, "--base-url", sim.baseURL, "--json"],
                environment: ["APIMART_API_KEY": Self.wrongKey, "APIMART_BASE_URL": nil]
            )
            #expect(refused.exitCode == 3, "\(refused)")
            said.append(refused)
            // `generate` writes into the project too; its output is searched with the rest.
            let generated = try await AssetpipeBinary.run(
                [
                    "generate", "--prompt", "a leak check", "--out", project.path("one-off"), "--json", "--base-url",
                    sim.baseURL,
                    "--image", project.path("sources/robot.png"),
                ],
                environment: env
            )
            #expect(generated.exitCode == 0, "\(generated)")
            said.append(generated)
            // A gallery of the tree, when the command exists.
            said.append(
                try await AssetpipeBinary.run(
                    ["gallery", project.dir, "--output", project.path("gallery")],
                    environment: env
                )
            )
            // The build again in process, with every event's text kept.
            let events = EventLog()
            try project.write(
                "assetpipe.yaml",
                Manifests.standard.replacingOccurrences(of: "starry night", with: "green aurora")
            )
            let report = try await Pipeline.build(
                manifest: try project.manifest(),
                connection: Connection(baseURL: sim.baseURL, apiKey: Self.key, pollPolicy: TestAPI.fastPolls),
                options: BuildOptions(jobs: 2),
                observer: events
            )
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            let config = try APIMartConfiguration(baseURL: sim.baseURL, apiKey: Secret(Self.key))
            var dumped = ""
            dump(config, to: &dumped)
            let shown = [
                "\(config)", String(reflecting: config), dumped, "\(config.apiKey)", String(reflecting: config.apiKey),
            ]

            for leak in [Self.key, Self.wrongKey] {
                for run in said {
                    #expect(!run.stdout.contains(leak), "the key is on stdout: \(run)")
                    #expect(!run.stderr.contains(leak), "the key is on stderr: \(run)")
                }
                #expect(!events.text.contains(leak), "the key is in a build event")
                #expect(!shown.joined().contains(leak), "the configuration shows the key")
                let scan = Self.filesContaining(leak, under: project.dir)
                #expect(scan.hits.isEmpty, "the key is written in \(scan.hits)")
                #expect(scan.files > 10)
                print(
                    "key search: \(scan.files) files, \(scan.bytes) bytes searched (tree, lock, journal + WAL, caches, gallery), \(scan.hits.count) hits"
                )
            }
            #expect(project.exists(".assetpipe/journal.sqlite"))
        }
    }

    final class EventLog: BuildObserver {
        private let lines = LockedBox<[String]>([])
        func handle(_ event: BuildEvent) { lines.withLockedValue { $0.append("\(event)") } }
        var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }
    }

    // MARK: - Paths out of the tree

    /// Every way a manifest could name a place outside the tree is a manifest error (code path-escape or
    /// manifest, with the file and line), and nothing is written outside.
    @Test(arguments: [
        ("name: ../escape", "name"),
        ("name: ../../etc/escape", "name"),
        ("name: icons/../../escape", "name"),
        ("name: /tmp/escape", "name"),
        ("name: ~/escape", "name"),
        ("name: \"a\\\\b\"", "name"),
        ("name: a//b", "name"),
        ("name: ./a", "name"),
        ("name: a/", "name"),
        ("name: ok\n    outputs:\n      - format: png\n        suffix: /../../escape", "suffix"),
        ("name: ok\n    outputs:\n      - format: png\n        suffix: \"..\"", "suffix"),
        ("name: ok\n    outputs:\n      - format: png\n        suffix: \"@2x/../../x\"", "suffix"),
    ])
    func namesThatLeaveTheTreeAreRefused(entry: String, what: String) throws {
        let outside = try Self.outsideFolder()
        defer { try? FileManager.default.removeItem(atPath: outside) }
        let project = try TempProject(
            manifest: "assets:\n  - \(entry)\n    prompt: x\n",
            sources: false
        )
        do {
            _ = try project.manifest()
            Issue.record("\(entry): accepted")
        } catch let e as PipelineError {
            #expect(e.code == .pathEscape || e.code == .manifest, "\(entry): \(e.code)")
            #expect(e.location != nil, "\(entry): no line")
            #expect(e.description.contains("assetpipe.yaml"), "\(e)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
    }

    @Test(arguments: ["../outside", "/tmp/outside", "generated/../../x", "~/x"])
    func anOutputFolderOutsideTheProjectIsRefused(output: String) throws {
        let project = try TempProject(
            manifest: "output: \(output)\nassets:\n  - name: a\n    prompt: x\n",
            sources: false
        )
        #expect {
            try project.manifest()
        } throws: { error in
            (error as? PipelineError)?.code == .pathEscape
        }
    }

    static func outsideFolder() throws -> String { try TemporaryFolder("outside").path }

    /// Symbolic links inside the tree that point out: the output folder itself, a folder in it, an output file,
    /// a dangling link to a folder that does not exist yet, and a link made after the manifest was read (the
    /// write-time check). Refused; nothing appears outside.
    @Test(.timeLimit(.minutes(TestTime.minutes(2))))
    func symbolicLinksOutOfTheTreeAreRefused() async throws {
        let manifest = "assets:\n  - name: linked/pic\n    prompt: a picture\n    quality: low\n"
        try await withRunningSimulator(.pipelineTests) { sim in
            for kind in [
                "output-folder", "sub-folder", "output-file", "output-file-dangling", "dangling", "after-load",
            ] {
                let outside = try Self.outsideFolder()
                defer { try? FileManager.default.removeItem(atPath: outside) }
                let project = try TempProject(manifest: manifest, sources: false)
                let fm = FileManager.default
                var loadedEarly: Manifest?
                switch kind {
                case "output-folder":
                    try fm.createSymbolicLink(atPath: project.path("generated"), withDestinationPath: outside)
                case "sub-folder":
                    try fm.createDirectory(atPath: project.path("generated"), withIntermediateDirectories: true)
                    try fm.createSymbolicLink(atPath: project.path("generated/linked"), withDestinationPath: outside)
                case "output-file":
                    // A link to an existing file outside: its content must survive.
                    try fm.createDirectory(atPath: project.path("generated/linked"), withIntermediateDirectories: true)
                    try "precious".write(toFile: outside + "/pic.png", atomically: false, encoding: .utf8)
                    try fm.createSymbolicLink(
                        atPath: project.path("generated/linked/pic.png"),
                        withDestinationPath: outside + "/pic.png"
                    )
                case "output-file-dangling":
                    // A link to a file that does not exist: the atomic rename replaces the link itself.
                    try fm.createDirectory(atPath: project.path("generated/linked"), withIntermediateDirectories: true)
                    try fm.createSymbolicLink(
                        atPath: project.path("generated/linked/pic.png"),
                        withDestinationPath: outside + "/pic.png"
                    )
                case "dangling":
                    try fm.createDirectory(atPath: project.path("generated"), withIntermediateDirectories: true)
                    try fm.createSymbolicLink(
                        atPath: project.path("generated/linked"),
                        withDestinationPath: outside + "/not-yet"
                    )
                default:
                    loadedEarly = try project.manifest()
                    try fm.createDirectory(atPath: project.path("generated"), withIntermediateDirectories: true)
                    try fm.createSymbolicLink(atPath: project.path("generated/linked"), withDestinationPath: outside)
                }
                var refusedWith: String?
                do {
                    let m = try loadedEarly ?? project.manifest()
                    let report = try await Pipeline.build(
                        manifest: m,
                        connection: TestAPI.connection(sim),
                        options: BuildOptions(jobs: 1)
                    )
                    if let failed = report.assets.first(where: { $0.status == .failed }) {
                        refusedWith = "\(failed.errorCode ?? ""): \(failed.error ?? "")"
                    }
                } catch let e as PipelineError {
                    refusedWith = "\(e.code.rawValue): \(e)"
                }
                let written = (fm.enumerator(atPath: outside)?.allObjects as? [String] ?? []).filter { $0 != "pic.png" }
                #expect(written.isEmpty, "\(kind): written outside the tree: \(written)")
                if kind == "output-file" {
                    #expect((try? String(contentsOfFile: outside + "/pic.png", encoding: .utf8)) == "precious")
                }
                switch kind {
                case "output-file-dangling":
                    // Built: the link was replaced by a regular file inside the tree; nothing went out.
                    var isLink = false
                    if let type = try? fm.attributesOfItem(atPath: project.path("generated/linked/pic.png"))[.type]
                        as? FileAttributeType
                    {
                        isLink = type == .typeSymbolicLink
                    }
                    #expect(refusedWith != nil || !isLink, "\(kind): the link survived")
                    #expect(!fm.fileExists(atPath: outside + "/pic.png"))
                default:
                    #expect(refusedWith?.contains("path-escape") == true, "\(kind): \(refusedWith ?? "built")")
                    #expect(
                        refusedWith?.contains("symbolic link") == true || refusedWith?.contains("leads out") == true,
                        "\(kind): \(refusedWith ?? "")"
                    )
                }
            }
        }
    }

    // MARK: - Downloads

    @Test(.timeLimit(.minutes(TestTime.minutes(2))))
    func downloadsTakeOnlyHTTPAreCappedCheckedAndRedirectBounded() async throws {
        let png = try ImageEncoder.png(RGBAImage(width: 4, height: 4, fill: RGBA8(r: 1, g: 2, b: 3, a: 255)))
        let jpeg = try ImageEncoder.jpeg(RGBAImage(width: 4, height: 4, fill: RGBA8(r: 1, g: 2, b: 3, a: 255)))
        let stub = try StubHTTPServer { path, port in
            func redirect(_ to: String) -> StubHTTPServer.Answer {
                .init(status: 302, headers: ["Location": to], body: [])
            }
            switch path {
            case "/png": return .init(status: 200, headers: ["Content-Type": "image/png"], body: png)
            case "/jpeg": return .init(status: 200, headers: ["Content-Type": "image/png"], body: jpeg)
            case "/html":
                return .init(
                    status: 200,
                    headers: ["Content-Type": "image/png"],
                    body: Array("<html>not an image</html>".utf8)
                )
            case "/big":
                return .init(
                    status: 200,
                    headers: ["Content-Type": "image/png"],
                    body: png + [UInt8](repeating: 0, count: 300_000)
                )
            case "/loop": return redirect("/loop")
            case "/to-file": return redirect("file:///etc/passwd")
            case "/to-ftp": return redirect("ftp://127.0.0.1/x.png")
            case "/to-creds": return redirect("http://user:hunter2@127.0.0.1:\(port)/gone?token=sekrit")
            default:
                if path.hasPrefix("/hop/"), let n = Int(path.dropFirst(5)) {
                    return n == 0 ? .init(status: 200, headers: [:], body: png) : redirect("/hop/\(n - 1)")
                }
                return .init(status: 404, headers: [:], body: Array("missing".utf8))
            }
        }
        defer { stub.stop() }
        let base = "http://127.0.0.1:\(stub.port)"
        let client = APIMartClient(
            configuration: try APIMartConfiguration(
                baseURL: base,
                apiKey: Secret(Self.key),
                retryPolicy: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(10)),
                maxDownloadBytes: 100_000,
                maxDownloadRedirects: 5
            )
        )

        #expect(try await client.download(base + "/png", expect: .png) == png)
        #expect(try await client.download(base + "/hop/5", expect: .png) == png)  // 5 redirects: allowed

        var tried = 2
        let refusals: [(String, ImageFormat?, String)] = [
            ("file:///etc/passwd", .png, "only http and https"),
            ("ftp://127.0.0.1/x.png", .png, "only http and https"),
            ("gopher://127.0.0.1/x", nil, "only http and https"),
            ("data:image/png;base64,iVBORw0KGgo=", .png, "only http and https"),
            ("/relative/path.png", .png, "only http and https"),
            (base + "/to-file", .png, "only http and https"),
            (base + "/to-ftp", .png, "only http and https"),
            (base + "/big", .png, "larger than the download cap"),
            (base + "/jpeg", .png, "is not a png image"),
            (base + "/html", .png, "not a png image"),
            (base + "/html", nil, "not an image"),
            (base + "/loop", .png, "redirects too often"),
            (base + "/hop/6", .png, "redirects too often"),
            (base + "/to-creds", .png, "answered 404"),
            ("http://user:hunter2@127.0.0.1:\(stub.port)/gone?token=sekrit", .png, "answered 404"),
        ]
        for (url, expect, says) in refusals {
            tried += 1
            do {
                _ = try await client.download(url, expect: expect)
                Issue.record("\(url): downloaded")
            } catch let e as APIMartError {
                let text = "\(e)" + e.message
                #expect(text.contains(says), "\(url): \(text)")
                #expect(!text.contains("hunter2") && !text.contains("sekrit"), "\(url): credentials shown: \(text)")
                #expect(!text.contains(Self.key))
            }
        }
        // Downloads never carry the key (result URLs may be anyone's).
        #expect(!stub.requestsSeen.contains(Self.key), "\(stub.requestsSeen)")
        #expect(!stub.requestsSeen.contains("/etc/passwd"))
        print("download refusals: \(tried) URLs tried, \(refusals.count) refused")
    }

    @Test func urlsAreShownWithoutCredentials() {
        for url in [
            "http://user:hunter2@example.com/x.png", "https://user:hunter2@example.com:8443/x?sig=sekrit",
            "http://hunter2@example.com/a", "https://example.com/x.png?token=sekrit#frag",
            "http://user:hunter2@exa mple.com/bad url", "https://user:hunter2@host/a b?sig=sekrit",
            "http://user:hunter2@bad host:80/x#sekrit",
            "http://user:hunter2@[::1]:80/x",
        ] {
            let shown = URLRedaction.redact(url)
            #expect(!shown.contains("hunter2") && !shown.contains("sekrit"), "\(url) → \(shown)")
        }
        // A base URL with credentials is refused, and the refusal does not repeat them.
        do {
            _ = try APIMartConfiguration(baseURL: "https://user:hunter2@api.example.com", apiKey: Secret(Self.key))
            Issue.record("a base URL with credentials was accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"), "\(error)")
        }
    }

    // MARK: - Simulator binding

    @Test func theSimulatorBindsLoopbackByDefault() async throws {
        #expect(SimulatorConfiguration().host == "127.0.0.1")
        #expect(SimulatorConfiguration().bindsLoopbackOnly)
        #expect(!SimulatorConfiguration(host: "0.0.0.0").bindsLoopbackOnly)
        try await withRunningSimulator(.pipelineTests) { sim in
            #expect(sim.baseURL.hasPrefix("http://127.0.0.1:"))
        }
    }

    /// `assetpipe simulator --host 0.0.0.0` says on stderr that it is reachable from the network; it is stopped
    /// at once and no traffic is sent to it.
    @Test(.timeLimit(.minutes(TestTime.minutes(1))), .requires(.assetpipeBinary))
    func theSimulatorWarnsWhenNotOnLoopback() async throws {
        let exposed = try AssetpipeBinary.start(["simulator", "--host", "0.0.0.0", "--port", "0"])
        defer { exposed.kill() }
        _ = try await exposed.waitForStderr("warning", timeout: .seconds(10))
        let err = await exposed.stop().stderr
        #expect(err.contains("warning: bound to 0.0.0.0"), "\(err)")
        #expect(err.contains("reachable from the network"), "\(err)")

        // The default says nothing of the kind.
        let quiet = try AssetpipeBinary.start(["simulator", "--port", "0"])
        defer { quiet.kill() }
        let out = try await quiet.firstLine(timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(100))
        let said = await quiet.stop()
        #expect(out.hasPrefix("http://127.0.0.1:"), "\(out)")
        #expect(!said.stderr.contains("warning"))
    }
}

/// A tiny HTTP/1.1 server on loopback (blocking sockets, one thread, `Connection: close`) for answers the
/// simulator never gives: redirects, lies about the format, oversized bodies.
final class StubHTTPServer: Sendable {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    let fd: Int32
    let port: Int
    private let seen = LockedBox<[String]>([])

    var requestsSeen: String { seen.withLockedValue { $0.joined(separator: "\n") } }

    init(_ handler: @escaping @Sendable (_ path: String, _ port: Int) -> Answer) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StubError() }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 32) == 0 else {
            close(fd)
            throw StubError()
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.fd = fd
        let port = Int(UInt16(bigEndian: addr.sin_port))
        self.port = port
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                var request: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !StubHTTPServer.headerEnds(request) {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    request += buffer[0..<n]
                }
                let text = String(decoding: request, as: UTF8.self)
                self.seen.withLockedValue { $0.append(text) }
                let path = text.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
                let answer = handler(path, port)
                var head =
                    "HTTP/1.1 \(answer.status) X\r\nContent-Length: \(answer.body.count)\r\nConnection: close\r\n"
                for (k, v) in answer.headers { head += "\(k): \(v)\r\n" }
                let bytes = Array((head + "\r\n").utf8) + answer.body
                var sent = 0
                while sent < bytes.count {
                    let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    sent += n
                }
                close(client)
            }
        }
    }

    static func headerEnds(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && contains(bytes, [13, 10, 13, 10])
    }

    static func contains(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count >= b.count else { return false }
        for i in 0...(a.count - b.count) where Array(a[i..<(i + b.count)]) == b { return true }
        return false
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    struct StubError: Error {}
}
