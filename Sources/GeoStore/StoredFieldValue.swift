public import GRDB
public import GeoModel

extension FieldValue {
    /// Reads a value stored in a feature table as a field of declared type `type`: the one rule
    /// for every reader of features (the store's pages, tiles, OGC items, analyses, downloads),
    /// so a value reads the same whichever way a citizen gets it.
    ///
    /// The declared type wins wherever no information is lost: clients type a column from the
    /// schema they are shown (the OGC queryables, a download's field list, a style's filter on a
    /// tile property), so an integer field must give integers through every channel, even when
    /// SQLite kept a whole number as REAL (an older store, a column without INTEGER affinity).
    /// Hence a whole REAL in an integer field is an integer (3.0 reads 3), a stored integer in a
    /// real field is a real, and in a boolean field 0 or not. A REAL with a fraction in an integer
    /// field stays real: dropping the fraction would change the data. Text stays text whatever
    /// the field's type (it is what was written, and no number can be made of it safely), so a
    /// reader may copy stored text straight from the column without calling this. A BLOB, which
    /// no ingest writes into a field, reads as its bytes in UTF-8.
    ///
    /// ```swift
    /// FieldValue(stored: DatabaseValue(value: 3.0), as: .integer)   // .integer(3)
    /// ```
    public init(stored value: DatabaseValue, as type: FieldType) {
        switch value.storage {
        case .null:
            self = .null
        case .int64(let i):
            switch type {
            case .integer: self = .integer(i)
            case .real: self = .real(Double(i))
            case .boolean: self = .boolean(i != 0)
            case .text, .date, .dateTime: self = .text(String(i))
            }
        case .double(let d):
            switch type {
            // Int64's range ends below 2^63; a double that large does not fit, so it stays real.
            case .integer where d == d.rounded() && abs(d) < 9.2e18: self = .integer(Int64(d))
            case .integer, .real: self = .real(d)
            case .boolean: self = .boolean(d != 0)
            case .text, .date, .dateTime: self = .text(String(d))
            }
        case .string(let s):
            self = .text(s)
        case .blob(let b):
            self = .text(String(decoding: b, as: UTF8.self))
        }
    }
}
