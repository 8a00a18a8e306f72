import Foundation
import Testing
import TestSupport
import Hummingbird
import HummingbirdTesting
import GeoStore
import GRDB
import Ingest
import Tiles
@testable import App

/// A bounding box that is not a number, or not on the Earth, already in a store (an older
/// store, or a row written by another tool): every document and tile still answers.
@Suite struct BadStoredBoundingBoxTests {
    static let boxes: [[Double]] = [
        [-.infinity, -.infinity, .infinity, .infinity],
        [.nan, 16.4, .nan, 16.5],                     // SQLite stores NaN as NULL
        [1e300, 1e300, 1e300, 1e300],
        [-1e308, -1e308, 1e308, 1e308],
        [108, 17, 107, 16],                           // inverted
        [107.5, .infinity, 107.7, 16.5],
    ]

    @Test(arguments: BadStoredBoundingBoxTests.boxes)
    func documentsAndTilesStillAnswer(box: [Double]) async throws {
        let f = try SkeletonFixture()
        try await f.store.pool.write { db in
            try db.execute(sql: "UPDATE dataset_versions SET min_x = ?, min_y = ?, max_x = ?, max_y = ?",
                           arguments: [box[0], box[1], box[2], box[3]])
        }
        try await Application(router: f.router).test(.router) { client in
            for uri in ["/api/datasets", "/api/catalog", "/api/catalog/xa-hue", "/catalog.jsonld",
                        "/api/3/action/package_show?id=xa-hue", "/api/3/action/package_search",
                        "/ogc/collections", "/ogc/collections/xa-hue",
                        "/tiles/xa-hue.json", "/collections/xa-hue/tiles/WebMercatorQuad",
                        "/tiles/xa-hue/0/0/0.mvt", "/tiles/xa-hue/12/3272/1858.mvt"] {
                try await client.execute(uri: uri, method: .get) { r in
                    // A tile the (clamped) extent no longer covers may be a 404 naming the range; never a 5xx.
                    let answered = r.status == .ok || r.status == .noContent || (uri.hasSuffix(".mvt") && r.status == .notFound)
                    #expect(answered, "\(uri) with bbox \(box): \(r.status) \(String(buffer: r.body).prefix(300))")
                    if r.status == .ok, !uri.hasSuffix(".mvt") {
                        // Each document is still JSON that a client can read.
                        #expect((try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) != nil, "\(uri)")
                    }
                }
            }
            // The box shown is either none or within the world.
            try await client.execute(uri: "/api/datasets", method: .get) { r in
                let obj = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
                let d = (obj?["datasets"] as? [[String: Any]])?.first
                if let b = d?["bbox"] as? [Double] {
                    #expect(b.count == 4 && b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90, "\(b)")
                }
            }
        }
    }
}
