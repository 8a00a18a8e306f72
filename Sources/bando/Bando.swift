// bando: the command line. One root command, one file per subcommand.
import ArgumentParser

@main
struct Bando: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bando",
        abstract: "Bando: open geodata and vector tiles for a province's digital map platform.",
        subcommands: [ServeCommand.self, IngestCommand.self, DatasetsCommand.self, UsersCommand.self,
                      AgenciesCommand.self, ReportCommand.self, MetadataCommand.self, ExportCommand.self, VerifyCommand.self, BackupCommand.self, RestoreCommand.self,
                      TilesCommand.self, FrameworkBaselineCommand.self])
}

/// Flags every command shares.
struct StoreOptions: ParsableArguments {
    @Option(help: "The SpatiaLite store file.")
    var store: String = "data/bando.sqlite"
}
