// bando: the command line. One root command, one file per subcommand.
import ArgumentParser
import Foundation
import GeoStore
import GeoStorePostGIS

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
    @Option(help: "The store: a SpatiaLite file, or a PostGIS database, postgres://user@host:port/database?schema=bando (every command but backup and restore).")
    var store: String = "data/bando.sqlite"

    /// The PostGIS database and schema `--store` names, nil for a SpatiaLite file. The schema
    /// comes from the URL's `schema` parameter (default `bando`), which PostgreSQL's own URL
    /// syntax does not have, so it is taken out before the URL is used.
    var postgis: (url: String, schema: String)? {
        guard store.hasPrefix("postgres://") || store.hasPrefix("postgresql://"), var c = URLComponents(string: store) else { return nil }
        let schema = c.queryItems?.first { $0.name == "schema" }?.value ?? "bando"
        c.queryItems = c.queryItems?.filter { $0.name != "schema" }
        if c.queryItems?.isEmpty == true { c.queryItems = nil }
        return (c.string ?? store, schema)
    }

    /// The SpatiaLite store file, for the commands that copy the file itself (`backup`,
    /// `restore`): a PostGIS URL is refused in words rather than taken for a file name.
    func spatiaLitePath() throws -> String {
        guard postgis == nil, !store.hasPrefix("postgres:"), !store.hasPrefix("postgresql:") else {
            throw ValidationError("`backup` and `restore` copy a SpatiaLite store file; on PostGIS, back up the database with PostgreSQL's own tools (pg_dump, or continuous archiving) — see docs/operations.md")
        }
        return store
    }

    /// The store `--store` names, on its engine: a PostGIS schema for a `postgres://` URL, else
    /// the SpatiaLite file.
    func backend() throws -> any GeoStoreBackend { try servingStore() }

    /// The store with the portal's records too: what `serve` and the portal's commands take.
    func servingStore() throws -> any ServingStore {
        do {
            if let postgis { return try PostGISStore(url: postgis.url, schema: postgis.schema) }
            return try Store(path: store)
        } catch let e as ValidationError {
            throw e
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
