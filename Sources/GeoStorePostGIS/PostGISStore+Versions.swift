public import Foundation
public import GeoStore
public import GeoModel
import Logging
import NIOCore
import PostgresNIO

extension PostGISStore {
    /// Writes a new version: its feature table loaded with `COPY` in batches, a GiST index built
    /// once the rows are in, and the version row (and, when `publish`, the switch), all in one
    /// transaction on one connection. A failure, or the process dying, rolls all of it back: no
    /// table and no version remain, and no staging record is needed (unlike SQLite's single
    /// writer, PostgreSQL lets other writers go on beside a long transaction).
    @discardableResult
    public func writeVersion(
        _ metadata: DatasetMetadata, fields: [FieldDefinition], publish: Bool,
        status: VersionStatus = .draft, now: Date = Date(),
        body: (any FeatureSinking) throws -> VersionProvenance
    ) throws -> DatasetVersionRecord {
        guard isValidSlug(metadata.slug) else { throw PostGISError.invalidSlug(metadata.slug) }
        let fields = Store.storableFields(fields)
        let name = Self.newFeatureTableName(metadata.slug)
        let logger = connections.logger
        let (record, publication) = try connections.withConnection { c in
            try c.transaction(logger: logger, "write a version") { () throws -> (DatasetVersionRecord, Publication?) in
                try c.rows(PostgresQuery(unsafeSQL: Self.createTableSQL(table(name), fields: fields)), logger: logger, "create a feature table")
                let sink = PostGISFeatureSink(connection: c, table: name, fields: fields, logger: logger)
                let provenance = try body(sink)
                try sink.flush()
                try c.rows("CREATE INDEX \(unescaped: quoteIdentifier(name + "_geom")) ON \(unescaped: table(name)) USING GIST (geom)",
                           logger: logger, "index a feature table")
                // Fresh statistics, so the first bbox query already uses the index.
                try c.rows("ANALYZE \(unescaped: table(name))", logger: logger, "index a feature table")

                let datasetID = try upsertDataset(c, metadata, now: now)
                let fieldsJSON = String(decoding: try JSONEncoder().encode(fields), as: UTF8.self)
                let box = sink.bbox.isEmpty ? nil : sink.bbox
                let types = sink.geometryTypes.sorted().joined(separator: ",")
                let storedStatus = (publish ? VersionStatus.draft : status).rawValue
                let inserted = try c.rows("""
                    INSERT INTO dataset_versions (dataset_id, number, status, feature_table, feature_count,
                        min_x, min_y, max_x, max_y, fields_json, geometry_types, crs, encoding, source_name,
                        checksum, report_json, created_at)
                    SELECT \(datasetID), COALESCE(MAX(number), 0) + 1, \(storedStatus), \(name), \(sink.count),
                        \(box?.minX), \(box?.minY), \(box?.maxX), \(box?.maxY), \(fieldsJSON), \(types), \(provenance.crs),
                        \(provenance.encoding), \(provenance.sourceName), \(sink.checksum), \(provenance.reportJSON), \(now)
                    FROM dataset_versions WHERE dataset_id = \(datasetID)
                    RETURNING id
                    """, logger: logger, "record a version")
                let versionID = try inserted[0].decode(Int64.self)
                let publication = try publish ? self.publish(c, versionID: versionID, at: now) : nil
                let row = try c.rows("SELECT \(unescaped: Self.versionColumns("v")) FROM dataset_versions v WHERE v.id = \(versionID)",
                                     logger: logger, "record a version")
                return (try Self.version(row[0].makeRandomAccess(), prefix: "v_"), publication)
            }
        }
        if let publication { publications.post(publication) }
        return record
    }

    /// Creates or updates the dataset (locking its row, so two processes writing versions of one
    /// dataset number them one after the other).
    func upsertDataset(_ c: PostgresConnection, _ m: DatasetMetadata, now: Date) throws -> Int64 {
        let logger = connections.logger
        let agency = try m.agencyName.map { try agencyID(c, name: $0) }
        let rows = try c.rows("""
            INSERT INTO datasets (slug, title, description, agency_id, licence, attribution, created_at, updated_at)
            VALUES (\(m.slug), \(m.title ?? m.slug), \(m.description ?? ""), \(agency), \(m.licence ?? "CC-BY-4.0"),
                    \(m.attribution ?? ""), \(now), \(now))
            ON CONFLICT (slug) DO UPDATE SET
                title = COALESCE(\(m.title), datasets.title), description = COALESCE(\(m.description), datasets.description),
                agency_id = COALESCE(\(agency), datasets.agency_id), licence = COALESCE(\(m.licence), datasets.licence),
                attribution = COALESCE(\(m.attribution), datasets.attribution), updated_at = \(now)
            RETURNING id
            """, logger: logger, "record a dataset")
        return try rows[0].decode(Int64.self)
    }

    /// A feature table name no other ingest uses, within PostgreSQL's 63 bytes: the dataset's
    /// slug (cut to 40) and a random suffix.
    static func newFeatureTableName(_ slug: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "features_\(slug.prefix(40).replacingOccurrences(of: "-", with: "_"))_\(suffix)"
    }

    /// The columns `COPY` fills in order: `fid`, the fields, `geom`.
    static func createTableSQL(_ table: String, fields: [FieldDefinition]) -> String {
        let columns = fields.map { "\(quoteIdentifier($0.name)) \(columnType($0.type))" }
        return "CREATE TABLE \(table) (fid bigint PRIMARY KEY, \((columns + ["geom geometry(Geometry, 4326)"]).joined(separator: ", ")))"
    }

    static func columnType(_ type: FieldType) -> String {
        switch type {
        case .integer: "bigint"
        case .real: "double precision"
        case .boolean: "boolean"
        // Dates stay ISO 8601 text, as in SQLite and GeoJSON: what was read is what is served.
        case .text, .date, .dateTime: "text"
        }
    }
}

/// Receives a new version's features for `PostGISStore.writeVersion`: rows are encoded in
/// COPY's text format a batch at a time and sent with one `COPY … FROM STDIN` per batch.
final class PostGISFeatureSink: FeatureSinking {
    let connection: PostgresConnection
    let table: String
    let fields: [FieldDefinition]
    let logger: Logger
    var hasher = FeatureChecksum()
    private(set) var count = 0
    private(set) var bbox = BoundingBox.empty
    var geometryTypes = Set<String>()
    private var buffer = ByteBuffer()
    private var pendingRows = 0
    /// Rows and bytes per COPY: a few megabytes in flight, memory flat whatever the file's size.
    static let batchRows = 5_000
    static let batchBytes = 8 << 20

    init(connection: PostgresConnection, table: String, fields: [FieldDefinition], logger: Logger) {
        self.connection = connection; self.table = table; self.fields = fields; self.logger = logger
    }

    var checksum: String { hasher.finalize() }

    func insert(geometry: Geometry?, values: [FieldValue]) throws {
        precondition(values.count == fields.count, "a feature needs one value per field")
        count += 1
        var wkb: [UInt8]?
        if let geometry {
            wkb = WKB.encode(geometry)
            if let b = geometry.boundingBox { bbox.extend(b) }
            geometryTypes.insert(geometry.typeName)
        }
        // The same checksum as SQLite's sink, over the values as given.
        hasher.add(id: Int64(count), values: values, wkb: wkb)
        buffer.writeString(String(count))
        for (field, value) in zip(fields, values) {
            buffer.writeInteger(UInt8(ascii: "\t"))
            try CopyText.write(value, as: field, into: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\t"))
        if let wkb { CopyText.writeEWKBHex(wkb, srid: 4326, into: &buffer) } else { buffer.writeStaticString("\\N") }
        buffer.writeInteger(UInt8(ascii: "\n"))
        pendingRows += 1
        if pendingRows >= Self.batchRows || buffer.readableBytes >= Self.batchBytes { try flush() }
    }

    /// Sends the rows held in memory with one COPY.
    func flush() throws {
        guard pendingRows > 0 else { return }
        let batch = buffer, connection = connection, table = table, logger = logger
        buffer.clear()
        pendingRows = 0
        do {
            try waitFor(on: connection.eventLoop) {
                // Every column in table order (no column list: field names are the agencies' and
                // PostgresNIO does not escape quotes in the ones it is given).
                try await connection.copyFrom(table: table, logger: logger) { writer in try await writer.write(batch) }
            }
        } catch {
            throw PostGISError.wrapping(error, "load features")
        }
    }
}

/// PostgreSQL's COPY text format: tab between columns, `\N` for null, backslash escapes.
enum CopyText {
    /// Writes `value` as its field's column holds it, with SQLite's conversions where a value
    /// and its field disagree (a whole real in an integer field is an integer, a number in a
    /// text field is its text); a value the column cannot hold at all is an error, not a guess.
    static func write(_ value: FieldValue, as field: FieldDefinition, into out: inout ByteBuffer) throws {
        func doesNotFit() -> PostGISError { .valueDoesNotFit(field: field.name, value: "\(value)") }
        switch (field.type, value) {
        case (_, .null):
            out.writeStaticString("\\N")
        case (.integer, .integer(let i)):
            out.writeString(String(i))
        case (.integer, .real(let d)):
            guard let i = Int64(exactly: d) else { throw doesNotFit() }
            out.writeString(String(i))
        case (.integer, .boolean(let b)):
            out.writeStaticString(b ? "1" : "0")
        case (.integer, .text(let s)):
            guard let i = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw doesNotFit() }
            out.writeString(String(i))
        case (.real, .real(let d)):
            out.writeString(realText(d))
        case (.real, .integer(let i)):
            out.writeString(realText(Double(i)))
        case (.real, .boolean(let b)):
            out.writeStaticString(b ? "1" : "0")
        case (.real, .text(let s)):
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else { throw doesNotFit() }
            out.writeString(realText(d))
        case (.boolean, .boolean(let b)):
            out.writeStaticString(b ? "t" : "f")
        case (.boolean, .integer(let i)):
            out.writeStaticString(i != 0 ? "t" : "f")
        case (.boolean, .real(let d)):
            out.writeStaticString(d != 0 ? "t" : "f")
        case (.boolean, .text(let s)):
            switch s.lowercased() {
            case "1", "true", "t": out.writeStaticString("t")
            case "0", "false", "f": out.writeStaticString("f")
            default: throw doesNotFit()
            }
        case (.text, _), (.date, _), (.dateTime, _):
            switch value {
            case .text(let s): try writeEscaped(s, field: field, into: &out)
            case .integer(let i): out.writeString(String(i))
            case .real(let d): out.writeString(realText(d))
            case .boolean(let b): out.writeStaticString(b ? "1" : "0")
            case .null: out.writeStaticString("\\N")
            }
        }
    }

    /// The shortest text that reads back as the same double (PostgreSQL takes "inf", "nan").
    static func realText(_ d: Double) -> String { "\(d)" }

    /// Text with COPY's escapes. PostgreSQL's text cannot hold NUL: such a value is refused.
    static func writeEscaped(_ s: String, field: FieldDefinition, into out: inout ByteBuffer) throws {
        for byte in s.utf8 {
            switch byte {
            case 0: throw PostGISError.valueDoesNotFit(field: field.name, value: "text with a NUL character")
            case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): out.writeStaticString("\\n")
            case UInt8(ascii: "\r"): out.writeStaticString("\\r")
            case UInt8(ascii: "\t"): out.writeStaticString("\\t")
            default: out.writeInteger(byte)
            }
        }
    }

    /// The geometry as hex EWKB with its SRID, which PostGIS's input reads: WKB.encode's
    /// little-endian WKB with the SRID flag set on the type and the SRID after it.
    static func writeEWKBHex(_ wkb: [UInt8], srid: UInt32, into out: inout ByteBuffer) {
        precondition(wkb.count >= 5 && wkb[0] == 1, "WKB.encode writes little-endian WKB")
        var type = UInt32(wkb[1]) | UInt32(wkb[2]) << 8 | UInt32(wkb[3]) << 16 | UInt32(wkb[4]) << 24
        type |= 0x2000_0000
        var header: [UInt8] = [1]
        withUnsafeBytes(of: type.littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: srid.littleEndian) { header.append(contentsOf: $0) }
        for b in header { writeHex(b, into: &out) }
        for b in wkb[5...] { writeHex(b, into: &out) }
    }

    private static let digits = Array("0123456789ABCDEF".utf8)

    @inline(__always)
    static func writeHex(_ b: UInt8, into out: inout ByteBuffer) {
        out.writeInteger(digits[Int(b >> 4)])
        out.writeInteger(digits[Int(b & 15)])
    }
}
