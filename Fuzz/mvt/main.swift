// libFuzzer harness: `MVTDecoder` (Sources/Tiles/MVT), which reads tiles from archives and the
// tile checks. Any bytes must decode or throw `MVTDecodingError`, never trap.
import GeoModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let tile = try? MVTDecoder.decode(bytes) else { return 0 }
    for layer in tile.layers {
        for feature in layer.features {
            for (key, _) in feature.attributes { precondition(layer.keys.contains(key), "an attribute with a key the layer lacks") }
        }
    }
    return 0
}
