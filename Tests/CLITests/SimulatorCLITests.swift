import Foundation
import TestSupport
import Testing

/// `assetpipe simulator`: a long-running process whose first stdout line is its base URL.
@Suite("assetpipe simulator", .requires(.assetpipeBinary))
struct SimulatorCLITests {
    @Test func printsBaseURLFirstServesAndStopsOnSIGTERM() async throws {
        let server = try AssetpipeBinary.start(["simulator", "--port", "0", "--task-seconds", "0.2", "--seed", "3"])
        defer { server.kill() }
        let first = try await server.firstLine(timeout: .seconds(30))
        let url = try #require(URL(string: first), "first line is not a URL: \(first)")
        #expect(first.hasPrefix("http://127.0.0.1:"))
        let port = try #require(url.port)
        #expect(port > 0)

        let body = #"{"model":"gpt-image-1-official","prompt":"cli"}"#
        let answer = try await SimRawExchange.http(
            port: port,
            "POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
                + body
        )
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains(#""task_id":"task_"#))

        let result = await server.stop(timeout: .seconds(20))
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 1, "only the base URL on stdout: \(result.stdout)")
        #expect(!result.stderr.contains("warning"))
    }

    @Test func requiresTheConfiguredKey() async throws {
        let server = try AssetpipeBinary.start(["simulator", "--key", "s3cret-key"])
        defer { server.kill() }
        let port = try #require(
            URL(string: try await server.firstLine(timeout: .seconds(30)))?.port
        )
        let wrong = try await SimRawExchange.http(
            port: port,
            "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n"
        )
        #expect(wrong.hasPrefix("HTTP/1.1 401"))
        let right = try await SimRawExchange.http(
            port: port,
            "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-key\r\nConnection: close\r\n\r\n"
        )
        #expect(right.hasPrefix("HTTP/1.1 404"))
        let result = await server.stop(timeout: .seconds(20))
        #expect(
            !result.stdout.contains("s3cret-key") && !result.stderr.contains("s3cret-key"),
            "the key is never printed"
        )
    }

    @Test func warnsWhenNotLoopback() async throws {
        let server = try AssetpipeBinary.start(["simulator", "--host", "0.0.0.0"])
        defer { server.kill() }
        _ = try await server.firstLine(timeout: .seconds(30))
        let result = await server.stop(timeout: .seconds(20))
        #expect(
            result.stderr.contains("warning") && result.stderr.contains("reachable from the network"),
            "\(result.stderr)"
        )
    }

    @Test(arguments: [
        ["simulator", "--drop-rate", "1.5"],
        ["simulator", "--rate-limit-rate", "0.6", "--error500-rate", "0.6"],
        ["simulator", "--port", "70000"],
        ["simulator", "--task-seconds", "-1"],
    ])
    func invalidSettingsExit2(arguments: [String]) async throws {
        let server = try AssetpipeBinary.start(arguments)
        defer { server.kill() }
        let result = await server.exit(timeout: .seconds(30))
        #expect(result.exitCode == 2, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func helpIsShortAndNamesTheFlags() async throws {
        let result = try await AssetpipeBinary.run(["simulator", "--help"], timeout: .seconds(30))
        #expect(result.exitCode == 0)
        for flag in [
            "--host", "--port", "--key", "--task-seconds", "--seed", "--fail-rate", "--rate-limit-rate",
            "--retry-after", "--error500-rate", "--error502-rate", "--drop-rate", "--slow-rate", "--slow-seconds",
        ] {
            #expect(result.stdout.contains(flag), "help lacks \(flag)")
        }
    }
}

/// One request over a plain loopback socket; returns the whole answer as text (the request should say
/// `Connection: close`).
enum SimRawExchange {
    static func http(port: Int, _ request: String) async throws -> String {
        String(decoding: try await RawHTTP.exchange(port: port, request, timeoutSeconds: 20), as: UTF8.self)
    }
}
