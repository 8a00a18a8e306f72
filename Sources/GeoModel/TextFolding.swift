import Foundation

/// Text compared without case, without accents, or both: CQL2's `CASEI` and `ACCENTI`.
///
/// Accents are every combining mark of the canonical decomposition (Vietnamese tone marks,
/// circumflex, breve and horn: "Bình" → "Binh", "Ương" → "Uong") and the stroke of đ/Đ, which
/// Unicode does not decompose ("Đông" → "Dong"). Case is Unicode lower case. The same function
/// folds the literals of a filter (in Swift) and the column values (in SQLite, where Features
/// registers it), so the two sides always agree.
///
/// ```swift
/// TextFolding.fold("Quận Bình Thạnh", [.caseInsensitive, .accentInsensitive]) // "quan binh thanh"
/// ```
public enum TextFolding {
    public struct Options: OptionSet, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let caseInsensitive = Options(rawValue: 1)
        public static let accentInsensitive = Options(rawValue: 2)
    }

    public static func fold(_ text: String, _ options: Options) -> String {
        var s = text
        if options.contains(.accentInsensitive) { s = withoutAccents(s) }
        if options.contains(.caseInsensitive) { s = s.lowercased() }
        return s
    }

    static func withoutAccents(_ text: String) -> String {
        // ASCII has no accents: most values of most fields pass untouched.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var scalars = String.UnicodeScalarView()
        for u in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch u.value {
            case 0x0300...0x036F: continue                    // combining diacritical marks
            case 0x0111: scalars.append("d")                  // đ
            case 0x0110: scalars.append("D")                  // Đ
            default: scalars.append(u)
            }
        }
        return String(scalars).precomposedStringWithCanonicalMapping
    }
}
