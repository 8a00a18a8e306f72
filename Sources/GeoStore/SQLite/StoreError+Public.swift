public import PublicErrors

/// How a store error is shown to a client: a name that does not exist is the client's to fix;
/// anything else is a server failure whose text (paths, SQLite messages) goes to the log only.
extension StoreError: PublicError {
    public var status: Int {
        switch self {
        case .datasetNotFound, .versionNotFound: 404
        case .invalidSlug: 400
        case .diskFull: 507
        case .unavailable, .conflict: 500
        }
    }

    public var code: String {
        switch self {
        case .datasetNotFound, .versionNotFound: "NotFound"
        case .invalidSlug: "InvalidParameterValue"
        case .diskFull: "InsufficientStorage"
        case .unavailable, .conflict: "ServerError"
        }
    }

    public var message: SafeMessage {
        switch self {
        case .datasetNotFound(let s): SafeMessage("store.datasetNotFound", ["dataset": s])
        case .versionNotFound(let d, let v): SafeMessage("store.versionNotFound", ["dataset": d, "version": String(v)])
        case .invalidSlug(let s): SafeMessage("store.invalidSlug", ["slug": s])
        case .diskFull: SafeMessage("store.diskFull")
        case .unavailable, .conflict: SafeMessage("server.store")
        }
    }

    public var internalDetail: String? {
        switch self {
        case .unavailable, .conflict: description
        default: nil
        }
    }
}
