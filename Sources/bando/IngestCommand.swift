import ArgumentParser
import Ingest
import GeoStore
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

    func run() throws {
        let store: Store
        do { store = try Store(path: options.store) } catch {
            throw ValidationError("\(error)")
        }
        let isTTY = isatty(STDERR_FILENO) != 0
        let opts = IngestOptions(
            path: path,
            metadata: DatasetMetadata(slug: dataset, title: title, agencyName: agency, attribution: attribution),
            publish: !draft, encoding: encoding, crs: crs, province: province,
            progress: { done, total in
                let pct = total > 0 ? " (\(done * 100 / total)%)" : ""
                FileHandle.standardError.write(Data("\(isTTY ? "\r" : "")read \(done) of \(total) features\(pct)\(isTTY ? "" : "\n")".utf8))
            })
        do {
            let (_, report) = try Ingestor.run(opts, into: store)
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            print(report.summary)
        } catch {
            if isTTY { FileHandle.standardError.write(Data("\n".utf8)) }
            FileHandle.standardError.write(Data("error: \(error)\nNothing was written; the dataset's published version is unchanged.\n".utf8))
            throw ExitCode(2)
        }
    }
}
