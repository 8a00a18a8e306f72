import GDALKit
import VietnameseText
import Foundation

/// How text in a source is decoded, and how sure we are.
public struct TextDecision: Sendable {
    /// The encoding's name as reports show it ("UTF-8", "CP1258", "TCVN3", "VNI").
    public var name: String
    /// 0…1: 1 when declared by the file or given by the user and not contradicted.
    public var confidence: Double
    /// How the decision was made (given, declared, detected, ascii) and any note.
    public var how: String
    public var decode: @Sendable ([UInt8]) -> String
}

extension Ingestor {
    /// Decides the text encoding of a source.
    ///
    /// GeoJSON is UTF-8 by definition (RFC 7946). A shapefile's DBF text: `--encoding`, else
    /// the `.cpg` when the text does not contradict it, else detection of the Vietnamese legacy
    /// encodings (TCVN3, VNI, Windows-1258) from the bytes; an undecidable table stops with the
    /// candidates and sample values decoded each way.
    static func decideEncoding(source: OpenedSource, samples: [[UInt8]], requested: String?) throws -> TextDecision {
        var given: LegacyEncoding?
        if let requested {
            guard let e = LegacyEncoding(name: requested) else {
                throw IngestError.encoding(path: source.path, message: "unknown encoding '\(requested)': use one of \(LegacyEncoding.flagValues)")
            }
            given = e
        }
        if source.driverName != "ESRI Shapefile" && given == nil {
            return TextDecision(name: "UTF-8", confidence: 1, how: "GeoJSON is UTF-8",
                                decode: { VietnameseTextDecoder.decode($0, as: .utf8) })
        }
        let declared = source.sidecar("cpg", 4096).flatMap { LegacyEncoding(name: String(decoding: $0, as: UTF8.self)) }
        do {
            let d = try VietnameseTextDecoder.decide(samples: samples, given: given, declared: declared)
            let encoding = d.encoding
            return TextDecision(name: encoding.rawValue, confidence: d.confidence,
                                how: d.note.map { "\(d.source); \($0)" } ?? "\(d.source)",
                                decode: { VietnameseTextDecoder.decode($0, as: encoding) })
        } catch {
            throw IngestError.encoding(path: source.path, message: "\(error)")
        }
    }
}
