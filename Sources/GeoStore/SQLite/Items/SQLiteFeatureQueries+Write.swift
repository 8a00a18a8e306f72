public import FeatureQuery
public import GRDB
import GRDBSQLite
import GeoModel
import Foundation
import PublicErrors

extension SQLiteFeatureQueries {
    /// Steps the statement with SQLite's C API and writes each row as a GeoJSON Feature,
    /// comma-separated, straight from the column memory: no Row objects, no copies of the WKB.
    /// Columns: fid, WKB geometry, then the table's fields in order.
    static func writeFeatures(_ db: Database, sql: String, arguments: [SQLValue], table: FeatureTable,
                              output: FeatureOutput, into out: inout [UInt8]) throws(FeaturesError) -> Int {
        let statement: Statement
        do {
            statement = try db.cachedStatement(sql: sql)
            try statement.setArguments(StatementArguments(arguments.map(\.databaseValue)))
        } catch {
            throw FeaturesError.store("the store could not prepare the query: \(error)")
        }
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        let precision = output.precision
        let names: [[UInt8]] = table.fields.map { f in
            var b: [UInt8] = []
            GeoJSON.writeString(f.name, into: &b)
            b.append(UInt8(ascii: ":"))
            return b
        }
        let types = table.fields.map(\.type)
        var n = 0
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                if rc == SQLITE_INTERRUPT {
                    throw FeaturesError(.timeout, SafeMessage("features.timeout"))
                }
                throw FeaturesError.store("the store failed while reading features: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
            }
            if n > 0 { out.append(UInt8(ascii: ",")) }
            n += 1
            out.append(contentsOf: #"{"type":"Feature","id":"#.utf8)
            out.append(contentsOf: String(sqlite3_column_int64(s, 0)).utf8)
            out.append(contentsOf: #","geometry":"#.utf8)
            if sqlite3_column_type(s, 1) == SQLITE_BLOB, let p = sqlite3_column_blob(s, 1) {
                let raw = UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(s, 1)))
                do {
                    var g = try WKB.decode(raw)
                    if let t = output.transform { g = try g.mapPositions(t) }
                    GeoJSON.writeGeometry(g, precision: precision, into: &out)
                } catch {
                    throw FeaturesError.store("feature \(sqlite3_column_int64(s, 0)) of \(table.name) has a geometry that could not be written in \(output.crsName): \(error)")
                }
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(contentsOf: #","properties":{"#.utf8)
            for i in 0..<names.count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: names[i])
                writeColumn(s, Int32(i + 2), as: types[i], into: &out)
            }
            out.append(contentsOf: "}}".utf8)
        }
        return n
    }

    /// One column as a JSON value, read as the field's declared type by GeoStore's one rule
    /// (`FieldValue(stored:as:)`: 3.0 in an integer field is 3, as in tiles and downloads).
    /// Stored text, which that rule keeps as text whatever the type, is copied straight from the
    /// column memory instead of through a `String`.
    @inline(__always)
    static func writeColumn(_ s: OpaquePointer, _ i: Int32, as type: FieldType, into out: inout [UInt8]) {
        switch sqlite3_column_type(s, i) {
        case SQLITE_NULL:
            out.append(contentsOf: "null".utf8)
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(s, i))
            if let p = sqlite3_column_text(s, i) {
                writeJSONString(UnsafeBufferPointer(start: p, count: count), into: &out)
            } else {
                out.append(contentsOf: "\"\"".utf8)
            }
        default:
            // A decimal point even on whole reals (`GeoJSON.writeReal`): clients type fields from
            // the values they see.
            GeoJSON.writeValue(FieldValue(stored: DatabaseValue(sqliteStatement: s, index: i), as: type), into: &out)
        }
    }

    /// Escapes UTF-8 bytes as a JSON string (RFC 8259), copying runs that need no escape.
    static func writeJSONString(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var runStart = 0
        for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
            if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            switch b {
            case 0x22: out.append(contentsOf: [92, 34])
            case 0x5C: out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            default:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            }
            runStart = i + 1
        }
        if bytes.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        out.append(UInt8(ascii: "\""))
    }

    /// Runs `body` with an SQLite progress handler that interrupts the statement once the
    /// deadline passes; the handler is removed afterwards (connections are pooled).
    public static func withTimeLimit<T>(_ db: Database, seconds: Double, _ body: () throws(FeaturesError) -> T) throws(FeaturesError) -> T {
        let deadline = Deadline(DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds) * 1e9))
        let context = Unmanaged.passRetained(deadline)
        sqlite3_progress_handler(db.sqliteConnection, 10_000, { ctx in
            guard let ctx else { return 0 }
            let d = Unmanaged<Deadline>.fromOpaque(ctx).takeUnretainedValue()
            return DispatchTime.now().uptimeNanoseconds > d.nanoseconds ? 1 : 0
        }, context.toOpaque())
        defer {
            sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil)
            context.release()
        }
        return try body()
    }
}

final class Deadline: @unchecked Sendable {
    let nanoseconds: UInt64
    init(_ n: UInt64) { nanoseconds = n }
}
