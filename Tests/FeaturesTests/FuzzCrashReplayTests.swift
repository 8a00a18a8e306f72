import Testing
import TestSupport
@testable import Features

/// CQL2 text filters that crashed the parser (Tests/Fuzz/crashes/cql2text/): 16,000 nested
/// parentheses and 20,000 `NOT`s overflow the stack of the recursive descent (and of
/// `propertyNames` and the SQL compiler after it). Each must be refused with a syntax error.
@Suite struct CQL2FuzzCrashReplayTests {
    @Test
    func savedCrashesAreRefused() throws {
        let inputs = try FuzzCrashes.inputs("cql2text")
        #expect(!inputs.isEmpty)
        for input in inputs {
            let text = String(decoding: input.bytes, as: UTF8.self)
            #expect(throws: CQL2SyntaxError.self, "\(input.name)") { try CQL2Text.parse(text) }
        }
    }
}
