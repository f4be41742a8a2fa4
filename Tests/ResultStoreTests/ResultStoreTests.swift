import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ResultStore
import TestSupport
import Testing

/// Issue 16 item 1: the result store, content-addressed objects and an index by key and take, in a folder and on a
/// real nginx (WebDAV) started by the test on a free loopback port. Every read checks an object's hash; a corrupt
/// object is refused with `corrupt-object` naming it; an unreachable store is `unreachable`.
///
/// Rerun: `swift test --skip-build --filter ResultStoreTests`.
@Suite struct ResultStoreTests {
    static let key = String(repeating: "ab", count: 32)

    static func sample() -> (StoreEntry, [[UInt8]]) {
        let results: [[UInt8]] = [Array("first raw result".utf8), Array(repeating: 7, count: 100_000)]
        let entry = StoreEntry(
            key: key,
            take: 1,
            asset: "icons/a",
            model: "gpt-image-1",
            taskIDs: ["task-1"],
            billedImages: 2,
            generatedAt: "2026-11-30T01:00:00Z",
            results: results.enumerated().map {
                StoredResult(sha256: Digest.sha256($1), format: "png", bytes: $1.count, width: 64 + $0, height: 64)
            }
        )
        return (entry, results)
    }

    /// What every backend must do: store, look up, fetch checked, miss cleanly, refuse a corrupt object.
    static func exercise(_ store: ResultStore, corrupt: (String) throws -> Void) async throws {
        let (entry, results) = sample()
        #expect(try await store.entry(key: key, take: 1) == nil)
        try await store.save(entry, results: results)
        #expect(try await store.entry(key: key, take: 1) == entry)
        #expect(try await store.entry(key: key, take: 2) == nil)
        #expect(try await store.results(of: entry) == results)
        #expect(try await store.hasObject(sha256: entry.results[0].sha256))
        #expect(try await store.object(sha256: String(repeating: "0", count: 64)) == nil)
        // Saving again (another machine, same results) is harmless.
        try await store.save(entry, results: results)
        #expect(try await store.results(of: entry) == results)

        let victim = entry.results[1].sha256
        try corrupt(ResultStore.objectPath(sha256: victim))
        let error = await #expect(throws: StoreError.self) { _ = try await store.results(of: entry) }
        #expect(error?.code == .corruptObject)
        #expect(error?.message.contains("cas/\(victim.prefix(2))/\(victim)") == true, "\(String(describing: error))")
        #expect(try await store.object(sha256: entry.results[0].sha256) == results[0])
    }

    @Test func folderStoreSavesLooksUpAndRefusesACorruptObject() async throws {
        let folder = try TemporaryFolder("store")
        defer { folder.remove() }
        let store = try ResultStore.open("shared", relativeTo: folder.path)
        #expect(store.location == folder.path + "/shared")
        // The folder must exist: an unmounted shared drive is unreachable, not a new local folder.
        let missing = await #expect(throws: StoreError.self) { _ = try await store.entry(key: Self.key, take: 1) }
        #expect(missing?.code == .unreachable)
        try FileManager.default.createDirectory(atPath: folder.file("shared"), withIntermediateDirectories: true)
        try await Self.exercise(store) { path in
            try Data("tampered".utf8).write(to: URL(fileURLWithPath: folder.file("shared/" + path)))
        }
        // Written atomically: no temporary file is left beside the objects.
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.file("shared"))
        #expect(!files.contains { $0.contains(".tmp-") }, "\(files)")
        #expect(files.contains("index/\(Self.key)-1.json"))
    }

    @Test func aBadIndexEntryIsItsOwnError() async throws {
        let folder = try TemporaryFolder("store")
        defer { folder.remove() }
        let store = ResultStore(backend: FolderBackend(root: folder.path))
        try folder.write("{not json", to: ResultStore.indexPath(key: Self.key, take: 1))
        let error = await #expect(throws: StoreError.self) { _ = try await store.entry(key: Self.key, take: 1) }
        #expect(error?.code == .badIndex)
        let traversal = await #expect(throws: StoreError.self) { _ = try await store.entry(key: "../x", take: 1) }
        #expect(traversal?.code == .configuration)
    }

    @Test func anIndexEntryWithoutItsObjectIsMissingObject() async throws {
        let folder = try TemporaryFolder("store")
        defer { folder.remove() }
        let store = ResultStore(backend: FolderBackend(root: folder.path))
        let (entry, results) = Self.sample()
        try await store.save(entry, results: results)
        try FileManager.default.removeItem(atPath: folder.file(ResultStore.objectPath(sha256: entry.results[0].sha256)))
        let error = await #expect(throws: StoreError.self) { _ = try await store.results(of: entry) }
        #expect(error?.code == .missingObject)
    }

    @Test func locationsAreFoldersOrHTTPURLs() throws {
        #expect(try ResultStore.open("/abs/store", relativeTo: "/x").location == "/abs/store")
        #expect(try ResultStore.open("file:///abs/store/", relativeTo: "/x").location == "/abs/store")
        let http = try ResultStore.open("https://user:pw@cache.example/assets/", relativeTo: "/x")
        #expect(http.location == "https://cache.example/assets")
        #expect(throws: StoreError.self) { try ResultStore.open("ftp://host/x", relativeTo: "/x") }
        let unset = #expect(throws: StoreError.self) {
            try ResultStore.open("http://h/x", authEnvironment: "STORE_TOKEN", relativeTo: "/x", environment: [:])
        }
        #expect(unset?.code == .configuration)
        #expect(unset?.message.contains("STORE_TOKEN") == true)
    }

    @Test(.requires(.nginx)) func httpStoreOnNginxSavesLooksUpAndRefusesACorruptObject() async throws {
        try await NginxStore.with { nginx in
            let store = try ResultStore.open(nginx.baseURL, relativeTo: "/")
            try await Self.exercise(store) { path in
                try Data("tampered".utf8).write(to: URL(fileURLWithPath: nginx.storeFolder + "/" + path))
            }
            let files = try FileManager.default.subpathsOfDirectory(atPath: nginx.storeFolder)
            #expect(files.contains("index/\(Self.key)-1.json"), "\(files)")
        }
    }

    @Test(.requires(.nginx)) func httpStoreSendsTheAuthorizationFromTheNamedVariableAndNeverShowsIt() async throws {
        let secret = "Bearer s3cret-\(UUID().uuidString)"
        try await NginxStore.with(authorization: secret) { nginx in
            let (entry, results) = Self.sample()
            let store = try ResultStore.open(
                nginx.baseURL,
                authEnvironment: "STORE_TOKEN",
                relativeTo: "/",
                environment: ["STORE_TOKEN": secret]
            )
            try await store.save(entry, results: results)
            #expect(try await store.entry(key: Self.key, take: 1) == entry)

            let wrong = try ResultStore.open(
                nginx.baseURL,
                authEnvironment: "STORE_TOKEN",
                relativeTo: "/",
                environment: ["STORE_TOKEN": "Bearer wrong"]
            )
            let error = await #expect(throws: StoreError.self) { _ = try await wrong.entry(key: Self.key, take: 1) }
            #expect(error?.code == .httpStatus)
            #expect(error?.message.contains("401") == true)
            #expect(error.map { !$0.detailedDescription().contains("s3cret") } == true)
        }
    }

    @Test func anUnreachableHTTPStoreIsUnreachable() async throws {
        let port = try NginxStore.freePort()
        let store = try ResultStore.open("http://127.0.0.1:\(port)/store", relativeTo: "/")
        let error = await #expect(throws: StoreError.self) { _ = try await store.entry(key: Self.key, take: 1) }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
    }
}
