import CPROJ
import Foundation

/// How the CRS of an ingested file was decided, for the ingest report.
public enum CRSDecisionSource: String, Sendable {
    /// The file states it fully (an EPSG code, or WKT/PROJ with its datum shift).
    case declared
    /// The `.prj` names VN-2000 loosely or lacks the datum shift; the system was recognised
    /// and the official shift added.
    case recognised
    /// No `.prj`: read from where the coordinates land.
    case inferred
    /// `--crs` or `--province` on the command line.
    case given
}

/// The coordinate system to read a file with.
public struct CRSDecision: Sendable, CustomStringConvertible {
    /// What to hand PROJ as the source CRS: a VN-2000 definition with the datum shift, or the
    /// file's / user's own text for other systems.
    public var definition: String
    public var source: CRSDecisionSource
    /// Set when the system is VN-2000.
    public var vn2000: VN2000CRS?
    /// A short human account: what was found and what was done about it.
    public var evidence: String

    public var description: String {
        let name = vn2000?.description ?? (definition.count > 80 ? String(definition.prefix(77)) + "…" : definition)
        return "CRS \(name) (\(source): \(evidence))"
    }
}

extension VN2000 {
    /// Decides the CRS of a file: `--province`, then `--crs`, then the `.prj`, then the
    /// coordinates themselves. VN-2000 systems always get the official datum shift.
    ///
    /// - Parameters:
    ///   - prj: the `.prj` text (or the CRS the reader reported), nil when there is none.
    ///   - points: one point per feature in file units, only read when inference is needed.
    ///   - givenCRS: `--crs` ("EPSG:9214", a PROJ string, WKT, or a loose VN-2000 name).
    ///   - givenProvince: `--province` (the province's TM-3 zone).
    public static func decideCRS(prj: String?, points: () -> [(x: Double, y: Double)],
                                 givenCRS: String? = nil, givenProvince: String? = nil) throws(VN2000Error) -> CRSDecision {
        if let givenProvince {
            guard let province = province(named: givenProvince) else { throw .unknownProvince(givenProvince) }
            guard let crs = province.crs else { throw .provinceWithoutZone(province) }
            return CRSDecision(definition: crs.projDefinition, source: .given, vn2000: crs,
                               evidence: "--province \(province.name), TM-3 zone of Circular 973/2001/TT-TCĐC")
        }
        if let givenCRS {
            if let r = recognise(givenCRS) {
                return CRSDecision(definition: r.crs.projDefinition, source: .given, vn2000: r.crs, evidence: "--crs \(givenCRS)")
            }
            guard isKnownToPROJ(givenCRS) else { throw .unknownCRS(givenCRS) }
            return CRSDecision(definition: givenCRS, source: .given, vn2000: nil, evidence: "--crs \(givenCRS)")
        }
        if let prj, !prj.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            if let r = recognise(prj) {
                return CRSDecision(definition: r.crs.projDefinition, source: r.hadDatumShift ? .declared : .recognised,
                                   vn2000: r.crs,
                                   evidence: r.hadDatumShift ? r.evidence
                                       : "\(r.evidence); added the VN-2000 → WGS 84 shift of Decision 05/2007/QĐ-BTNMT")
            }
            guard isKnownToPROJ(prj) else { throw .unknownCRS(prj) }
            return CRSDecision(definition: prj, source: .declared, vn2000: nil, evidence: "the file's CRS")
        }
        let candidate = try inferCRS(points: points())
        let crs = candidate.crs ?? .geographic
        return CRSDecision(definition: crs.projDefinition, source: .inferred, vn2000: candidate.crs,
                           evidence: "no .prj; the coordinates fall in \(candidate.provinces.prefix(2).joined(separator: ", ")) "
                               + "only when read this way")
    }

    /// Whether PROJ can make a CRS of this text.
    public static func isKnownToPROJ(_ text: String) -> Bool {
        guard let ctx = proj_context_create() else { return false }
        defer { proj_context_destroy(ctx) }
        guard let pj = proj_create(ctx, text) else { return false }
        defer { proj_destroy(pj) }
        return proj_is_crs(pj) != 0
    }
}
