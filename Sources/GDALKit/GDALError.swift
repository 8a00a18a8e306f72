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
    }()

    static func ensure() { _ = ready }
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
