// libFuzzer harness: the raw tile fast path's HTTP request parser (Sources/App/RawTileRequest.swift),
// which reads the bytes of a connection before any HTTP decoder. Whatever a client sends, it
// must answer nil or a request within the bytes it was given; never trap or read past them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // A copy of exactly `size` bytes, so that AddressSanitizer sees a read past the end.
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
    defer { copy.deallocate() }
    copy.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size))
    let p = UnsafeRawBufferPointer(copy)
    if let request = RawTileRequest.parse(p) {
        precondition(request.length <= size, "a request longer than the bytes read")
        precondition(request.z <= 30 && request.x < 1 << request.z && request.y < 1 << request.z, "a tile outside the quad tree")
        if let range = request.ifNoneMatch {
            // As `RawTileFastPath.answer` compares it with the tile's ETag.
            _ = TileRoutes.ifNoneMatch(UnsafeRawBufferPointer(rebasing: p[range]), matches: "\"abc\"".utf8)
        }
    }
    _ = RawTileRequest.wholeRequests(p)
    return 0
}

/// The namespace `Sources/App/TileRoutes+Headers.swift` extends (declared in Routes+Tiles.swift,
/// which needs Hummingbird).
enum TileRoutes {}
