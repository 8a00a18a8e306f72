/// VNI-Windows (the VNI fonts: `VNI-Times`, `VNI-Helve`).
///
/// Source: VNI Software's font encoding as published with VNI-Windows and reproduced by the
/// converters that agencies use (Unikey's "VNI Windows" charset). The fonts reuse Windows-1252
/// positions: a toned vowel is the plain ASCII letter followed by one diacritic byte that the
/// font draws over the previous glyph (0xF9 "ù" is the acute, 0xE1 "á" circumflex-and-acute…);
/// i-with-tone, ỵ, ơ, ư and đ are single bytes. Every upper-case form is its lower-case byte
/// minus 0x20, so one table serves both cases.
enum VNI {
    /// Diacritic bytes (lower-case forms) and the combining marks they stand for.
    static let modifiers: [UInt8: [Unicode.Scalar]] = [
        0xF9: [Diacritics.acute], 0xF8: [Diacritics.grave], 0xFB: [Diacritics.hook],
        0xF5: [Diacritics.tilde], 0xEF: [Diacritics.dotBelow],
        0xE2: [Diacritics.circumflex],
        0xE1: [Diacritics.circumflex, Diacritics.acute], 0xE0: [Diacritics.circumflex, Diacritics.grave],
        0xE5: [Diacritics.circumflex, Diacritics.hook], 0xE3: [Diacritics.circumflex, Diacritics.tilde],
        0xE4: [Diacritics.circumflex, Diacritics.dotBelow],
        0xEA: [Diacritics.breve],
        0xE9: [Diacritics.breve, Diacritics.acute], 0xE8: [Diacritics.breve, Diacritics.grave],
        0xFA: [Diacritics.breve, Diacritics.hook], 0xFC: [Diacritics.breve, Diacritics.tilde],
        0xEB: [Diacritics.breve, Diacritics.dotBelow],
    ]

    /// Letters that are one byte (lower-case forms).
    static let singles: [UInt8: Unicode.Scalar] = [
        0xED: "í", 0xEC: "ì", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị", 0xEE: "ỵ",
        0xF4: "ơ", 0xF6: "ư", 0xF1: "đ",
    ]

    /// Which base letters each kind of diacritic byte may follow (lower case).
    static let toneBases: Set<Unicode.Scalar> = Set("aeiouyơư".unicodeScalars)
    static let circumflexBases: Set<Unicode.Scalar> = Set("aeo".unicodeScalars)
    static let breveBases: Set<Unicode.Scalar> = Set("a".unicodeScalars)

    /// Decodes into `scalars` (not yet composed); returns the number of bytes that fit no
    /// VNI reading (a diacritic byte after a letter that cannot carry it, or a byte VNI does not use).
    static func decode(_ bytes: [UInt8], into scalars: inout [Unicode.Scalar]) -> Int {
        var misfits = 0
        // The last letter (lower-cased) if it can still take a diacritic byte, and its case:
        // fonts pair upper-case diacritics with capitals, so a mismatch means the text is not VNI.
        var previousBase: Unicode.Scalar? = nil
        var previousUpper = false
        for b in bytes {
            if b < 0x80 {
                let s = Unicode.Scalar(b)
                let isLetter = (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                previousBase = isLetter ? Unicode.Scalar(b | 0x20) : nil
                previousUpper = (0x41...0x5A).contains(b)
                scalars.append(s)
                continue
            }
            let isUpper = (0xC0...0xDF).contains(b)
            let lower = isUpper ? b + 0x20 : b
            if b >= 0xC0, let marks = modifiers[lower] {
                var fits = false
                if let base = previousBase, previousUpper == isUpper {
                    if marks.first == Diacritics.circumflex { fits = circumflexBases.contains(base) }
                    else if marks.first == Diacritics.breve { fits = breveBases.contains(base) }
                    else { fits = toneBases.contains(base) }
                }
                if fits {
                    scalars.append(contentsOf: marks)
                } else {
                    misfits += 1
                    scalars.append(Unicode.Scalar(b))
                }
                previousBase = nil
                continue
            }
            if b >= 0xC0, let single = singles[lower] {
                scalars.append(isUpper ? uppercase(single) : single)
                // ơ and ư take a tone byte after them (ớ = 0xF4 0xF9); the others are complete.
                previousBase = (lower == 0xF4 || lower == 0xF6) ? single : nil
                previousUpper = isUpper
                continue
            }
            // Not a VNI letter: shown as the font's Windows-1252 glyph. Letters there (Ä, ß…)
            // and bytes 0x80–0x9F never occur in VNI Vietnamese text.
            let glyph = b < 0xA0 ? Windows1258.scalar(b) : Unicode.Scalar(b)
            if b < 0xA0 || b >= 0xC0 { misfits += 1 }
            scalars.append(glyph)
            previousBase = nil
        }
        return misfits
    }

    private static func uppercase(_ s: Unicode.Scalar) -> Unicode.Scalar {
        s.properties.uppercaseMapping.unicodeScalars.first ?? s
    }
}
