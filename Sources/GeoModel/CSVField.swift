import Foundation

/// One field of every CSV Bando writes (public downloads, analysis results, the compliance
/// report, the audit log): RFC 4180 quoting, and text that a spreadsheet would run as a formula
/// made inert.
///
/// Spreadsheet software runs a cell that starts with `=`, `+`, `-` or `@` as a formula (tab and
/// carriage return are read past on the way to one), so a value such as `=HYPERLINK(…)` in a
/// downloaded CSV would act on the computer of whoever opens it. Such text gets a leading
/// apostrophe, which spreadsheets show as plain text (OWASP's "CSV injection" advice). Text that
/// reads whole as a number (`-5`, `+84`) is left alone: it is a number, not a formula. Numbers
/// from numeric columns are never passed here.
///
/// ```swift
/// CSVField.text("=1+2")        // "'=1+2"
/// CSVField.text("a, b")        // "\"a, b\""
/// CSVField.text("-5")          // "-5"
/// ```
public enum CSVField {
    /// The characters that make a cell a formula when they start it.
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// `s` with an apostrophe in front when a spreadsheet would take it for a formula.
    public static func neutralised(_ s: String) -> String {
        guard let first = s.first, formulaStarts.contains(first), Double(s) == nil else { return s }
        return "'" + s
    }

    /// A text value ready to write between commas: neutralised, then quoted when it holds a
    /// comma, a quote or a line break, or starts or ends with a space.
    public static func text(_ s: String) -> String {
        let s = neutralised(s)
        let utf8 = s.utf8
        let needsQuotes = utf8.contains { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }
            || utf8.first == 32 || utf8.last == 32
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `text(s)` appended as UTF-8 bytes (the download writer's buffer).
    public static func append(_ s: String, to out: inout [UInt8]) {
        out.append(contentsOf: text(s).utf8)
    }
}
