import GDALKit
public import ProjKit
import GeoModel

extension Ingestor {
    /// Decides the CRS of a layer through ProjKit's VN-2000 rules: `--province`, `--crs`, the
    /// declared SRS (a VN-2000 one completed with the official datum shift), RFC 7946's WGS 84
    /// for GeoJSON, else inference from the coordinates, or an error listing the candidates.
    static func decideCRS(source: OpenedSource, requestedCRS: String?, province: String?,
                          samplePoints: [Position]) throws -> CRSDecision {
        var prj: String?
        if let bytes = source.sidecar("prj", 65536) {
            prj = String(decoding: bytes, as: UTF8.self)
            // A .prj that is not VN-2000 but matches an EPSG system: use the code (cleaner for PROJ and reports).
            if VN2000.recognise(prj!) == nil, let code = source.spatialReference?.authorityCode { prj = code }
            if source.spatialReference == nil && requestedCRS == nil && province == nil && VN2000.recognise(prj!) == nil {
                throw IngestError.crs(path: source.path,
                    message: "the .prj file could not be read as a CRS (it begins: \(prj!.prefix(60))); fix it or pass --crs EPSG:… or --province NAME")
            }
        } else if let srs = source.spatialReference {
            prj = srs.authorityCode ?? srs.wkt
        } else if source.driverName == "GeoJSON" {
            prj = "EPSG:4326"
        }
        do {
            return try VN2000.decideCRS(prj: prj, points: { samplePoints.map { (x: $0.x, y: $0.y) } },
                                        givenCRS: requestedCRS, givenProvince: province)
        } catch {
            throw IngestError.crs(path: source.path, message: "\(error)")
        }
    }
}
