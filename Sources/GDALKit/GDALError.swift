import CGDAL
public import Foundation

/// A failure reported by GDAL/OGR, with the file it concerns and GDAL's own message.
public struct GDALError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public init(path: String, message: String) { self.path = path; self.message = message }
    public var description: String { "\(path): \(message)" }
}

/// GDAL's one-time set-up: drivers registered, and GDAL's own messages kept out of stderr
/// (they reach users through our errors and reports instead).
enum GDALRuntime {
    static let ready: Void = {
        GDALAllRegister()
        CPLSetErrorHandler(collectError)
        // Shapefiles in zips are read without extracting; keep GDAL from guessing network access.
        CPLSetConfigOption("GDAL_HTTP_TIMEOUT", "5")
        closeNetwork()
    }()

    /// Uploads are read by GDAL, and some formats name URLs GDAL would fetch while reading: a
    /// GeoJSON `crs` of type `link` or `url` (OGRSpatialReference::importFromUrl), an XML
    /// schema, a VRT's `/vsicurl/` source. A public server must not fetch what a stranger names
    /// (GDAL 3.6 has no switch that turns its network off), so every way in is closed:
    /// CPLHTTPFetch, which the SRS import and the drivers use, answers through our callback with
    /// an error and no request; `/vsicurl/` and its kin only open a file name that cannot occur.
    static func closeNetwork() {
        CPLHTTPSetFetchCallback(refuseFetch, nil)
        CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_FILENAME", "/bando/network-access-is-disabled")
        CPLSetConfigOption("GDAL_HTTP_MAX_RETRY", "0")
    }

    static func ensure() { _ = ready }
}

/// The fetch callback: an error result for every URL (GDAL frees it with CPLHTTPDestroyResult).
private let refuseFetch: CPLHTTPFetchCallbackFunc = { _, _, _, _, _, _, _ in
    guard let result = CPLCalloc(1, MemoryLayout<CPLHTTPResult>.size)?.assumingMemoryBound(to: CPLHTTPResult.self) else { return nil }
    result.pointee.nStatus = 1
    result.pointee.pszErrBuf = CPLStrdup("network access is disabled in Bando: a file cannot make the server fetch a URL")
    return result
}

/// Messages GDAL reported on this thread since the last `drain()`.
private final class ErrorLog: @unchecked Sendable {
    var messages: [String] = []
}

private let errorLogKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { if let p = $0 { Unmanaged<ErrorLog>.fromOpaque(p).release() } }
    return key
}()

private func threadErrorLog() -> ErrorLog {
    if let p = pthread_getspecific(errorLogKey) { return Unmanaged<ErrorLog>.fromOpaque(p).takeUnretainedValue() }
    let log = ErrorLog()
    pthread_setspecific(errorLogKey, Unmanaged.passRetained(log).toOpaque())
    return log
}

private let collectError: @convention(c) (CPLErr, CPLErrorNum, UnsafePointer<CChar>?) -> Void = { level, _, msg in
    guard level.rawValue >= CE_Warning.rawValue, let msg else { return }
    let log = threadErrorLog()
    if log.messages.count < 50 { log.messages.append(String(cString: msg)) }
}

enum GDALMessages {
    /// The messages GDAL reported on this thread since the last call, cleared.
    static func drain() -> [String] {
        let log = threadErrorLog()
        defer { log.messages.removeAll() }
        return log.messages
    }

    static func error(_ path: String, _ fallback: String) -> GDALError {
        let msgs = drain()
        let detail = msgs.last.map { "\(fallback) (GDAL: \($0))" } ?? fallback
        return GDALError(path: path, message: detail)
    }
}
