import Foundation

/// How plausible a word is as written Vietnamese: the detector's measure of a decoding.
///
/// A Vietnamese word is one syllable: an optional initial consonant cluster, a vowel nucleus
/// from a closed list, an optional final consonant, and at most one tone mark, sitting on the
/// nucleus (on its letter with a circumflex, breve or horn when it has one). Syllables closed by
/// c, ch, p or t only take the sắc or nặng tone. A wrong decoding breaks these rules almost at
/// once: "Huế" read from UTF-8 bytes as Windows-1258 is "Huáº¿", as TCVN3 "HuỏẲẴ".
enum Syllable {
    enum Verdict { case valid, invalid }

    /// One letter of a word, split into its toneless shape and its tone (0 = none).
    struct Letter { var shape: Character; var tone: Int }

    static let vowels: [Character] = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
    static let modifiedVowels: Set<Character> = ["ă", "â", "ê", "ô", "ơ", "ư"]
    static let consonants: Set<Character> = Set("bcdđghklmnpqrstvxfjwz")

    /// Every lower-case Vietnamese letter (NFC) → its shape and tone.
    static let letters: [Character: Letter] = {
        var table: [Character: Letter] = [:]
        for v in vowels {
            table[v] = Letter(shape: v, tone: 0)
            for (i, mark) in Diacritics.tones.enumerated() {
                let composed = (String(v) + String(Character(mark))).precomposedStringWithCanonicalMapping
                if composed.count == 1 { table[composed.first!] = Letter(shape: v, tone: i + 1) }
            }
        }
        for c in consonants { table[c] = Letter(shape: c, tone: 0) }
        return table
    }()

    static let onsets: [String] = [
        "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
        // clusters of place names in the Central Highlands (Krông, Plei, Đrăng)
        "kr", "pl", "dr", "br", "bl", "gl", "kl", "pr", "đr",
        "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
        "",
    ]
    static let codas: [String] = ["ng", "nh", "ch", "c", "m", "n", "p", "t", "k", ""]
    static let nuclei: Set<String> = [
        "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
        "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi",
        "ôi", "ơi", "oo", "ôô", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu",
        "yê", "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu",
        "yêu", "uai", "uay", "ueo",
    ]
    /// Grave (1), tilde (3), hook (4) cannot close on a stop: tone numbers follow `Diacritics.tones`.
    static let stopCodas: Set<String> = ["c", "ch", "p", "t", "k"]
    static let stopTones: Set<Int> = [2, 5]   // sắc, nặng

    static func judge(_ word: Substring) -> Verdict {
        guard hasWordCase(word) else { return .invalid }
        var shapes: [Character] = []
        var toneIndex: Int? = nil
        var tone = 0
        for (i, ch) in word.lowercased().enumerated() {
            guard let letter = letters[ch] else { return .invalid }
            if letter.tone != 0 {
                if toneIndex != nil { return .invalid }
                toneIndex = i; tone = letter.tone
            }
            shapes.append(letter.shape)
        }
        let text = String(shapes)
        for onset in onsets where text.hasPrefix(onset) {
            let rest = text.dropFirst(onset.count)
            for coda in codas where rest.hasSuffix(coda) {
                let nucleus = rest.dropLast(coda.count)
                // "gi" + coda ("gìn"): the i of gi is the nucleus.
                let nucleusString = String(nucleus.isEmpty && onset == "gi" ? "i" : nucleus)
                guard nuclei.contains(nucleusString) else { continue }
                if stopCodas.contains(coda) && tone != 0 && !stopTones.contains(tone) { continue }
                let nucleusStart = onset == "gi" && nucleus.isEmpty ? 1 : onset.count
                let nucleusEnd = nucleusStart + nucleusString.count
                if let t = toneIndex {
                    guard t >= nucleusStart && t < nucleusEnd else { continue }
                    let nucleusShapes = shapes[nucleusStart..<nucleusEnd]
                    if nucleusShapes.contains(where: modifiedVowels.contains) && !modifiedVowels.contains(shapes[t]) { continue }
                }
                return .valid
            }
        }
        return .invalid
    }

    /// lower case, Capitalised, or ALL CAPS; a capital after a small letter is a decoding error.
    static func hasWordCase(_ word: Substring) -> Bool {
        var sawLower = false
        var index = 0
        var allUpper = true
        for ch in word {
            if ch.isLowercase { sawLower = true; allUpper = false }
            else if ch.isUppercase { if sawLower { return false } ; if index > 0 && !allUpper { return false } }
            index += 1
        }
        return true
    }
}
