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

/// What the reading thread needs to name a feature whose coordinates refuse the ingest.
struct FeatureChecks: Sendable {
    var path: String
    /// The source CRS as the report shows it.
    var crs: String
    /// The field holding each feature's id (named `id`), when the file has one.
    var idField: Int?

    init(path: String, crs: String, fields: [FieldDefinition]) {
        self.path = path
        self.crs = crs
        idField = fields.firstIndex { $0.name.lowercased() == "id" }
    }

    func id(_ values: [FieldValue]) -> String? {
        guard let idField, idField < values.count else { return nil }
        switch values[idField] {
        case .integer(let i): return String(i)
        case .text(let t): return t
        case .real(let d): return "\(d)"
        default: return nil
        }
    }
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

    /// `checks` refuses features whose coordinates cannot be stored: the reading thread ends
    /// with that error and `take()` throws it.
    init(reader: any FeatureStream, head: [SourceFeature], text: TextDecision, transformer: Transformer,
         checks: FeatureChecks) {
        let thread = Thread { [self] in
            defer { exited.signal() }
            do {
                var batch: [PreparedFeature] = []
                batch.reserveCapacity(Self.batchSize)
                var ordinal = 0
                func add(_ f: SourceFeature) throws -> Bool {
                    ordinal += 1
                    batch.append(try Self.prepare(f, ordinal: ordinal, text: text, transformer: transformer, checks: checks))
                    guard batch.count == Self.batchSize else { return true }
                    defer { batch.removeAll(keepingCapacity: true) }
                    return put(batch)
                }
                for f in head { guard try add(f) else { return } }
                while let f = try reader.next() { guard try add(f) else { return } }
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

    static func prepare(_ f: SourceFeature, ordinal: Int, text: TextDecision, transformer: Transformer,
                        checks: FeatureChecks) throws -> PreparedFeature {
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
        let name = { CoordinateCheck.name(ordinal: ordinal, id: f.id ?? checks.id(values)) }
        let shown = { CoordinateCheck.shown(ordinal: ordinal, id: f.id ?? checks.id(values)) }
        if let p = CoordinateCheck.firstNonFinite(g) {
            throw IngestError.coordinates(path: checks.path, message: CoordinateCheck.nonFinite(name(), p), feature: shown(), problem: "nonFinite")
        }
        guard let lonLat = try? transformer.transform(g) else {
            var failing: Position?
            g.forEachPosition { p in if failing == nil, (try? transformer.transform(p)) == nil { failing = p } }
            throw IngestError.coordinates(path: checks.path, message: CoordinateCheck.notReprojectable(name(), failing, crs: checks.crs),
                                          feature: shown(), problem: "notReprojectable")
        }
        if let outside = CoordinateCheck.firstOutsideLonLat(lonLat) {
            let source = CoordinateCheck.position(at: outside.index, in: g) ?? outside.position
            throw IngestError.coordinates(path: checks.path,
                                          message: CoordinateCheck.outsideLonLat(name(), source, outside.position, crs: checks.crs),
                                          feature: shown(), problem: "outside")
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
