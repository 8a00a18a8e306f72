import GDALKit
public import ProjKit
public import GeoModel

/// The CRS a source's coordinates are in, and how that was decided.
public struct CRSDecision: Sendable {
    public enum How: String, Sendable, Codable {
        /// The file declares it (.prj, GeoJSON `crs` member) and PROJ accepted it as is.
        case declared
        /// The file's declaration was recognised as a known system and completed.
        case recognised
        /// Inferred from the coordinates (no declaration).
        case inferred
        /// Given by the user (`--crs`, `--province`).
        case given
    }
    public var crs: CRS
    /// What reports show: an EPSG code or the CRS's name.
    public var label: String
    public var how: How
}

extension Ingestor {
    /// Decides the CRS of a layer: `--crs`, else the declared SRS, else RFC 7946's WGS 84 for
    /// GeoJSON, else coordinates that can only be degrees. Anything else stops with the flag to pass.
    static func decideCRS(source: VectorSource, layer: VectorLayer, requested: String?, sampleBox: BoundingBox?) throws -> CRSDecision {
        if let requested {
            let crs = CRS(requested)
            do { try crs.validate() } catch {
                throw IngestError.crs(path: source.path, message: "--crs \(requested) is not a CRS PROJ knows (\(error)); use e.g. EPSG:4326 or EPSG:3405")
            }
            return CRSDecision(crs: crs, label: requested, how: .given)
        }
        if let srs = layer.spatialReference {
            let definition = srs.authorityCode ?? srs.wkt
            let crs = CRS(definition)
            do { try crs.validate() } catch {
                throw IngestError.crs(path: source.path, message: "the declared CRS '\(srs.name ?? "unnamed")' cannot be used (\(error)); pass --crs EPSG:…")
            }
            return CRSDecision(crs: crs, label: srs.authorityCode ?? srs.name ?? "declared WKT", how: .declared)
        }
        if source.sidecar(extension: "prj") != nil {
            throw IngestError.crs(path: source.path, message: "the .prj file could not be read as a CRS; fix it or pass --crs EPSG:…")
        }
        if source.driverName == "GeoJSON" {
            return CRSDecision(crs: .wgs84, label: "EPSG:4326", how: .declared)
        }
        if let box = sampleBox, box.minX >= -180, box.maxX <= 180, box.minY >= -90, box.maxY <= 90 {
            return CRSDecision(crs: .wgs84, label: "EPSG:4326", how: .inferred)
        }
        throw IngestError.crs(path: source.path,
            message: "the shapefile has no .prj and its coordinates are not longitude/latitude: pass --crs EPSG:… (e.g. EPSG:3405 for VN-2000 / UTM 48N)")
    }
}
