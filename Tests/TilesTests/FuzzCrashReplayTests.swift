import Testing
import TestSupport
@testable import Tiles

/// Tiles that crashed the MVT decoder's fuzzer (`make fuzz`, Tests/Fuzz/crashes/mvt/): each
/// must now be refused with `MVTDecodingError`.
@Suite struct MVTFuzzCrashReplayTests {
    @Test func savedCrashesAreRefused() throws {
        let inputs = try FuzzCrashes.inputs("mvt")
        #expect(!inputs.isEmpty)
        for input in inputs {
            #expect(throws: MVTDecodingError.self, "\(input.name)") { try MVTDecoder.decode(input.bytes) }
        }
    }

    /// A length-delimited field whose length varint is past Int.max trapped converting it.
    @Test func lengthBeyondIntMaxIsAnError() {
        // Layer field (3, wire type 2) with a length of 2^64 - 1.
        let tile: [UInt8] = [0x1A] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        #expect(throws: MVTDecodingError.self) { try MVTDecoder.decode(tile) }
    }
}
