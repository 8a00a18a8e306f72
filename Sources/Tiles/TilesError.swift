/// What went wrong in the Tiles module, with the tileset, file or coordinate it is about.
/// `App` maps `kind` to HTTP status; the message is safe to show.
public struct TilesError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A tileset definition (file or default) that cannot be used: start-up error.
        case badTileset
        /// No such tileset.
        case unknownTileset
        /// A z/x/y that is not a tile of the quad tree.
        case badCoordinate
        /// A tile outside the tileset's zoom range or bounds.
        case outOfRange
        /// The store could not be read.
        case storeUnavailable
        /// An archive (PMTiles, MBTiles) that cannot be written or read: missing, truncated, corrupt.
        case badArchive
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}
