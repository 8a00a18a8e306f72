import Foundation

/// How an encoding was chosen, for the ingest report.
public enum EncodingSource: String, Sendable {
    /// `--encoding` on the command line.
    case given
    /// The `.cpg` file or the DBF language-driver byte, and the text agrees.
    case declared
    /// From the bytes, by ``VietnameseTextDecoder/detect(samples:)``.
    case detected
    /// Every value is ASCII: all encodings read it the same.
    case ascii
}

/// The encoding to read a table with, how it was decided and with what confidence.
public struct EncodingDecision: Sendable, CustomStringConvertible {
    public var encoding: LegacyEncoding
    public var source: EncodingSource
    public var confidence: Double
    /// Why a declaration was overruled, when it was.
    public var note: String?
    public var guess: EncodingGuess?

    public var description: String {
        var line = "encoding \(encoding) (\(source), confidence \(String(format: "%.2f", confidence)))"
        if let note { line += "; \(note)" }
        return line
    }
}

public enum VietnameseTextError: Error, CustomStringConvertible, Sendable {
    /// No encoding reads the text clearly better than the others.
    case undecidable(EncodingGuess, minimumConfidence: Double)

    public var description: String {
        switch self {
        case .undecidable(let guess, let minimum):
            let lines = guess.ranking.map { "  - \($0)" }.joined(separator: "\n")
            return """
            Cannot tell which text encoding the attribute table uses (best \(guess.encoding) at confidence \
            \(String(format: "%.2f", guess.confidence)), below \(String(format: "%.2f", minimum))). \
            The candidates, with sample values decoded each way:
            \(lines)
            Pass the right one with --encoding \(LegacyEncoding.flagValues).
            """
        }
    }
}

extension VietnameseTextDecoder {
    /// Chooses the encoding for a table: what the user gave, else a declaration (`.cpg`, DBF
    /// language driver) the text does not contradict, else detection when it is confident.
    ///
    /// A declaration is overruled when another encoding reads the samples clearly better,
    /// because agency files often carry a `.cpg` written by a tool, not by the person who typed
    /// the names in a TCVN3 or VNI font.
    /// - Throws: ``VietnameseTextError/undecidable(_:minimumConfidence:)`` listing the candidates.
    public static func decide(samples: [[UInt8]], given: LegacyEncoding? = nil,
                              declared: LegacyEncoding? = nil, declaredBy: String = ".cpg",
                              minimumConfidence: Double = 0.6) throws(VietnameseTextError) -> EncodingDecision {
        let guess = detect(samples: samples)
        if let given {
            let mine = guess.ranking.first { $0.encoding == given }!
            let others = guess.ranking.filter { $0.encoding != given }
            return EncodingDecision(encoding: given, source: .given,
                                    confidence: guess.isASCII ? 1 : confidence(of: mine, against: others), guess: guess)
        }
        if guess.isASCII {
            return EncodingDecision(encoding: declared ?? .utf8, source: .ascii, confidence: 1, guess: guess)
        }
        if let declared {
            let mine = guess.ranking.first { $0.encoding == declared }!
            let best = guess.ranking[0]
            // Credible: reads at least nearly as well as the best reading, and reads well.
            if mine.score >= best.score - 0.05 && mine.score > 0.5 {
                let others = guess.ranking.filter { $0.encoding != declared }
                return EncodingDecision(encoding: declared, source: .declared,
                                        confidence: max(confidence(of: mine, against: others), mine.score), guess: guess)
            }
            guard guess.confidence >= minimumConfidence else {
                throw .undecidable(guess, minimumConfidence: minimumConfidence)
            }
            return EncodingDecision(encoding: best.encoding, source: .detected, confidence: guess.confidence,
                                    note: "\(declaredBy) says \(declared) but the text reads as \(best.encoding)", guess: guess)
        }
        guard guess.confidence >= minimumConfidence else {
            throw .undecidable(guess, minimumConfidence: minimumConfidence)
        }
        return EncodingDecision(encoding: guess.encoding, source: .detected, confidence: guess.confidence, guess: guess)
    }

    /// The encoding a DBF language-driver byte (offset 29) declares, when it says anything
    /// about Vietnamese. No LDID is assigned to Windows-1258, TCVN3 or VNI; 0x57 means "the
    /// writer's ANSI code page", so it is no declaration either. Kept as a function so a
    /// site-specific convention can be added in one place.
    public static func encoding(dbfLanguageDriver byte: UInt8) -> LegacyEncoding? {
        switch byte {
        default: return nil
        }
    }
}
