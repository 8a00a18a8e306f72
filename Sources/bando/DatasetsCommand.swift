import ArgumentParser
import GeoStore

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "datasets", abstract: "List the published datasets.")
    @OptionGroup var options: StoreOptions
    @Flag(help: "Print nothing; exit 1 when the store has no published dataset (used by `make run`).")
    var quietEmpty = false

    func run() throws {
        let store = try options.backend()
        let list = try store.publishedDatasets()
        if quietEmpty { if list.isEmpty { throw ExitCode(1) }; return }
        for p in list {
            print("\(p.dataset.slug)\tv\(p.version.number)\t\(p.version.featureCount) features\t\(p.dataset.title)")
        }
    }
}
