// `bando backup --to DIR` and `bando restore BACKUP --store NEW`: a consistent copy of the store
// taken while the server runs, and its restoration into a new file, checked before it is named.
import ArgumentParser
import Foundation
import GeoStore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store into a new folder under DIR while it is in use, with a manifest (time, schema, every version's checksum, the audit chain's head, the copy's SHA-256).")
    @Option(help: "The folder that holds the backups (a new folder bando-YYYYMMDDTHHMMSSZ is made in it).") var to: String
    @Option(help: "Keep only the newest N backups in DIR and the first of each month (default: keep all).") var keep: Int?
    @OptionGroup var options: StoreOptions

    func run() throws {
        let path = try options.spatiaLitePath()
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no store at \(path): give --store")
        }
        let store: Store
        do { store = try Store(path: path) } catch { throw ValidationError("\(error)") }
        do {
            let (path, manifest) = try store.backup(into: to)
            print("backup\t\(path)\t\(manifest.versions.count) published versions\t\(manifest.fileBytes) bytes\tsha256:\(manifest.fileSHA256)")
            if let keep {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: to)) ?? []
                for old in BackupRotation.toDelete(names, keep: keep) {
                    try FileManager.default.removeItem(atPath: (to as NSString).appendingPathComponent(old))
                    print("removed\t\(old)")
                }
            }
        } catch let e as BackupError {
            throw ValidationError("backup failed: \(e.description). The store itself is unchanged.")
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup folder into a new store file, checking every version's features and the audit log before naming it.")
    @Argument(help: "The backup folder (bando-YYYYMMDDTHHMMSSZ).") var backup: String
    @Option(help: "The new store file to create (must not exist).") var store: String

    func run() throws {
        var target = StoreOptions()
        target.store = store
        let store = try target.spatiaLitePath()
        do {
            let r = try Store.restore(backup: backup, to: store)
            print("restored\t\(store)\t\(r.versionsChecked) versions and \(r.featuresChecked) features checked\taudit log of \(r.auditRows) rows intact")
        } catch let e as BackupError {
            throw ValidationError("restore failed: \(e.description). Nothing was written at \(store).")
        }
    }
}
