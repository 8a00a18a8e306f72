import Foundation
import Testing
import TestSupport
import GeoStore
import GeoStorePostGIS

/// What the portal's record tests need of a store: its records, the versions they refer to,
/// and a check of its audit chain.
typealias PortalTestStore = GeoStoreBackend & PortalStore & AuditChainReading

/// Every engine the portal's record tests run on, named in the test report by its engine; each
/// test opens a store of its own (a file, or a schema of the tests' cluster).
struct PortalBackend: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable (ScratchDirectory) throws -> any PortalTestStore
    var testDescription: String { name }

    static let sqlite = PortalBackend(name: "SQLite") { scratch in try Store(path: scratch.path("store.sqlite")) }
    static let postgis = PortalBackend(name: "PostGIS") { _ in
        try PostGISStore(url: TestPostgres.url(), schema: TestPostgres.newSchema("portal"))
    }
    static let all = [sqlite, postgis]
}
