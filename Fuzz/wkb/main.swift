// libFuzzer harness: Well-Known Binary as the store and GDAL hand it to Bando.
// Built by Fuzz/fuzz.sh with GeoModel; any input must decode or throw, never trap.
import GeoModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    if let g = try? WKB.decode(raw) {
        // What decodes must encode and decode to the same 2-D geometry.
        let again = try? WKB.decode(WKB.encode(g))
        precondition(again != nil, "re-encoded WKB does not decode")
    }
    _ = try? WKB.decode(Array(raw))
    return 0
}
