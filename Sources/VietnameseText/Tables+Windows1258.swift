/// Windows-1258 (Microsoft's Vietnamese code page).
///
/// Source: Microsoft's published code page 1258 (the Unicode consortium's
/// `MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1258.TXT`). It is Windows-1252 with the Vietnamese
/// letters Ă Đ Ơ Ư (and lower case) and the dong sign in place of some Western letters, and
/// five combining tone marks (0xCC, 0xD2, 0xDE, 0xEC, 0xF2): most toned letters are written
/// as a letter followed by a tone mark, which is why the output is composed to NFC afterwards.
enum Windows1258 {
    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if let s = overrides[byte] { return s }
        // 0xA0–0xFF not overridden are ISO 8859-1; 0x81, 0x8A, 0x8D–0x90, 0x9A, 0x9D, 0x9E are undefined.
        if byte >= 0xA0 || byte < 0x80 { return Unicode.Scalar(byte) }
        return "\u{FFFD}"
    }

    static let overrides: [UInt8: Unicode.Scalar] = [
        0x80: "€", 0x82: "‚", 0x83: "ƒ", 0x84: "„", 0x85: "…", 0x86: "†", 0x87: "‡",
        0x88: "ˆ", 0x89: "‰", 0x8B: "‹", 0x8C: "Œ",
        0x91: "‘", 0x92: "’", 0x93: "“", 0x94: "”", 0x95: "•", 0x96: "–", 0x97: "—",
        0x98: "˜", 0x99: "™", 0x9B: "›", 0x9C: "œ", 0x9F: "Ÿ",
        0xC3: "Ă", 0xCC: "\u{0300}", 0xD0: "Đ", 0xD2: "\u{0309}", 0xD5: "Ơ", 0xDD: "Ư", 0xDE: "\u{0303}",
        0xE3: "ă", 0xEC: "\u{0301}", 0xF0: "đ", 0xF2: "\u{0323}", 0xF5: "ơ", 0xFD: "ư", 0xFE: "₫",
    ]
}
