public import PublicErrors

/// What went wrong in the Tiles module, with the tileset, file or coordinate it is about.
///
/// `detail` is for operators (the command line, the log) and may name files; a client is shown
/// `message`: `shown`, a message key, or for the kinds that are the server's fault the
/// generic one, with `detail` in the log.
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
    /// What happened, for operators: may name files and paths.
    public var detail: String
    /// What a client is told; nil for errors only an operator meets (files, archives, start-up).
    public var shown: SafeMessage?
    public init(_ kind: Kind, _ detail: String, shown: SafeMessage? = nil) {
        self.kind = kind; self.detail = detail; self.shown = shown
    }
    public var description: String { detail }
}

extension TilesError: PublicError {
    public var status: Int {
        switch kind {
        case .unknownTileset, .outOfRange: 404
        case .badCoordinate: 400
        case .badTileset, .storeUnavailable, .badArchive: 500
        }
    }
    public var code: String {
        switch kind {
        case .unknownTileset, .outOfRange: "NotFound"
        case .badCoordinate: "InvalidParameterValue"
        case .badTileset, .storeUnavailable, .badArchive: "ServerError"
        }
    }
    public var message: SafeMessage {
        switch kind {
        case .badTileset, .storeUnavailable, .badArchive: SafeMessage("server.internal")
        case .unknownTileset, .outOfRange, .badCoordinate: shown ?? SafeMessage("tiles.notAvailable")
        }
    }
    public var internalDetail: String? { detail }
}
