// libFuzzer harness: an uploaded GeoJSON file read by `GeoJSONReader` (Sources/Ingest), both
// passes: the input is written to a file, opened as an ingest opens it, and every feature read.
// The reader must read it, decline it (GDAL then reads it) or throw; never trap.
import Foundation
import GDALKit

private let path = NSTemporaryDirectory() + "bando-fuzz-\(getpid()).geojson"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    guard let reader = try? GeoJSONReader.open(path) else { return 0 }
    var n = 0
    while let feature = try? reader.next() {
        precondition(feature.values.count == reader.fields.count, "a feature with another number of values than fields")
        n += 1
    }
    return 0
}
