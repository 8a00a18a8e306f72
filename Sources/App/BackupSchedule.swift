// Backups made by `bando serve` (`--backup-dir`): one after every publication through this
// server and one every `--backup-every-hours` (a day by default), keeping the newest
// `--backup-keep` and the first of each month. A backup that fails is logged and counted and
// shown on `/healthz?details`; it never stops the server.
import Foundation
import GeoStore
import Logging
import ServiceLifecycle

public final class BackupSchedule: Sendable {
    public struct Status: Sendable, Codable {
        var lastBackup: String?
        var lastBackupAt: String?
        var lastError: String?
        var lastErrorAt: String?
        var failures = 0
        var made = 0
    }

    let store: Store
    let directory: String
    let keep: Int
    let every: Duration
    let logger: Logger
    private let state = LockedBackupStatus()
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(store: Store, directory: String, keep: Int, every: Duration, logger: Logger) {
        self.store = store; self.directory = directory; self.keep = keep; self.every = every; self.logger = logger
        (wakeUps, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    var status: Status { state.get() }

    /// A publication happened: make a backup soon (several in a row make one).
    func published() { wake.yield() }

    /// Makes one backup now and removes those rotation lets go.
    func backupNow() async {
        let (store, directory, keep) = (store, directory, keep)
        do {
            let (path, manifest) = try await BlockingPool.exports.run { try store.backup(into: directory) }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for old in BackupRotation.toDelete(names, keep: keep) {
                try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(old))
            }
            let name = (path as NSString).lastPathComponent
            state.update { s in
                s.lastBackup = name; s.lastBackupAt = manifest.createdAt; s.failures = 0; s.made += 1
            }
            BandoMetrics.shared.backupOutcome(succeeded: true)
            logger.info("backup written: \(name), \(manifest.versions.count) published versions, \(manifest.fileBytes) bytes")
        } catch {
            let message = (error as? BackupError)?.description ?? "\(error)"
            let at = ISO8601DateFormatter().string(from: Date())
            state.update { s in s.lastError = message; s.lastErrorAt = at; s.failures += 1 }
            BandoMetrics.shared.backupOutcome(succeeded: false)
            logger.error("backup failed: \(message)")
        }
    }

    /// Waits for a publication or the next period, whichever comes first, until shutdown.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            let (wake, every) = (wake, every)
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: every)
                    wake.yield()
                }
            }
            for await _ in wakeUps {
                if Task.isCancelled { break }
                await backupNow()
            }
            group.cancelAll()
        }
    }

    func finish() { wake.finish() }
}

/// The schedule as a service of the application: stops at graceful shutdown.
struct BackupService: Service {
    let schedule: BackupSchedule
    func run() async throws {
        let schedule = schedule
        try? await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler { await schedule.run() } onCancel: { schedule.finish() }
        }
    }
}

/// A lock around the status (read by `/healthz?details` on any thread).
final class LockedBackupStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var value = BackupSchedule.Status()
    func get() -> BackupSchedule.Status { lock.withLock { value } }
    func update(_ body: (inout BackupSchedule.Status) -> Void) { lock.withLock { body(&value) } }
}
