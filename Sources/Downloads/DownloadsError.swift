public import PublicErrors

/// What went wrong with a download, with the dataset, version or file it concerns. The
/// descriptions name the choices there are, so a client can fix the URL.
public enum DownloadsError: Error, CustomStringConvertible, Sendable {
    case unknownDataset(String, available: [String])
    case unknownVersion(dataset: String, version: Int, available: [Int])
    case noPublicVersion(String)
    case unknownFormat(String)
    case io(path: String, reason: String)
    case exportFailed(dataset: String, version: Int, format: DownloadFormat, reason: String)

    public var description: String {
        switch self {
        case .unknownDataset(let s, let available):
            "no published dataset named '\(s)'" + (available.isEmpty ? " (nothing is published yet)" : "; published datasets: \(available.joined(separator: ", "))")
        case .unknownVersion(let d, let v, let available):
            "dataset '\(d)' has no public version \(v); its public versions are "
                + (available.isEmpty ? "none" : available.map { "v\($0)" }.joined(separator: ", "))
                + (available.last.map { " (latest = v\($0))" } ?? "")
        case .noPublicVersion(let d): "dataset '\(d)' has no published version yet"
        case .unknownFormat(let f):
            "unknown format '\(f)': available are \(DownloadFormat.extensionList) (and .sha256 after any of them for its checksum)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .exportFailed(let d, let v, let f, let reason): "exporting \(d) v\(v) as \(f.rawValue) failed: \(reason)"
        }
    }
}

/// How a download error is shown: the choices there are for a wrong URL; for a file that could
/// not be written or exported, the generic message (the path and reason go to the log).
extension DownloadsError: PublicError {
    public var status: Int {
        switch self {
        case .unknownDataset, .unknownVersion, .noPublicVersion, .unknownFormat: 404
        case .io, .exportFailed: 500
        }
    }

    public var code: String {
        switch self {
        case .unknownDataset, .unknownVersion, .noPublicVersion, .unknownFormat: "NotFound"
        case .io, .exportFailed: "ServerError"
        }
    }

    public var message: SafeMessage {
        switch self {
        case .unknownDataset(let s, let available):
            available.isEmpty ? SafeMessage("downloads.dataset.unknown.none", ["dataset": s])
                : SafeMessage("downloads.dataset.unknown", ["dataset": s, "available": available.joined(separator: ", ")])
        case .unknownVersion(let d, let v, let available):
            available.isEmpty ? SafeMessage("downloads.version.unknown.none", ["dataset": d, "version": String(v)])
                : SafeMessage("downloads.version.unknown", ["dataset": d, "version": String(v),
                                                            "available": available.map { "v\($0)" }.joined(separator: ", "),
                                                            "latest": "v\(available.last!)"])
        case .noPublicVersion(let d): SafeMessage("downloads.dataset.unpublished", ["dataset": d])
        case .unknownFormat(let f): SafeMessage("downloads.format.unknown", ["format": f, "formats": DownloadFormat.extensionList])
        case .io, .exportFailed: SafeMessage("downloads.failed")
        }
    }

    public var internalDetail: String? {
        switch self {
        case .io, .exportFailed: description
        default: nil
        }
    }
}
