import CGDAL
public import GeoModel
import Foundation

/// A field as the source declares it; the name is raw bytes because a DBF's field names are in
/// the file's legacy encoding just like its values.
public struct SourceField: Sendable, Hashable {
    public var rawName: [UInt8]
    public var type: FieldType
    public var width: Int
    public var precision: Int

    public init(rawName: [UInt8], type: FieldType, width: Int, precision: Int) {
        self.rawName = rawName; self.type = type; self.width = width; self.precision = precision
    }
}

/// One attribute value as read, before text decoding.
public enum RawValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    /// Text exactly as stored in the source (UTF-8 for GeoJSON, the DBF's code page for shapefiles).
    case bytes([UInt8])
    case boolean(Bool)
    /// A date or date-time already formatted as ISO 8601.
    case date(String)
}

/// A feature as read from the source: id, geometry (source CRS) and raw values in field order.
public struct SourceFeature: Sendable {
    public var fid: Int64
    public var geometry: Geometry?
    /// Set when the source geometry could not be turned into a simple-features geometry.
    public var geometryProblem: String?
    public var values: [RawValue]
    /// The id the file gives the feature (a GeoJSON `id`), when it gives one: errors about the
    /// feature name it. Not the FID a format numbers its records with.
    public var id: String?

    public init(fid: Int64, geometry: Geometry?, geometryProblem: String?, values: [RawValue], id: String? = nil) {
        self.fid = fid; self.geometry = geometry; self.geometryProblem = geometryProblem; self.values = values
        self.id = id
    }
}

/// The spatial reference a layer declares (the `.prj`, a GeoJSON `crs` member).
public struct SourceSRS: Sendable, Hashable {
    /// WKT as the file has it, normalised by OGR (WKT2).
    public var wkt: String
    /// "EPSG:31983"-style code when OGR can identify one.
    public var authorityCode: String?
    /// PROJ string for the definition.
    public var proj: String?
    /// The name in the WKT (e.g. "VN_2000_UTM_Zone_48N").
    public var name: String?
    public var isGeographic: Bool

    public init(wkt: String, authorityCode: String?, proj: String?, name: String?, isGeographic: Bool) {
        self.wkt = wkt; self.authorityCode = authorityCode; self.proj = proj; self.name = name; self.isGeographic = isGeographic
    }
}

public final class VectorLayer: @unchecked Sendable {
    public let source: VectorSource
    let handle: OGRLayerH

    init(source: VectorSource, handle: OGRLayerH) {
        self.source = source
        self.handle = handle
    }

    public var name: String { String(cString: OGR_L_GetName(handle)) }

    /// The number of features (exact; cheap for shapefiles, a scan for GeoJSON).
    public var featureCount: Int { Int(OGR_L_GetFeatureCount(handle, 1)) }

    public var fields: [SourceField] {
        let defn = OGR_L_GetLayerDefn(handle)
        return (0..<OGR_FD_GetFieldCount(defn)).map { i in
            let f = OGR_FD_GetFieldDefn(defn, i)
            let nameBytes = Array(UnsafeBufferPointer(start: OGR_Fld_GetNameRef(f), count: strlen(OGR_Fld_GetNameRef(f))))
                .map { UInt8(bitPattern: $0) }
            let type: FieldType
            switch OGR_Fld_GetType(f) {
            case OFTInteger, OFTInteger64:
                type = OGR_Fld_GetSubType(f) == OFSTBoolean ? .boolean : .integer
            case OFTReal: type = .real
            case OFTDate: type = .date
            case OFTDateTime: type = .dateTime
            default: type = .text
            }
            return SourceField(rawName: nameBytes, type: type, width: Int(OGR_Fld_GetWidth(f)), precision: Int(OGR_Fld_GetPrecision(f)))
        }
    }

    public var spatialReference: SourceSRS? {
        guard let srs = OGR_L_GetSpatialRef(handle) else { return nil }
        return Self.describe(srs)
    }

    static func describe(_ srs: OGRSpatialReferenceH) -> SourceSRS {
        var wktPtr: UnsafeMutablePointer<CChar>?
        let opts = ["FORMAT=WKT2_2019"]
        _ = withCStringArray(opts) { OSRExportToWktEx(srs, &wktPtr, $0) }
        let wkt = wktPtr.map { String(cString: $0) } ?? ""
        VSIFree(wktPtr)
        var projPtr: UnsafeMutablePointer<CChar>?
        OSRExportToProj4(srs, &projPtr)
        let proj = projPtr.map { String(cString: $0) }
        VSIFree(projPtr)
        var code: String?
        // Identify an EPSG code when the file's definition matches one (ESRI .prj files often do).
        let clone = OSRClone(srs)
        if let clone {
            if OSRAutoIdentifyEPSG(clone) == OGRERR_NONE || OSRGetAuthorityName(clone, nil) != nil,
               let auth = OSRGetAuthorityName(clone, nil), let c = OSRGetAuthorityCode(clone, nil) {
                code = "\(String(cString: auth)):\(String(cString: c))"
            }
            OSRDestroySpatialReference(clone)
        }
        let name = OSRGetName(srs).map { String(cString: $0) }
        _ = GDALMessages.drain()
        return SourceSRS(wkt: wkt, authorityCode: code, proj: proj, name: name, isGeographic: OSRIsGeographic(srs) != 0)
    }

    /// Reads every feature in order, calling `body` with each. Memory stays flat: one feature at a time.
    public func forEachFeature(_ body: (SourceFeature) throws -> Void) throws {
        let reader = makeReader()
        while let f = try reader.next() { try body(f) }
    }

    /// A cursor over the layer's features from the first one (restarting any earlier reading).
    /// Use one reader at a time, from one thread at a time: GDAL layers are not thread-safe.
    public func makeReader() -> FeatureReader { FeatureReader(layer: self) }
}

/// Pulls features one by one from a layer: lets a caller look at the first features (to decide
/// an encoding or CRS) and carry on with the rest, reading the file once.
public final class FeatureReader: @unchecked Sendable {
    let layer: VectorLayer
    let fieldTypes: [FieldType]
    var wkb = [UInt8]()
    var finished = false
    /// GeoJSON: GDAL makes a feature's integer `id` its FID and numbers the others 0, 1, 2…
    let fidMayBeFileID: Bool
    var read: Int64 = 0

    init(layer: VectorLayer) {
        self.layer = layer
        fieldTypes = layer.fields.map(\.type)
        fidMayBeFileID = layer.source.driverName.hasPrefix("GeoJSON")
        OGR_L_ResetReading(layer.handle)
        // Errors from before the read (a .prj GDAL could not parse) are not reading errors.
        CPLErrorReset()
        _ = GDALMessages.drain()
    }

    /// The next feature, or nil at the end. A truncated or corrupt file throws rather than ending early.
    public func next() throws -> SourceFeature? {
        guard !finished else { return nil }
        guard let f = OGR_L_GetNextFeature(layer.handle) else {
            finished = true
            let msgs = GDALMessages.drain().filter { !$0.contains("does not support open option") }
            if let last = msgs.last, CPLGetLastErrorType().rawValue >= CE_Failure.rawValue {
                CPLErrorReset()
                throw GDALError(path: layer.source.path, message: "reading stopped: \(last)")
            }
            return nil
        }
        defer { OGR_F_Destroy(f) }
        var values = [RawValue]()
        values.reserveCapacity(fieldTypes.count)
        for (i, type) in fieldTypes.enumerated() {
            let idx = Int32(i)
            guard OGR_F_IsFieldSetAndNotNull(f, idx) != 0 else { values.append(.null); continue }
            switch type {
            case .integer: values.append(.integer(OGR_F_GetFieldAsInteger64(f, idx)))
            case .boolean: values.append(.boolean(OGR_F_GetFieldAsInteger(f, idx) != 0))
            case .real: values.append(.real(OGR_F_GetFieldAsDouble(f, idx)))
            case .date, .dateTime:
                var y: Int32 = 0, m: Int32 = 0, d: Int32 = 0, h: Int32 = 0, mi: Int32 = 0, tz: Int32 = 0
                var s: Float = 0
                if OGR_F_GetFieldAsDateTimeEx(f, idx, &y, &m, &d, &h, &mi, &s, &tz) != 0 {
                    values.append(.date(type == .date
                        ? String(format: "%04d-%02d-%02d", y, m, d)
                        : String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, h, mi, Int(s))))
                } else { values.append(.null) }
            default:
                let p = OGR_F_GetFieldAsString(f, idx)!
                values.append(.bytes(Array(UnsafeRawBufferPointer(start: p, count: strlen(p)))))
            }
        }
        var geometry: Geometry?
        var problem: String?
        if let g = OGR_F_GetGeometryRef(f), OGR_G_IsEmpty(g) == 0 {
            let size = Int(OGR_G_WkbSize(g))
            if wkb.count < size { wkb = [UInt8](repeating: 0, count: size) }
            let err = wkb.withUnsafeMutableBufferPointer { OGR_G_ExportToIsoWkb(g, wkbNDR, $0.baseAddress) }
            if err == OGRERR_NONE {
                do {
                    geometry = try wkb.withUnsafeBytes { try WKB.decode(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
                } catch { problem = "\(error)" }
            } else { problem = "OGR could not export the geometry" }
        }
        let fid = OGR_F_GetFID(f)
        defer { read += 1 }
        // A FID that is not the running number came from the file's `id`.
        let id = fidMayBeFileID && fid != read ? String(fid) : nil
        return SourceFeature(fid: fid, geometry: geometry, geometryProblem: problem, values: values, id: id)
    }
}
