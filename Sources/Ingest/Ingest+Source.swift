// The source an ingest reads, whichever reader reads it: Bando's own GeoJSON reader when it
// can give what GDAL would (see `GeoJSONReader`), GDAL for everything else.
import GDALKit

/// A source opened for an ingest: its fields, its features as a stream, and what the encoding
/// and CRS decisions look at.
struct OpenedSource {
    var path: String
    /// OGR's driver name ("GeoJSON", "ESRI Shapefile"); Bando's GeoJSON reader says "GeoJSON".
    var driverName: String
    var layerName: String
    var fields: [SourceField]
    /// Features the source says it holds (for progress).
    var expected: Int
    var reader: any FeatureStream
    var spatialReference: SourceSRS?
    /// A small file beside a shapefile (`.cpg`, `.prj`), nil when there is none.
    var sidecar: (_ extension: String, _ maxBytes: Int) -> [UInt8]?
    /// Which reader reads it, for the report.
    var readerName: String

    static func open(_ path: String, gdalOnly: Bool = false) throws -> OpenedSource {
        if !gdalOnly, let geojson = try GeoJSONReader.open(path) {
            return OpenedSource(
                path: path, driverName: "GeoJSON", layerName: geojson.layerName, fields: geojson.fields,
                expected: geojson.featureCount, reader: geojson,
                spatialReference: SourceSRS(wkt: "", authorityCode: geojson.crsCode ?? "EPSG:4326", proj: nil, name: nil,
                                            isGeographic: geojson.crsCode == nil),
                sidecar: { _, _ in nil }, readerName: "Bando GeoJSON reader")
        }
        let source: VectorSource
        do { source = try VectorSource(path: path) }
        catch let e as GDALError { throw IngestError.source(path: e.path, message: e.message) }
        catch let d as ShapefileDefect { throw IngestError.shapefile(path: path, problem: d.problem, arguments: d.arguments, detail: d.detail) }
        guard source.layerCount > 0 else { throw IngestError.source(path: path, message: "holds no vector layer") }
        let layer = try Ingestor.wrap(path) { try source.layer(0) }
        let expected = layer.featureCount  // before reading: counting may restart a layer's cursor
        // The reader keeps its layer, and the layer its source, open for as long as it is used.
        return OpenedSource(
            path: path, driverName: source.driverName, layerName: layer.name, fields: layer.fields,
            expected: expected, reader: layer.makeReader(), spatialReference: layer.spatialReference,
            sidecar: { source.sidecar(extension: $0, maxBytes: $1) }, readerName: "GDAL \(source.driverName) driver")
    }
}
