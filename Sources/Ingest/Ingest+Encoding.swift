import GDALKit
import Foundation

/// How text in a source is decoded, and how sure we are.
public struct TextDecision: Sendable {
    /// The encoding's name as reports show it ("UTF-8", "Windows-1258", "TCVN3").
    public var name: String
    /// 0…1: 1 when declared by the file or given by the user.
    public var confidence: Double
    /// How the decision was made ("declared by .cpg", "given", "detected", "default").
    public var how: String
    public var decode: @Sendable ([UInt8]) -> String
}

extension Ingestor {
    /// Decides the text encoding of a source.
    ///
    /// GeoJSON is UTF-8 by definition (RFC 7946). For a shapefile: `--encoding`, else the `.cpg`,
    /// else valid UTF-8 in every sampled value; otherwise the user must say.
    static func decideEncoding(source: VectorSource, samples: [[UInt8]], requested: String?) throws -> TextDecision {
        if let requested {
            guard let enc = namedEncoding(requested) else {
                throw IngestError.encoding(path: source.path, message: "unknown encoding '\(requested)': use one of UTF-8, Windows-1252, ISO-8859-1")
            }
            return TextDecision(name: requested, confidence: 1, how: "given", decode: decoder(enc))
        }
        guard source.driverName == "ESRI Shapefile" else {
            return TextDecision(name: "UTF-8", confidence: 1, how: "GeoJSON is UTF-8", decode: decoder(.utf8))
        }
        if let cpg = source.sidecar(extension: "cpg") {
            let label = String(decoding: cpg, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if let enc = namedEncoding(label) {
                return TextDecision(name: label, confidence: 1, how: "declared by .cpg", decode: decoder(enc))
            }
        }
        if samples.allSatisfy({ String(validatingUTF8: $0.map { CChar(bitPattern: $0) } + [0]) != nil }) {
            return TextDecision(name: "UTF-8", confidence: samples.contains { $0.contains { $0 >= 0x80 } } ? 0.95 : 0.6,
                                how: "detected", decode: decoder(.utf8))
        }
        throw IngestError.encoding(path: source.path,
            message: "the attribute text is not UTF-8 and the shapefile has no usable .cpg: pass --encoding NAME")
    }

    static func namedEncoding(_ label: String) -> String.Encoding? {
        switch label.uppercased().replacingOccurrences(of: "_", with: "-") {
        case "UTF-8", "UTF8", "65001": .utf8
        case "1252", "WINDOWS-1252", "CP1252", "ANSI 1252": .windowsCP1252
        case "ISO-8859-1", "LATIN1", "88591", "8859-1": .isoLatin1
        default: nil
        }
    }

    static func decoder(_ enc: String.Encoding) -> @Sendable ([UInt8]) -> String {
        if enc == .utf8 { return { String(decoding: $0, as: UTF8.self).precomposedStringWithCanonicalMapping } }
        return { String(bytes: $0, encoding: enc) ?? String(decoding: $0, as: UTF8.self) }
    }
}
