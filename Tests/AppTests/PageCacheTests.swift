import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import GeoStore
import Tiles
@testable import App

/// Rendered pages are reused for a few seconds, and forgotten at the first write through the server.
@Suite struct PageCacheTests {
    @Test func aPageIsReusedUntilItsTimeIsUpOrAWriteComes() async throws {
        let f = try WebFixture()
        let store = f.store
        let tiles = try TileService(store: store, configuration: .init(cacheMegabytes: 0))
        let router = buildRouter(store: store, tiles: tiles, requests: RequestPolicy(pageCacheSeconds: 600))
        @Sendable func downloads(_ html: String) -> Int? {
            html.firstMatch(of: /<dt>Lượt tải<\/dt><dd>(\d+)<\/dd>/).flatMap { Int($0.1) }
        }
        try await Application(router: router).test(.router) { client in
            let (_, _, first) = try await WebFixture.page(client, "/datasets/xa-hue?lang=vi")
            #expect(downloads(first) == 0, "\(first.prefix(2000))")
            // Counted by another process (or the batch writer): the page within its time is the one rendered.
            for _ in 0..<3 { try store.recordDownload(dataset: "xa-hue", version: 1, format: "csv") }
            let (_, _, second) = try await WebFixture.page(client, "/datasets/xa-hue?lang=vi")
            #expect(second == first)
            // Another URL is another page.
            let (_, _, english) = try await WebFixture.page(client, "/datasets/xa-hue?lang=en")
            #expect(english != first)
            // A write through the server (here a feedback form) clears every page.
            let sent = try await client.execute(uri: "/feedback", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "category=request-data&message=xin+du+lieu")) { $0.status }
            #expect(sent == .seeOther)
            let (_, _, third) = try await WebFixture.page(client, "/datasets/xa-hue?lang=vi")
            #expect(downloads(third) == 3)
        }
    }

    @Test func pagesExpireAndTheCacheStaysBounded() async throws {
        let cache = PageCache(ttl: 0.2, capacity: 3)
        let renders = RenderCounter()
        @Sendable func render() async throws -> String { "page \(renders.next())" }
        #expect(try await cache.page("a", render: render) == "page 1")
        #expect(try await cache.page("a", render: render) == "page 1")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await cache.page("a", render: render) == "page 2")
        for k in ["b", "c", "d"] { _ = try await cache.page(k, render: render) }
        // Four keys in a cache of three: the oldest ("a") was dropped.
        #expect(try await cache.page("a", render: render) == "page 6")
        #expect(try await PageCache(ttl: 0).page("x", render: render) == "page 7")
        #expect(try await PageCache(ttl: 0).page("x", render: render) == "page 8")
    }
}

final class RenderCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}
