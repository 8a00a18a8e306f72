import Foundation

/// An SQL identifier in double quotes, inner quotes doubled: field names come from agencies' files.
/// The one quoting of both engines (SQLite and PostgreSQL read identifiers alike); in a file of
/// its own so that the CQL2 fuzz harness compiles it with the SQLite compiler (Fuzz/fuzz.sh).
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
