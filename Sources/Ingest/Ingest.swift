// Ingest: source file -> decoded, reprojected, validated features -> a new dataset version,
// written atomically, with a report. Reads through GDALKit, transforms through ProjKit.
public import GeoModel
public import GeoStore
import GDALKit
import ProjKit
public import Foundation
public import PublicErrors

/// What to ingest and where.
public struct IngestOptions: Sendable {
    public var path: String
    public var metadata: DatasetMetadata
    /// Publish the new version at once (the command line), or leave it a draft (the portal).
    public var publish: Bool
    public var encoding: String?
    public var crs: String?
    /// A province whose VN-2000 TM-3 zone the coordinates are in (`--province`).
    public var province: String?
    /// Called now and then with (features read, features expected).
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// Features the source may hold; past it the ingest stops and nothing is written.
    public var maxFeatures: Int = .max

    public init(path: String, metadata: DatasetMetadata, publish: Bool = true, encoding: String? = nil,
                crs: String? = nil, province: String? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.path = path; self.metadata = metadata; self.publish = publish
        self.encoding = encoding; self.crs = crs; self.province = province; self.progress = progress
    }
}

/// Why an ingest stopped. Nothing was written when one of these is thrown.
public enum IngestError: Error, CustomStringConvertible, Sendable {
    case source(path: String, message: String)
    case crs(path: String, message: String)
    case encoding(path: String, message: String)
    case empty(path: String)
    case nothingValid(path: String, reasons: [String: Int])
    /// A feature's coordinates are not numbers, or not on the Earth once in WGS 84: the message
    /// names the feature and says what to do.
    /// `feature`: its number in the file and id ("12 (id 3057)"); `problem`: `nonFinite`,
    /// `notReprojectable` or `outside`, the `ingest.coordinates.*` message.
    case coordinates(path: String, message: String, feature: String, problem: String)
    /// A GeoJSON document that is not GeoJSON where GDAL would still read something from it (a
    /// geometry that is text, `NaN`, a point of one number, properties that are a list): refused,
    /// naming the feature (its number in the file, from 1; nil outside the features).
    /// `problem`: `syntax`, `geometry` or `properties`, the `ingest.geojson.*` message.
    case malformed(path: String, feature: Int?, problem: String)
    /// A shapefile set whose files do not hold together (see `ShapefileCheck`): `problem` names
    /// the `ingest.shapefile.*` message (`nonFinite`: `ingest.coordinates.nonFinite`).
    case shapefile(path: String, problem: String, arguments: [String: String], detail: String)
    /// More features than `IngestOptions.maxFeatures`.
    case tooManyFeatures(path: String, limit: Int)

    public var description: String {
        switch self {
        case .source(let p, let m), .crs(let p, let m), .encoding(let p, let m), .coordinates(let p, let m, _, _): "\(p): \(m)"
        case .malformed(let p, let feature, let problem): "\(p): not GeoJSON (\(problem)\(feature.map { " in feature \($0)" } ?? ""))"
        case .shapefile(let p, _, _, let detail): "\(p): \(message.text(in: .en)) (\(detail))"
        case .tooManyFeatures(let p, let limit): "\(p): more than \(limit) features"
        case .empty(let p): "\(p): the layer has no features: nothing to publish"
        case .nothingValid(let p, let reasons):
            "\(p): no feature could be kept (\(reasons.map { "\($0.value) \($0.key)" }.sorted().joined(separator: "; ")))"
        }
    }
}

/// The account of one ingest, shown to the user and kept with the version.
public struct IngestReport: Codable, Sendable {
    public var source: String
    public var dataset: String
    public var version: Int
    public var layer: String
    /// What read the file: Bando's own GeoJSON reader, or a GDAL driver.
    public var reader: String?
    public var featuresRead: Int
    public var featuresWritten: Int
    public var repaired: Int
    public var skipped: [String: Int]
    public var withoutGeometry: Int
    public var crs: String
    public var crsDecision: String
    public var encoding: String
    public var encodingConfidence: Double
    public var encodingDecision: String
    public var bbox: [Double]?
    public var fields: [FieldDefinition]
    public var elapsedSeconds: Double
    public var published: Bool

    /// A few lines for people.
    public var summary: String {
        var lines = [
            "Ingested \(source) into '\(dataset)' as version \(version)\(published ? " (published)" : " (draft)")",
            "  features: \(featuresRead) read, \(featuresWritten) written, \(repaired) repaired, \(skipped.values.reduce(0, +)) skipped",
        ]
        for (reason, n) in skipped.sorted(by: { $0.value > $1.value }) { lines.append("    skipped \(n): \(reason)") }
        if withoutGeometry > 0 { lines.append("  \(withoutGeometry) feature(s) have no geometry (kept, attributes only)") }
        if let reader { lines.append("  read by: \(reader)") }
        lines.append("  CRS: \(crs) (\(crsDecision)), reprojected to EPSG:4326")
        lines.append("  text encoding: \(encoding) (\(encodingDecision), confidence \(String(format: "%.2f", encodingConfidence)))")
        if let b = bbox { lines.append(String(format: "  bbox (lon/lat): %.6f, %.6f, %.6f, %.6f", b[0], b[1], b[2], b[3])) }
        lines.append("  fields: \(fields.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", "))")
        lines.append(String(format: "  elapsed: %.2f s", elapsedSeconds))
        return lines.joined(separator: "\n")
    }
}

/// Runs ingests. Caseless: the pipeline is a function of its options and the store.
public enum Ingestor {
    /// Reads `options.path`, writes a new version of the dataset, returns it with the report.
    /// On any error nothing is written and the dataset's published version is untouched.
    /// `store` is either backend: SpatiaLite (`Store`) or PostGIS.
    public static func run(_ options: IngestOptions, into store: any VersionWriting) throws -> (DatasetVersionRecord, IngestReport) {
        try run(options, into: store, gdalOnly: false)
    }

    /// `gdalOnly`: read through GDAL even a GeoJSON Bando's reader takes (tests compare the two).
    static func run(_ options: IngestOptions, into store: any VersionWriting, gdalOnly: Bool) throws -> (DatasetVersionRecord, IngestReport) {
        let started = Date()
        let source = try OpenedSource.open(options.path, gdalOnly: gdalOnly)
        let sourceFields = source.fields
        // A source that says how many it holds is refused before anything is read.
        if source.expected > options.maxFeatures { throw IngestError.tooManyFeatures(path: options.path, limit: options.maxFeatures) }

        // Read the first features once and keep them: their text decides the encoding and
        // their positions the CRS; then the same reader carries on with the rest of the file.
        let expected = source.expected
        let reader = source.reader
        var head: [SourceFeature] = []
        var textSamples: [[UInt8]] = sourceFields.map(\.rawName)
        var samplePoints: [Position] = []
        try wrap(options.path) {
            while head.count < Self.sampleSize, let f = try reader.next() {
                head.append(f)
                for case .bytes(let b) in f.values where !b.isEmpty && textSamples.count < 5000 { textSamples.append(b) }
                // A broken position is refused with its feature's name later; it must not sway the CRS.
                if let c = f.geometry?.boundingBox?.center, c.x.isFinite, c.y.isFinite { samplePoints.append(c) }
            }
        }
        guard !head.isEmpty else { throw IngestError.empty(path: options.path) }
        let text = try decideEncoding(source: source, samples: textSamples, requested: options.encoding)
        let crsDecision = try decideCRS(source: source, requestedCRS: options.crs,
                                        province: options.province, samplePoints: samplePoints)
        let crsLabel = crsDecision.vn2000?.description ?? String(crsDecision.definition.prefix(80))
        let transformer: Transformer
        do { transformer = try Transformer(from: CRS(crsDecision.definition), to: .wgs84) }
        catch { throw IngestError.crs(path: options.path, message: "\(error)") }

        let fields = sourceFields.map {
            FieldDefinition(name: text.decode($0.rawName), type: $0.type, width: $0.width, precision: $0.precision)
        }
        var read = 0, repaired = 0, withoutGeometry = 0
        var skipped: [String: Int] = [:]
        let metadata = options.metadata

        let version: DatasetVersionRecord
        var report: IngestReport?
        do {
            version = try store.writeVersion(metadata, fields: fields, publish: options.publish, status: .draft, now: Date()) { sink in
                // Two threads: this one writes; a reader thread parses the source, decodes text,
                // reprojects and validates, a bounded queue of batches between them.
                let pipeline = ReadPipeline(reader: reader, head: head, text: text, transformer: transformer,
                                            checks: FeatureChecks(path: options.path, crs: crsLabel, fields: fields))
                defer { pipeline.stop() }
                while let batch = try wrap(options.path, { try pipeline.take() }) {
                    for f in batch {
                        read += 1
                        if read > options.maxFeatures { throw IngestError.tooManyFeatures(path: options.path, limit: options.maxFeatures) }
                        if read % 5000 == 0 { options.progress?(read, expected) }
                        switch f.geometry {
                        case .problem(let problem):
                            skipped[problem, default: 0] += 1
                        case .none:
                            withoutGeometry += 1
                            try sink.insert(geometry: nil, values: f.values)
                        case .valid(let g):
                            try sink.insert(geometry: g, values: f.values)
                        case .repaired(let g):
                            repaired += 1
                            try sink.insert(geometry: g, values: f.values)
                        }
                    }
                }
                options.progress?(read, expected)
                guard sink.count > 0 else {
                    if read == 0 { throw IngestError.empty(path: options.path) }
                    throw IngestError.nothingValid(path: options.path, reasons: skipped)
                }
                let r = IngestReport(
                    source: options.path, dataset: metadata.slug, version: 0, layer: source.layerName, reader: source.readerName,
                    featuresRead: read, featuresWritten: sink.count, repaired: repaired, skipped: skipped,
                    withoutGeometry: withoutGeometry, crs: crsLabel, crsDecision: "\(crsDecision.source.rawValue): \(crsDecision.evidence)",
                    encoding: text.name, encodingConfidence: text.confidence, encodingDecision: text.how,
                    bbox: sink.bbox.isEmpty ? nil : sink.bbox.array, fields: Store.storableFields(fields),
                    elapsedSeconds: Date().timeIntervalSince(started), published: options.publish)
                report = r
                let json = String(decoding: (try? JSONEncoder().encode(r)) ?? Data("{}".utf8), as: UTF8.self)
                return VersionProvenance(crs: crsLabel, encoding: text.name,
                                         sourceName: (options.path as NSString).lastPathComponent, reportJSON: json)
            }
        } catch let e as StoreError {
            throw IngestError.source(path: options.path, message: "\(e)")
        }
        var final = report!
        final.version = version.number
        final.elapsedSeconds = Date().timeIntervalSince(started)
        return (version, final)
    }

    /// How many features are read ahead to decide the encoding and the CRS.
    static let sampleSize = 2000


    /// Runs GDAL work, turning its errors into ingest errors.
    static func wrap<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let e as GDALError { throw IngestError.source(path: e.path, message: e.message) }
    }
}

/// How an ingest failure is shown to the person who uploaded the file: what is wrong with the
/// file, in the message catalogue's words, never its path on the server or what GDAL, PROJ or SQLite
/// said (that is `internalDetail`, for the log; the command line prints `description`).
extension IngestError: PublicError {
    public var status: Int { 422 }
    public var code: String { "UnprocessableFile" }

    public var message: SafeMessage {
        switch self {
        case .source: SafeMessage("ingest.unreadable")
        case .crs: SafeMessage("ingest.crs")
        case .encoding: SafeMessage("ingest.encoding")
        case .empty: SafeMessage("ingest.empty")
        case .nothingValid(_, let reasons): SafeMessage("ingest.nothingValid", ["count": String(reasons.values.reduce(0, +))])
        case .coordinates(_, _, let feature, let problem): SafeMessage("ingest.coordinates.\(problem)", ["feature": feature])
        case .malformed(_, let feature?, let problem): SafeMessage("ingest.geojson.\(problem)", ["feature": String(feature)])
        case .malformed(_, nil, "truncated"): SafeMessage("ingest.geojson.truncatedDocument")
        case .malformed(_, nil, _): SafeMessage("ingest.geojson.document")
        case .shapefile(_, "nonFinite", let arguments, _): SafeMessage("ingest.coordinates.nonFinite", arguments)
        case .shapefile(_, let problem, let arguments, _): SafeMessage("ingest.shapefile.\(problem)", arguments)
        case .tooManyFeatures(_, let limit): SafeMessage("ingest.tooManyFeatures", ["limit": String(limit)])
        }
    }

    public var internalDetail: String? { description }
}
