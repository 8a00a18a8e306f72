import CGDAL
public import GeoModel
import Foundation

/// A vector source opened for reading: a shapefile (alone, or inside a zip), a GeoJSON file,
/// or anything else OGR reads. Text is handed over as raw bytes for shapefiles: GDAL is told
/// not to recode DBF text (it mangles Windows-1258 and TCVN3), so callers decode it themselves.
///
/// ```swift
/// let source = try VectorSource(path: "Fixtures/hue/communes.zip")
/// let layer = try source.layer(0)
/// for try await raw in layer.features() { … }
/// ```
public final class VectorSource: @unchecked Sendable {
    /// The path as the user gave it.
    public let path: String
    /// The path GDAL opened (`/vsizip/…/x.shp` for a zipped shapefile).
    public let gdalPath: String
    /// OGR's driver short name, e.g. "ESRI Shapefile", "GeoJSON".
    public let driverName: String
    /// Warnings GDAL gave while opening.
    public let openWarnings: [String]
    let handle: GDALDatasetH

    public init(path: String) throws {
        GDALRuntime.ensure()
        _ = GDALMessages.drain()
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw GDALError(path: path, message: "no such file")
        }
        let resolved = try Self.resolve(path)
        gdalPath = resolved
        let isShapefile = resolved.lowercased().hasSuffix(".shp") || resolved.lowercased().hasSuffix(".dbf")
        // GDAL reads broken sets its own lenient way (see `ShapefileCheck`): they are refused first.
        if resolved.lowercased().hasSuffix(".shp") { try ShapefileCheck.check(shp: resolved) }
        var options: [String] = []
        if isShapefile { options.append("ENCODING=") }
        let handle = withCStringArray(options) { opts in
            GDALOpenEx(resolved, UInt32(GDAL_OF_VECTOR | GDAL_OF_READONLY), nil, opts, nil)
        }
        guard let handle else {
            throw GDALMessages.error(path, "cannot be read as a vector dataset")
        }
        self.handle = handle
        driverName = GDALGetDriverShortName(GDALGetDatasetDriver(handle)).map { String(cString: $0) } ?? "unknown"
        openWarnings = GDALMessages.drain()
    }

    deinit { GDALClose(handle) }

    public var layerCount: Int { Int(GDALDatasetGetLayerCount(handle)) }

    public func layer(_ index: Int) throws -> VectorLayer {
        guard index >= 0, index < layerCount, let l = GDALDatasetGetLayer(handle, Int32(index)) else {
            throw GDALError(path: path, message: "has no layer \(index) (it has \(layerCount))")
        }
        // The shapefile driver parses the .prj lazily, on first use: parse it now, so a broken
        // .prj is reported as a missing CRS rather than as a failure in the middle of reading.
        _ = OGR_L_GetSpatialRef(l)
        CPLErrorReset()
        _ = GDALMessages.drain()
        return VectorLayer(source: self, handle: l)
    }

    /// Reads a small file next to the source (a `.cpg`, the head of a `.dbf`) through GDAL's
    /// virtual file system, so it works inside zips too. `nil` when it does not exist.
    public func sidecar(extension ext: String, maxBytes: Int = 4096) -> [UInt8]? {
        guard gdalPath.lowercased().hasSuffix(".shp") else { return nil }
        let base = String(gdalPath.dropLast(4))
        for candidate in [base + "." + ext.lowercased(), base + "." + ext.uppercased()] {
            if let bytes = readVirtualFile(candidate, maxBytes: maxBytes) { return bytes }
        }
        return nil
    }

    /// Picks the file GDAL should open: a zip's single shapefile (or GeoJSON), a folder's shapefile.
    static func resolve(_ path: String) throws -> String {
        let lower = path.lowercased()
        if lower.hasSuffix(".zip") {
            let root = "/vsizip/" + path
            guard let list = CPLStringList(VSIReadDirRecursive(root)), !list.isEmpty else {
                throw GDALError(path: path, message: "is not a readable zip archive (or it is empty)")
            }
            let shps = list.filter { $0.lowercased().hasSuffix(".shp") && !$0.hasPrefix("__MACOSX") }
            let jsons = list.filter { $0.lowercased().hasSuffix(".geojson") || $0.lowercased().hasSuffix(".json") }
            if shps.count == 1 { return root + "/" + shps[0] }
            if shps.count > 1 {
                throw GDALError(path: path, message: "holds \(shps.count) shapefiles (\(shps.joined(separator: ", "))): put one shapefile per zip")
            }
            if jsons.count == 1 { return root + "/" + jsons[0] }
            throw GDALError(path: path, message: "holds no shapefile (.shp) or GeoJSON; it contains: \(list.prefix(10).joined(separator: ", "))")
        }
        if lower.hasSuffix(".shp") {
            let base = String(path.dropLast(4))
            for ext in ["shx", "dbf"] {
                let exists = FileManager.default.fileExists(atPath: base + "." + ext) ||
                    FileManager.default.fileExists(atPath: base + "." + ext.uppercased())
                if !exists {
                    throw GDALError(path: path, message: "the .\(ext) sidecar file is missing: a shapefile needs its .shp, .shx and .dbf side by side (zip them together to be sure)")
                }
            }
        }
        return path
    }
}

func readVirtualFile(_ path: String, maxBytes: Int) -> [UInt8]? {
    guard let fp = VSIFOpenL(path, "rb") else { return nil }
    defer { VSIFCloseL(fp) }
    var buffer = [UInt8](repeating: 0, count: maxBytes)
    let n = buffer.withUnsafeMutableBytes { VSIFReadL($0.baseAddress, 1, maxBytes, fp) }
    return Array(buffer.prefix(n))
}

/// Converts GDAL's NULL-terminated string list (ours to free) into Swift strings.
func CPLStringList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String]? {
    guard let list else { return nil }
    defer { CSLDestroy(list) }
    var out: [String] = []
    var i = 0
    while let s = list[i] { out.append(String(cString: s)); i += 1 }
    return out
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if strings.isEmpty { return body(nil) }
    let cStrings = strings.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
