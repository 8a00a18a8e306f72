import Foundation

/// Decodes bytes in one of the ``LegacyEncoding``s to NFC Unicode, and guesses which encoding
/// a set of samples is in.
///
/// ```swift
/// let name = VietnameseTextDecoder.decode([0x48, 0x75, 0xD5], as: .tcvn3)   // "Huế"
/// let guess = VietnameseTextDecoder.detect(samples: values)                 // .tcvn3, 0.97
/// ```
public enum VietnameseTextDecoder {
    /// Decodes `bytes` as `encoding`; always NFC. Bytes the encoding does not define become
    /// U+FFFD (UTF-8) or their Windows-1252 reading (the legacy font encodings), as a font would show them.
    public static func decode(_ bytes: [UInt8], as encoding: LegacyEncoding) -> String {
        if encoding == .utf8, let text = decodeNFCUTF8(bytes) { return text }
        return decodeCounting(bytes, as: encoding).text
    }

    /// The common case made cheap: well-formed UTF-8 (no BOM) whose every scalar is already in
    /// NFC by construction (below U+0300: Latin without combining marks; U+1E00–U+1EFF: the
    /// precomposed Vietnamese letters) needs no normalisation pass. Nil for anything else.
    static func decodeNFCUTF8(_ bytes: [UInt8]) -> String? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        if bytes.allSatisfy({ $0 < 0x80 }) { return text }
        for s in text.unicodeScalars where !(s.value < 0x300 || (0x1E00...0x1EFF).contains(s.value)) {
            return nil
        }
        return text
    }

    /// The decoded text and how many bytes did not fit the encoding (undefined bytes,
    /// diacritics with no letter to sit on, malformed UTF-8): the detector's strongest evidence.
    static func decodeCounting(_ bytes: [UInt8], as encoding: LegacyEncoding) -> (text: String, misfits: Int) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count + 4)
        var misfits = 0
        switch encoding {
        case .utf8:
            misfits = decodeUTF8(bytes, into: &scalars)
        case .windows1258:
            for b in bytes {
                let s = Windows1258.scalar(b)
                if s == "\u{FFFD}" { misfits += 1 }
                if Diacritics.isCombiningTone(s) && !Diacritics.canCarryTone(scalars.last) { misfits += 1 }
                scalars.append(s)
            }
        case .tcvn3:
            for b in bytes {
                let s = TCVN3.scalar(b)
                if Diacritics.isCombiningTone(s) && !Diacritics.canCarryTone(scalars.last) { misfits += 1 }
                scalars.append(s)
            }
        case .vni:
            misfits = VNI.decode(bytes, into: &scalars)
        }
        var text = String(String.UnicodeScalarView(scalars))
        text = text.precomposedStringWithCanonicalMapping
        return (text, misfits)
    }

    private static func decodeUTF8(_ bytes: [UInt8], into scalars: inout [Unicode.Scalar]) -> Int {
        var misfits = 0
        var it = bytes.makeIterator()
        var codec = UTF8()
        loop: while true {
            switch codec.decode(&it) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: break loop
            case .error: scalars.append("\u{FFFD}"); misfits += 1
            }
        }
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        return misfits
    }
}

/// The five Vietnamese tone marks and the vowel shapes, shared by the decoders and the scorer.
enum Diacritics {
    static let grave: Unicode.Scalar = "\u{0300}"      // huyền
    static let acute: Unicode.Scalar = "\u{0301}"      // sắc
    static let tilde: Unicode.Scalar = "\u{0303}"      // ngã
    static let hook: Unicode.Scalar = "\u{0309}"       // hỏi
    static let dotBelow: Unicode.Scalar = "\u{0323}"   // nặng
    static let circumflex: Unicode.Scalar = "\u{0302}"
    static let breve: Unicode.Scalar = "\u{0306}"
    static let tones: [Unicode.Scalar] = [grave, acute, tilde, hook, dotBelow]

    static func isCombiningTone(_ s: Unicode.Scalar) -> Bool { tones.contains(s) }

    /// Whether a tone mark may follow this scalar: a Vietnamese vowel (any case, with or
    /// without its circumflex, breve or horn) and no tone already.
    static func canCarryTone(_ s: Unicode.Scalar?) -> Bool {
        guard let s else { return false }
        return toneCarriers.contains(s)
    }

    static let toneCarriers: Set<Unicode.Scalar> = {
        var set = Set<Unicode.Scalar>()
        for c in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY".unicodeScalars { set.insert(c) }
        return set
    }()
}
