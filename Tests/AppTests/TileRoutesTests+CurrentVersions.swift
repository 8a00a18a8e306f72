import GeoStore

/// The tile service learns the current versions through the store's interface: the catalogue's
/// store answers, and its publications (from `writeVersion`) reach the service.
extension TileRoutesTests.Catalogue: CurrentVersions {
    func currentVersionIDs() throws -> [String: Int64] { try store.currentVersionIDs() }
    var publications: PublicationEvents { store.publications }
}
