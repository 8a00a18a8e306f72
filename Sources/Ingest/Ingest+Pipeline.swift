// The ingest's reading half on a thread of its own: parse (GDAL), decode text, reproject (PROJ),
// validate and repair (GEOS), handing batches to the writing half (SQLite, checksum) through a bounded queue. On two cores
// the slower half sets the pace instead of the sum of both.
import GDALKit
import GeoModel
import ProjKit
import Foundation

/// Where the pipeline pulls source features from: GDAL's `FeatureReader`, or `GeoJSONReader`.
protocol FeatureStream: AnyObject, Sendable {
    /// The next feature, nil at the end; throws when the source turns out to be broken.
    func next() throws -> SourceFeature?
}

extension FeatureReader: FeatureStream {}

/// A feature ready to be validated and written.
struct PreparedFeature: Sendable {
    enum Shape: Sendable {
        case none
        /// Valid as read (after reprojection).
        case valid(Geometry)
        /// Made valid by repair.
        case repaired(Geometry)
        /// Why the geometry cannot be kept (counted in the report's skipped reasons).
        case problem(String)
    }
    var geometry: Shape
    var values: [FieldValue]
}

/// Runs the reading thread; `take()` returns the next batch, nil at the end, or rethrows the
/// reader's error. `stop()` ends the thread early and waits for it (the GDAL layer must not be
/// used after the ingest returns).
final class ReadPipeline: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[PreparedFeature]] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let exited = DispatchSemaphore(value: 0)
    private var running = true
    static let batchSize = 256
    static let queueDepth = 8

    init(reader: any FeatureStream, head: [SourceFeature], text: TextDecision, transformer: Transformer) {
        let thread = Thread { [self] in
            defer { exited.signal() }
            do {
                var batch: [PreparedFeature] = []
                batch.reserveCapacity(Self.batchSize)
                func add(_ f: SourceFeature) -> Bool {
                    batch.append(Self.prepare(f, text: text, transformer: transformer))
                    guard batch.count == Self.batchSize else { return true }
                    defer { batch.removeAll(keepingCapacity: true) }
                    return put(batch)
                }
                for f in head where !add(f) { return }
                while let f = try reader.next() { guard add(f) else { return } }
                if !batch.isEmpty { _ = put(batch) }
                end(nil)
            } catch {
                end(error)
            }
        }
        thread.name = "bando-ingest-reader"
        thread.stackSize = 8 << 20
        thread.start()
    }

    static func prepare(_ f: SourceFeature, text: TextDecision, transformer: Transformer) -> PreparedFeature {
        let values = f.values.map { v -> FieldValue in
            switch v {
            case .null: .null
            case .integer(let i): .integer(i)
            case .real(let d): .real(d)
            case .boolean(let b): .boolean(b)
            case .date(let s): .text(s)
            case .bytes(let b): .text(text.decode(b))
            }
        }
        if let problem = f.geometryProblem { return PreparedFeature(geometry: .problem("unreadable geometry (\(problem))"), values: values) }
        guard let g = f.geometry else { return PreparedFeature(geometry: .none, values: values) }
        guard let lonLat = try? transformer.transform(g) else {
            return PreparedFeature(geometry: .problem("coordinates outside the CRS's area"), values: values)
        }
        switch GeometryValidation.check(lonLat) {
        case .valid: return PreparedFeature(geometry: .valid(lonLat), values: values)
        case .repaired(let fixed): return PreparedFeature(geometry: .repaired(fixed), values: values)
        case .invalid(let reason): return PreparedFeature(geometry: .problem("invalid geometry: \(reason)"), values: values)
        }
    }

    /// Blocks while the queue is full; false when the consumer has stopped.
    private func put(_ batch: [PreparedFeature]) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while queue.count >= Self.queueDepth && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        queue.append(batch)
        condition.broadcast()
        return true
    }

    private func end(_ error: (any Error)?) {
        condition.lock(); defer { condition.unlock() }
        finished = true
        failure = error
        condition.broadcast()
    }

    func take() throws -> [PreparedFeature]? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    func stop() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
        if running { exited.wait(); running = false }
    }
}
