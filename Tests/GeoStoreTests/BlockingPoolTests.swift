import Foundation
import Testing
import GeoStore

/// The pool that blocking work of requests runs on: bounded, and every closure answered.
@Suite struct BlockingPoolTests {
    final class Gauge: @unchecked Sendable {
        let lock = NSLock()
        var now = 0, peak = 0
        func enter() { lock.withLock { now += 1; peak = max(peak, now) } }
        func leave() { lock.withLock { now -= 1 } }
    }

    @Test func manyClosuresRunOnAtMostItsThreads() async throws {
        let pool = BlockingPool(name: "test", threads: 3)
        let gauge = Gauge()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<60 {
                group.addTask {
                    try await pool.run {
                        gauge.enter(); defer { gauge.leave() }
                        usleep(2_000)   // blocks, as SQLite or bcrypt would
                        return i * i
                    }
                }
            }
            var out: [Int] = []
            for try await r in group { out.append(r) }
            return out.sorted()
        }
        #expect(results == (0..<60).map { $0 * $0 })
        #expect(gauge.peak <= 3)
    }

    @Test func errorsComeBackToTheCaller() async {
        struct Refused: Error {}
        let pool = BlockingPool(name: "test-errors", threads: 1)
        await #expect(throws: Refused.self) { try await pool.run { () throws -> Int in throw Refused() } }
    }

    @Test func aFullQueueIsRefusedNotGrown() async throws {
        let pool = BlockingPool(name: "test-busy", threads: 1, maxWaiting: 1)
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let running = Task { try await pool.run { started.signal(); release.wait() } }
        _ = await started.waitOffThePool(timeout: .distantFuture)
        let waiting = Task { try await pool.run { 1 } }
        while pool.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: BlockingPoolError.self) { try await pool.run { 2 } }
        release.signal()
        try await running.value
        #expect(try await waiting.value == 1)
    }
}

extension DispatchSemaphore {
    /// Waits on a Dispatch thread, not on the test's own: a test that blocks one of Swift's
    /// cooperative threads (two on a 2-core machine) while another test blocks the other starves
    /// the very tasks both wait for, until a timeout.
    func waitOffThePool(timeout: DispatchTime) async -> DispatchTimeoutResult {
        await withCheckedContinuation { done in
            DispatchQueue.global().async { done.resume(returning: self.wait(timeout: timeout)) }
        }
    }
}
