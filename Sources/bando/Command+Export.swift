import ArgumentParser
import Downloads
import GeoStore
import Foundation

/// `bando export DATASET [--version N] --format F -o FILE`: the same file the download URL
/// serves, written from the command line with progress on stderr and its SHA-256 on stdout.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a version of a dataset as GeoJSON, CSV, shapefile (zip), GeoPackage or KML.")
    @Argument(help: "The dataset's name (as in `bando datasets`).") var dataset: String
    @Option(help: "The version number (default: the published current version).") var version: Int?
    @Option(help: "geojson, csv, shapefile (shp), geopackage (gpkg) or kml.") var format: String
    @Option(name: [.customShort("o"), .customLong("output")], help: "The file to write.") var output: String
    @OptionGroup var options: StoreOptions

    func run() throws {
        guard let format = DownloadFormat(name: format) else {
            throw ValidationError("unknown format '\(format)': use one of \(DownloadFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let store = try options.backend()
        let subject: PublishedDataset
        if let version {
            guard let s = try store.version(dataset: dataset, number: version) else {
                let numbers = try store.dataset(slug: dataset).map { try store.versions(datasetID: $0.id).map { "v\($0.number)" } }
                throw ValidationError(numbers.map { "dataset '\(dataset)' has no version \(version); it has \($0.joined(separator: ", "))" }
                                      ?? "no dataset named '\(dataset)'")
            }
            subject = s
        } else {
            guard let s = try store.published(slug: dataset) else {
                throw ValidationError("'\(dataset)' has no published version: name one with --version, or see `bando datasets`")
            }
            subject = s
        }
        let isTTY = isatty(STDERR_FILENO) != 0
        // Written beside the target and renamed at the end: a failed export leaves no half file.
        let tmp = output + ".part"
        do {
            let result = try Exporter(store: store).write(subject, as: format, to: tmp) { done, total in
                let line = "\(isTTY ? "\r" : "")wrote \(done) of \(total) features\(isTTY ? "" : "\n")"
                FileHandle.standardError.write(Data(line.utf8))
            }
            guard rename(tmp, output) == 0 else { throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))") }
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            print("\(result.sha256)  \(output)")
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            try? FileManager.default.removeItem(atPath: tmp + ".d")
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// `bando verify DATASET [--version N]`: recomputes each version's feature checksum from the
/// store and compares it with the one recorded at ingest. `bando verify --all`: every version of
/// every dataset, and the audit log's hash chain (an edited or deleted row is named).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the SHA-256 of a dataset's versions (or, with --all, of every version and the audit log's chain) and compare (exit 1 on a mismatch).")
    @Argument(help: "The dataset's name.") var dataset: String?
    @Option(help: "Only this version (default: every version).") var version: Int?
    @Flag(help: "Every version of every dataset, and the audit log's hash chain.") var all = false
    @OptionGroup var options: StoreOptions

    func validate() throws {
        if all == (dataset != nil) { throw ValidationError("name a dataset, or give --all") }
        if all, version != nil { throw ValidationError("--version goes with a dataset, not --all") }
    }

    func run() throws {
        let printCheck = { (check: IntegrityReport.VersionCheck) in
            let r = check.result
            print("\(check.dataset) v\(check.version.number)\t\(r.featureCount) features\t\(check.passed ? "OK" : "MISMATCH")\tsha256:\(r.recomputed)"
                  + (r.matches ? "" : "\t(recorded sha256:\(r.stored))"))
        }
        let checks: [IntegrityReport.VersionCheck]
        var auditProblems: [AuditChainProblem] = []
        var auditHead: (id: Int64, hash: String)?
        if all {
            let store = try options.servingStore()
            let report = try store.verifyIntegrity(datasets: nil, version: nil, each: printCheck)
            checks = report.versions
            auditProblems = report.auditProblems
            auditHead = report.auditHead
        } else {
            let store = try options.backend()
            guard let dataset, try store.dataset(slug: dataset) != nil else { throw ValidationError("no dataset named '\(dataset ?? "")'") }
            checks = try store.verifyVersions(datasets: [dataset], version: version, each: printCheck)
        }
        if let version, checks.isEmpty { throw ValidationError("dataset '\(dataset!)' has no version \(version)") }
        var bad = checks.filter { !$0.passed }.count
        if all {
            if auditProblems.isEmpty {
                let head = auditHead
                print("audit log\t\(head.map { "\($0.id) rows up to row \($0.id)" } ?? "empty")\tOK\tchain head:\(head?.hash ?? "-")")
            } else {
                for p in auditProblems { print("audit log\tMISMATCH\t\(p)") }
                bad += auditProblems.count
            }
        }
        if bad > 0 { throw ExitCode(1) }
    }
}
