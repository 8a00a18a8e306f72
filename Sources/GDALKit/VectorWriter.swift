import CGDAL
public import GeoModel
import Foundation

/// The geometry type a layer declares when it is created.
public enum LayerGeometryType: Sendable, Hashable {
    case unknown, point, multiPoint, lineString, multiLineString, polygon, multiPolygon, none

    var ogr: OGRwkbGeometryType {
        switch self {
        case .unknown: wkbUnknown
        case .point: wkbPoint
        case .multiPoint: wkbMultiPoint
        case .lineString: wkbLineString
        case .multiLineString: wkbMultiLineString
        case .polygon: wkbPolygon
        case .multiPolygon: wkbMultiPolygon
        case .none: wkbNone
        }
    }
}

/// A vector file being written through an OGR driver (GeoPackage, shapefile, KML…), in
/// EPSG:4326 with longitude first. Close it to flush; a writer dropped without `close()`
/// is closed by `deinit` but its errors are lost.
///
/// ```swift
/// let w = try VectorWriter(path: "out.gpkg", driver: "GPKG")
/// let layer = try w.addLayer(name: "xa", geometryType: .multiPolygon, fields: fields)
/// try w.startTransaction()
/// try layer.write(feature)
/// try w.commitTransaction()
/// try w.close()
/// ```
/// See https://gdal.org/en/stable/api/vector_c_api.html
public final class VectorWriter {
    public let path: String
    var handle: GDALDatasetH?
    var layers: [VectorLayerWriter] = []

    /// Creates the file (or, for the shapefile driver, the folder) at `path`.
    public init(path: String, driver: String, options: [String] = []) throws {
        GDALRuntime.ensure()
        _ = GDALMessages.drain()
        self.path = path
        guard let drv = GDALGetDriverByName(driver) else {
            throw GDALError(path: path, message: "GDAL has no '\(driver)' driver")
        }
        let h = withCStringArray(options) { GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, cslList($0)) }
        guard let h else { throw GDALMessages.error(path, "cannot be created with the \(driver) driver") }
        handle = h
    }

    deinit { if let handle { GDALClose(handle) } }

    /// Adds a layer with `fields` (in this order) and the WGS 84 CRS, longitude first. Integer
    /// fields are 64-bit, except those named in `int32Fields` (whose values the caller knows fit).
    public func addLayer(name: String, geometryType: LayerGeometryType, fields: [FieldDefinition],
                         options: [String] = [], int32Fields: Set<String> = []) throws -> VectorLayerWriter {
        guard let handle else { throw GDALError(path: path, message: "is already closed") }
        let srs = OSRNewSpatialReference(nil)
        defer { OSRRelease(srs) }
        OSRImportFromEPSG(srs, 4326)
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER)
        let layer = withCStringArray(options) {
            GDALDatasetCreateLayer(handle, name, geometryType == .none ? nil : srs, geometryType.ogr, cslList($0))
        }
        guard let layer else { throw GDALMessages.error(path, "refused the layer '\(name)'") }
        // Some drivers start a layer with fields of their own (KML: Name, Description): ours
        // are appended after them, so remember where each one lands.
        var indices: [Int32] = []
        for f in fields {
            let type: OGRFieldType = switch f.type {
            case .integer, .boolean: OFTInteger64
            case .real: OFTReal
            case .text: OFTString
            case .date: OFTDate
            case .dateTime: OFTDateTime
            }
            let defn = OGR_Fld_Create(f.name, type)
            defer { OGR_Fld_Destroy(defn) }
            if f.type == .boolean { OGR_Fld_SetType(defn, OFTInteger); OGR_Fld_SetSubType(defn, OFSTBoolean) }
            if f.type == .integer, int32Fields.contains(f.name) { OGR_Fld_SetType(defn, OFTInteger) }
            if f.width > 0 { OGR_Fld_SetWidth(defn, Int32(f.width)) }
            if f.precision > 0 { OGR_Fld_SetPrecision(defn, Int32(f.precision)) }
            indices.append(OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(layer)))
            guard OGR_L_CreateField(layer, defn, 1) == OGRERR_NONE else {
                throw GDALMessages.error(path, "refused the field '\(f.name)' of layer '\(name)'")
            }
        }
        _ = GDALMessages.drain()
        let w = VectorLayerWriter(writer: self, handle: layer, fieldTypes: fields.map(\.type), fieldIndices: indices)
        layers.append(w)
        return w
    }

    /// One transaction around many writes: for GeoPackage this is the difference between a
    /// commit per feature and one commit.
    public func startTransaction() throws {
        guard let handle else { return }
        guard GDALDatasetStartTransaction(handle, 0) == OGRERR_NONE else { throw GDALMessages.error(path, "cannot start a transaction") }
    }

    public func commitTransaction() throws {
        guard let handle else { return }
        guard GDALDatasetCommitTransaction(handle) == OGRERR_NONE else { throw GDALMessages.error(path, "cannot commit") }
    }

    /// Flushes and closes the file; errors GDAL reports while flushing are thrown.
    public func close() throws {
        guard let handle else { return }
        self.handle = nil
        layers.removeAll()
        CPLErrorReset()
        GDALClose(handle)
        if CPLGetLastErrorType().rawValue >= CE_Failure.rawValue { throw GDALMessages.error(path, "could not be finished") }
    }
}

/// A layer of a `VectorWriter`: features go in one at a time, so memory stays flat.
public final class VectorLayerWriter {
    unowned let writer: VectorWriter
    let handle: OGRLayerH
    let fieldTypes: [FieldType]
    let fieldIndices: [Int32]
    public private(set) var written = 0

    init(writer: VectorWriter, handle: OGRLayerH, fieldTypes: [FieldType], fieldIndices: [Int32]) {
        self.writer = writer; self.handle = handle; self.fieldTypes = fieldTypes; self.fieldIndices = fieldIndices
    }

    /// Writes one feature: its id (kept where the format has identifiers), values in field order, geometry.
    public func write(_ feature: Feature) throws {
        let f = OGR_F_Create(OGR_L_GetLayerDefn(handle))!
        defer { OGR_F_Destroy(f) }
        OGR_F_SetFID(f, feature.id)
        for (i, type) in fieldTypes.enumerated() where i < feature.values.count {
            let idx = fieldIndices[i]
            switch feature.values[i] {
            case .null: OGR_F_SetFieldNull(f, idx)
            case .integer(let n): OGR_F_SetFieldInteger64(f, idx, n)
            case .real(let d): OGR_F_SetFieldDouble(f, idx, d)
            case .boolean(let b): OGR_F_SetFieldInteger64(f, idx, b ? 1 : 0)
            case .text(let s):
                if type == .integer || type == .boolean, let n = Int64(s) { OGR_F_SetFieldInteger64(f, idx, n) }
                else { OGR_F_SetFieldString(f, idx, s) }
            }
        }
        if let g = feature.geometry {
            let wkb = WKB.encode(g)
            var ogr: OGRGeometryH?
            let err = wkb.withUnsafeBufferPointer { OGR_G_CreateFromWkbEx($0.baseAddress, nil, &ogr, Int($0.count)) }
            guard err == OGRERR_NONE, let ogr else {
                throw GDALError(path: writer.path, message: "feature \(feature.id): its geometry cannot be converted for OGR")
            }
            OGR_F_SetGeometryDirectly(f, ogr)
        }
        // FIDs must be unique and positive; formats without them (shapefile, KML) ignore it.
        guard OGR_L_CreateFeature(handle, f) == OGRERR_NONE else {
            throw GDALMessages.error(writer.path, "refused feature \(feature.id)")
        }
        written += 1
    }
}

/// GDAL 3.6 declares its option lists as `char **` even where it only reads them.
private func cslList(_ p: UnsafePointer<UnsafePointer<CChar>?>?) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    p.map { UnsafeMutablePointer(OpaquePointer($0)) }
}
