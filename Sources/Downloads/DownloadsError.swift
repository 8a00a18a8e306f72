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
