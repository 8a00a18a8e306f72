// The integrity check `bando serve` runs by itself (`--verify-every-hours`, a day by default):
// every published version's checksum recomputed and the audit chain walked, as
// `bando verify --all` does. What it found is logged, counted in `/metrics` and shown on
// `/healthz?details`; a failed check never stops the server (the operator restores or
// investigates: docs/operations.md).
import Foundation
import GeoStore
import Logging
import ServiceLifecycle
import Synchronization

public final class IntegritySchedule: Sendable {
    public struct Status: Sendable, Codable {
        var lastCheckAt: String?
        var passed: Bool?
        var versionsChecked = 0
        var problems: [String] = []
        var runs = 0
    }

    let store: Store
    let every: Duration
    let logger: Logger
    private let state = Mutex(Status())

    init(store: Store, every: Duration, logger: Logger) { self.store = store; self.every = every; self.logger = logger }

    var status: Status { state.withLock { $0 } }

    /// Runs one whole check now, on the export threads (it reads every feature).
    func checkNow() async {
        let store = store
        let at = ISO8601DateFormatter().string(from: Date())
        do {
            let report = try await BlockingPool.exports.run { try store.verifyIntegrity() }
            state.withLock { s in
                s.lastCheckAt = at; s.passed = report.passed; s.versionsChecked = report.versions.count
                s.problems = Array(report.problems.prefix(50)); s.runs += 1
            }
            if report.passed {
                BandoMetrics.shared.integrityOutcome(passed: true)
                logger.info("integrity check passed: \(report.versions.count) versions and the audit log")
            } else {
                BandoMetrics.shared.integrityOutcome(passed: false)
                for p in report.problems { logger.critical("integrity check: \(p)") }
            }
        } catch {
            BandoMetrics.shared.integrityOutcome(passed: false)
            state.withLock { s in s.lastCheckAt = at; s.passed = false; s.problems = ["the check could not read the store"]; s.runs += 1 }
            logger.error("integrity check could not run: \(error)")
        }
    }

    /// One check each period until shutdown (the first one period after start).
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: every) } catch { return }
            await checkNow()
        }
    }
}

/// The schedule as a service of the application: stops at graceful shutdown.
struct IntegrityService: Service {
    let schedule: IntegritySchedule
    func run() async throws {
        let schedule = schedule
        try? await cancelWhenGracefulShutdown { await schedule.run() }
    }
}
