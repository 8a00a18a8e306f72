// `bando report quarterly --quarter 2026Q3 [--format csv|json]`: the Department's compliance
// report, the same computation as GET /api/portal/reports/quarterly.
import PublicErrors
import ArgumentParser
import Foundation
import Portal

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports for the Department.", subcommands: [Quarterly.self])

    struct Quarterly: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per agency and dataset: on time, late or missing for a quarter.")
        @OptionGroup var options: PortalStoreOptions
        @Option(help: "The quarter, e.g. 2026Q3 (default: the current one, in Vietnam).") var quarter: String?
        @Option(help: "csv or json.") var format: String = "json"

        func run() throws {
            let q: Quarter
            do { q = try quarter.map { try Quarter(parsing: $0) } ?? Quarter(containing: Date()) } catch let e as PortalError {
                throw ValidationError("\(e.message)")
            }
            let report = try options.portal().quarterlyReport(q, by: nil)
            switch format {
            case "csv": print(report.csv(), terminator: "")
            case "json": print(String(decoding: try report.json(), as: UTF8.self))
            default: throw ValidationError("--format must be csv or json")
            }
        }
    }
}
