import Testing
import GRDB
import GeoModel
import GeoStore

/// The one rule from a stored value to a field's value (`FieldValue(stored:as:)`): the declared
/// type wherever nothing is lost.
@Suite struct StoredFieldValueTests {
    @Test(arguments: [
        // A whole REAL in an integer field is an integer; with a fraction, or beyond Int64, it stays real.
        (DatabaseValue(value: 3.0)!, FieldType.integer, FieldValue.integer(3)),
        (DatabaseValue(value: 3.5)!, .integer, .real(3.5)),
        (DatabaseValue(value: 1e19)!, .integer, .real(1e19)),
        (DatabaseValue(value: Int64(7))!, .real, .real(7)),
        (DatabaseValue(value: Int64(0))!, .boolean, .boolean(false)),
        (DatabaseValue(value: Int64(2))!, .boolean, .boolean(true)),
        (DatabaseValue(value: Int64(42))!, .text, .text("42")),
        // Text stays what was written, whatever the field's type.
        (DatabaseValue(value: "12a")!, .integer, .text("12a")),
        (DatabaseValue.null, .integer, .null),
    ])
    func storedValueReadsAsItsDeclaredType(stored: DatabaseValue, type: FieldType, expected: FieldValue) {
        #expect(FieldValue(stored: stored, as: type) == expected)
    }
}
