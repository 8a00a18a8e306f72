import Foundation

/// The text encodings Vietnamese agency attribute tables arrive in.
///
/// `tcvn3` is TCVN 5712:1993 (the "ABC" fonts, `.VnTime`); `vni` is VNI-Windows, where most
/// toned letters are two bytes (a base letter followed by a diacritic byte).
public enum LegacyEncoding: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case utf8 = "UTF-8"
    case windows1258 = "CP1258"
    case tcvn3 = "TCVN3"
    case vni = "VNI"

    public var description: String { rawValue }

    /// Reads the names people and tools use: `--encoding` values, `.cpg` contents
    /// ("UTF-8", "65001", "1258", "CP1258", "Windows-1258", "TCVN3", "ABC", "VNI-Windows"…).
    /// Returns nil for names that say nothing about Vietnamese ("ANSI", "1252", "OEM").
    public init?(name: String) {
        let n = name.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
            .replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: " ", with: "-")
        switch n {
        case "UTF-8", "UTF8", "65001", "UNICODE", "UTF-8-BOM": self = .utf8
        case "1258", "CP1258", "CP-1258", "WINDOWS-1258", "WIN-1258", "ANSI-1258", "MS1258", "WINDOWS1258": self = .windows1258
        case "TCVN3", "TCVN-3", "TCVN", "ABC", "TCVN5712", "TCVN-5712", "TCVN5712-1", "TCVN5712-1:1993", "VN3", "VNTIME":
            self = .tcvn3
        case "VNI", "VNI-WINDOWS", "VNI-WIN", "VNIWIN", "VNI-TIMES": self = .vni
        default: return nil
        }
    }

    /// The values `--encoding` accepts, for messages.
    public static var flagValues: String { allCases.map(\.rawValue).joined(separator: "|") }
}
