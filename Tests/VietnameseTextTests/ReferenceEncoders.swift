// Encoders the tests use to make input bytes, independent of the decoders under test:
// glibc iconv's TCVN5712-1 for TCVN3, Python's cp1258 codec for Windows-1258, and the
// published VNI-Windows chart restated letter by letter.
import Foundation
import TestSupport

enum Reference {
    static let vowels: [String] = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"]
    /// Tone marks in the order sắc, huyền, hỏi, ngã, nặng.
    static let toneMarks: [String] = ["\u{0301}", "\u{0300}", "\u{0309}", "\u{0303}", "\u{0323}"]

    /// Every Vietnamese letter with a diacritic or tone, lower and upper case (NFC), plus plain vowels.
    static var allLetters: [String] {
        var out: [String] = []
        for v in vowels {
            for upper in [false, true] {
                let base = upper ? v.uppercased() : v
                out.append(base)
                for t in toneMarks { out.append((base + t).precomposedStringWithCanonicalMapping) }
            }
        }
        return out + ["đ", "Đ"]
    }

    static func tcvn3(_ text: String) throws -> [UInt8] {
        try bytes(ofProcessOutput: text, encoding: "TCVN5712-1")
    }

    /// glibc's TCVN5712-1 decoder, the independent reading of a byte.
    static func iconvDecode(_ bytes: [UInt8], from encoding: String) throws -> String {
        let r = try Run.process("iconv", ["-f", encoding, "-t", "UTF-8"], stdin: Data(bytes))
        guard r.succeeded else { throw TestSupportError("iconv could not decode \(bytes)") }
        return r.stdout
    }

    private static func bytes(ofProcessOutput text: String, encoding: String) throws -> [UInt8] {
        // Run.process returns stdout as a String; go through hex to keep the bytes exact.
        let r = try Run.process("/bin/sh", ["-c", "iconv -f UTF-8 -t \(encoding) | od -An -v -tx1"], stdin: Data(text.utf8))
        guard r.succeeded else { throw TestSupportError(r.stderr) }
        return r.stdout.split(whereSeparator: \.isWhitespace).map { UInt8($0, radix: 16)! }
    }

    /// Windows-1258 as agencies' tools write it: the letter with its circumflex, breve or horn
    /// precomposed where the code page has it, the tone as a separate combining byte.
    static func cp1258(_ texts: [String]) throws -> [[UInt8]] {
        let script = """
        import sys, unicodedata
        tones = '\\u0300\\u0301\\u0303\\u0309\\u0323'
        for t in sys.argv[1:]:
            out = b''
            for ch in t:
                d = unicodedata.normalize('NFD', ch)
                marks = ''.join(c for c in d if c in tones)
                base = unicodedata.normalize('NFC', ''.join(c for c in d if c not in tones))
                out += base.encode('cp1258') + marks.encode('cp1258')
            print(out.hex())
        """
        let r = try Run.process("/usr/bin/python3", ["-c", script] + texts)
        guard r.succeeded else { throw TestSupportError(r.stderr) }
        return r.stdout.split(separator: "\n").map { hex($0) }
    }

    static func pythonCP1258Decode(_ byte: UInt8) throws -> String? {
        let r = try Run.process("/usr/bin/python3", ["-c", "import sys; b=bytes([int(sys.argv[1])]);\ntry: print(b.decode('cp1258').encode('utf-8').hex())\nexcept UnicodeDecodeError: print('none')", String(byte)])
        let out = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if out == "none" { return nil }
        return String(decoding: hex(Substring(out)), as: UTF8.self)
    }

    static func hex(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    // MARK: VNI-Windows, from the published chart

    /// Bytes of the toneless vowel shapes (lower case).
    static let vniShape: [String: [UInt8]] = [
        "a": [0x61], "ă": [0x61, 0xEA], "â": [0x61, 0xE2], "e": [0x65], "ê": [0x65, 0xE2], "i": [0x69],
        "o": [0x6F], "ô": [0x6F, 0xE2], "ơ": [0xF4], "u": [0x75], "ư": [0xF6], "y": [0x79],
    ]
    /// Tone bytes after a plain vowel, ơ or ư: sắc ù, huyền ø, hỏi û, ngã õ, nặng ï.
    static let vniTone: [UInt8] = [0xF9, 0xF8, 0xFB, 0xF5, 0xEF]
    /// â ê ô with a tone: one byte replacing the circumflex byte (á à å ã ä).
    static let vniCircumflexTone: [UInt8] = [0xE1, 0xE0, 0xE5, 0xE3, 0xE4]
    /// ă with a tone (é è ú ü ë).
    static let vniBreveTone: [UInt8] = [0xE9, 0xE8, 0xFA, 0xFC, 0xEB]
    /// i with a tone is a single byte (í ì æ ó ò); so is ỵ (î).
    static let vniIToned: [UInt8] = [0xED, 0xEC, 0xE6, 0xF3, 0xF2]

    static func vniLetter(shape: String, tone: Int?, upper: Bool) -> [UInt8] {
        var bytes: [UInt8]
        if let tone {
            switch shape {
            case "i": bytes = [vniIToned[tone]]
            case "y" where tone == 4: bytes = [0xEE]
            case "â", "ê", "ô": bytes = [vniShape[shape]![0], vniCircumflexTone[tone]]
            case "ă": bytes = [0x61, vniBreveTone[tone]]
            default: bytes = vniShape[shape]! + [vniTone[tone]]
            }
        } else {
            bytes = vniShape[shape]!
        }
        guard upper else { return bytes }
        return bytes.map { $0 >= 0xC0 ? $0 - 0x20 : ($0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0) }
    }

    /// Encodes Vietnamese text to VNI letter by letter.
    static func vni(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for ch in text.precomposedStringWithCanonicalMapping {
            let s = String(ch)
            if s == "đ" { out.append(0xF1); continue }
            if s == "Đ" { out.append(0xD1); continue }
            if let a = ch.asciiValue { out.append(a); continue }
            let upper = ch.isUppercase
            let lower = s.lowercased()
            let d = lower.decomposedStringWithCanonicalMapping.unicodeScalars
            let toneIndex = toneMarks.firstIndex { d.contains(Unicode.Scalar($0.unicodeScalars.first!.value)!) }
            let shape = String(String.UnicodeScalarView(d.filter { s in !toneMarks.contains(String(s)) }))
                .precomposedStringWithCanonicalMapping
            out += vniLetter(shape: shape, tone: toneIndex, upper: upper)
        }
        return out
    }
}
