import Testing
import Foundation
import TestSupport
import GeoStore
import GeoStorePostGIS

/// Every engine the contract suite runs against: add a backend's factory here and the whole
/// suite runs on it too.
///
/// `make` receives a fresh path inside a scratch folder that exists only for one test; its last
/// component (`contract_` and hex digits) is unique and a plain lower-case SQL identifier. The
/// SQLite backend opens its file there; a server-backed one (PostGIS) can take that component as
/// the name of a schema of its own, so tests stay independent.
let backendFactories: [(name: String, make: @Sendable (String) throws -> any GeoStoreBackend)] = [
    (name: "SQLite", make: { path in try Store(path: path + ".sqlite") }),
    // A schema of its own per test, named by the path's last component, in the tests' cluster.
    (name: "PostGIS", make: { path in
        try PostGISStore(url: TestPostgres.url(), schema: (path as NSString).lastPathComponent)
    }),
]

/// One factory as a test argument, named in the test report by its engine.
struct Backend: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable (String) throws -> any GeoStoreBackend
    var testDescription: String { name }

    static let all = backendFactories.map { Backend(name: $0.name, make: $0.make) }
}
