import ArgumentParser
import Ingest
import GeoStore
import GeoStorePostGIS
import Portal
import Foundation

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load a shapefile (.shp or .zip) or GeoJSON into a dataset and publish it as a new version.")
    @Argument(help: "The file to load: .shp (with .shx, .dbf beside it), .zip holding one shapefile, or .geojson.")
    var path: String
    @Option(help: "The dataset's name in URLs: lower-case letters, digits and '-'.") var dataset: String
    @OptionGroup var options: StoreOptions
    @Option(help: "Title shown in the catalogue.") var title: String?
    @Option(help: "The publishing agency's name.") var agency: String?
    @Option(help: "Attribution line users must cite.") var attribution: String?
    @Option(help: "The attribute table's text encoding when detection cannot tell: UTF-8, CP1258, TCVN3 or VNI.") var encoding: String?
    @Option(help: "Override the source CRS (e.g. EPSG:9210, or a PROJ string).") var crs: String?
    @Option(help: "The province whose VN-2000 TM-3 zone the coordinates are in (e.g. \"Thừa Thiên Huế\").") var province: String?
    @Flag(help: "Leave the new version as a draft instead of publishing it.") var draft = false
    @Option(help: "Who publishes it, for the audit log (default: the operating-system user).") var by: String?

    func run() throws {
        let store = try options.servingStore()
        let isTTY = isatty(STDERR_FILENO) != 0
        let person = (by?.trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0.isEmpty ? nil : $0 } ?? Self.operatingSystemUser()
        // Written as a draft, then published in one transaction with its audit entry naming
        // the person (as an approval in the portal is): no publication without its record.
        let opts = IngestOptions(
            path: path,
            metadata: DatasetMetadata(slug: dataset, title: title, agencyName: agency, attribution: attribution),
            publish: false, encoding: encoding, crs: crs, province: province,
            progress: { done, total in
                let pct = total > 0 ? " (\(done * 100 / total)%)" : ""
                FileHandle.standardError.write(Data("\(isTTY ? "\r" : "")read \(done) of \(total) features\(pct)\(isTTY ? "" : "\n")".utf8))
            })
        do {
            let (version, ingested) = try Ingestor.run(opts, into: store)
            try PortalService(store: store).recordCommandLineIngest(dataset: dataset, number: version.number, source: path,
                                                                publish: !draft, by: person)
            var report = ingested
            report.published = !draft
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            print(report.summary)
            print("  recorded in the audit log as \(draft ? "uploaded" : "published") by \(person)")
        } catch {
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            FileHandle.standardError.write(Data("error: \(StoreError.translating(error))\nNothing was written; the dataset's published version is unchanged.\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The name of the user running the command (the passwd entry, else $USER, else the uid).
    static func operatingSystemUser() -> String {
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name, let s = String(validatingCString: name), !s.isEmpty { return s }
        if let s = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"], !s.isEmpty { return s }
        return "uid \(getuid())"
    }
}
