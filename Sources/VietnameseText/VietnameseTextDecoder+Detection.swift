import Foundation

/// How one encoding reads a set of samples.
public struct EncodingCandidate: Sendable, CustomStringConvertible {
    public var encoding: LegacyEncoding
    /// From −∞ to 1: (plausible words − implausible words − misfit bytes) / words with
    /// non-ASCII letters. 1 is every such word a valid Vietnamese syllable.
    public var score: Double
    public var plausibleWords: Int
    public var implausibleWords: Int
    public var misfitBytes: Int
    /// A few of the samples with non-ASCII bytes, decoded this way, for a person to judge.
    public var examples: [String]

    public var description: String {
        let shown = examples.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ")
        return "\(encoding) (score \(String(format: "%.2f", score)); \(shown))"
    }
}

/// The detector's answer: the ranking of every encoding, best first, and how sure it is.
public struct EncodingGuess: Sendable {
    public var ranking: [EncodingCandidate]
    /// 0…1: how far the best reading is from perfect, how far ahead of the next one,
    /// and how much non-ASCII text there was to judge.
    public var confidence: Double
    /// True when every sample is plain ASCII, which reads the same in all four encodings.
    public var isASCII: Bool

    public var encoding: LegacyEncoding { ranking[0].encoding }
}

extension VietnameseTextDecoder {
    /// Scores each encoding on how plausible its decoding of `samples` is as Vietnamese and
    /// returns the ranking. Give it the text values of a whole column set (or a few hundred):
    /// the more Vietnamese words, the surer the answer.
    public static func detect(samples: [[UInt8]]) -> EncodingGuess {
        let nonASCII = samples.filter { $0.contains { $0 >= 0x80 } || $0.contains { (0x01...0x17).contains($0) } }
        if nonASCII.isEmpty {
            let ranking = LegacyEncoding.allCases.map {
                EncodingCandidate(encoding: $0, score: 1, plausibleWords: 0, implausibleWords: 0, misfitBytes: 0, examples: [])
            }
            return EncodingGuess(ranking: ranking, confidence: 1, isASCII: true)
        }
        var ranking = LegacyEncoding.allCases.map { candidate(for: $0, samples: nonASCII) }
        // Stable on ties, in the order of `allCases` (UTF-8 first: today's files are mostly UTF-8).
        ranking = ranking.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.map(\.element)
        return EncodingGuess(ranking: ranking, confidence: confidence(of: ranking[0], against: ranking.dropFirst()), isASCII: false)
    }

    static func candidate(for encoding: LegacyEncoding, samples: [[UInt8]]) -> EncodingCandidate {
        var plausible = 0, implausible = 0, misfits = 0
        var examples: [String] = []
        for bytes in samples {
            let (text, m) = decodeCounting(bytes, as: encoding)
            misfits += m
            if examples.count < 5 { examples.append(text) }
            for word in words(of: text) where word.unicodeScalars.contains(where: { !$0.isASCII }) {
                if Syllable.judge(word) == .valid { plausible += 1 } else { implausible += 1 }
            }
        }
        let judged = plausible + implausible
        let score = judged == 0 && misfits == 0 ? 0 : Double(plausible - implausible - misfits) / Double(max(1, judged))
        return EncodingCandidate(encoding: encoding, score: score, plausibleWords: plausible,
                                 implausibleWords: implausible, misfitBytes: misfits, examples: examples)
    }

    static func confidence(of best: EncodingCandidate, against others: some Sequence<EncodingCandidate>) -> Double {
        let runnerUp = others.map(\.score).max() ?? -1
        let evidence = Double(best.plausibleWords + best.implausibleWords)
        let quality = max(0, min(1, best.score))
        let margin = max(0, min(1, best.score - runnerUp))
        return quality * margin * (evidence / (evidence + 0.5))
    }

    /// Words: runs of anything but ASCII spaces, digits and punctuation, so that a stray
    /// symbol a wrong decoding puts inside a word ("Thu¸") stays in it and spoils it.
    static func words(of text: String) -> [Substring] {
        text.split { ch in
            guard let a = ch.asciiValue else { return ch.isWhitespace }
            return !(ch.isLetter) || a == 0x5F
        }
    }
}
