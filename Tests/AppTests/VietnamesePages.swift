import Foundation

/// What a Vietnamese page must not show a person: English texts of the page catalogue (compared
/// by each text's longest literal piece, since placeholders are filled), an unfilled placeholder,
/// or Swift's "nil" for a missing value. Shared by the citizen and staff page tests.
enum VietnamesePages {
    /// The problems of `html` (empty: none), each naming `page`.
    static func problems(_ html: String, page: String, english: [String: String], vietnamese: [String: String]) -> [String] {
        var found: [String] = []
        if !html.contains("<html lang=\"vi\">") { found.append("\(page) is not in Vietnamese") }
        if html.contains("{count}") || html.contains("{{") { found.append("\(page) has an unfilled placeholder") }
        // What a person reads or hears: the text between tags and the labels of elements.
        let labels = html.matches(of: /aria-label="([^"]*)"/).map { String($0.1) }
        let readable = html.replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression) + " " + labels.joined(separator: " ")
        if readable.range(of: #"\bnil\b"#, options: .regularExpression) != nil { found.append("\(page) shows nil") }
        var left: [String] = []
        for (key, text) in english {
            let piece = text.components(separatedBy: CharacterSet(charactersIn: "{}")).enumerated()
                .filter { $0.offset % 2 == 0 }.map(\.element).max { $0.count < $1.count } ?? text
            // Names both languages use ("OGC API - Features") are not English left behind.
            guard piece.trimmingCharacters(in: .whitespacesAndNewlines).count >= 4, !vietnamese.values.contains(where: { $0.contains(piece) }) else { continue }
            if readable.contains(piece) { left.append("\(key): \(piece)") }
        }
        if !left.isEmpty { found.append("\(page) shows English texts: \(left.sorted())") }
        return found
    }
}
