import GRDB
import GeoStore

/// The tile service learns the current versions through the store's interface; the test
/// catalogue answers from its own copy of the tables.
extension TestCatalogue: CurrentVersions {
    func currentVersionIDs() throws -> [String: Int64] {
        try pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT slug, current_version_id FROM datasets WHERE current_version_id IS NOT NULL")
                .map { ($0["slug"] as String, $0["current_version_id"] as Int64) })
        }
    }
}
