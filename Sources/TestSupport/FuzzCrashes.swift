public import Foundation

/// Inputs that once crashed a libFuzzer harness (`make fuzz`), kept in
/// `Tests/Fuzz/crashes/<fuzzer>/` and replayed by the test target of the code they crashed,
/// through its real entry point: each must now be refused with an error, not a trap.
public enum FuzzCrashes {
    public static func folder(_ fuzzer: String) -> URL {
        TestPaths.root.appendingPathComponent("Tests/Fuzz/crashes/\(fuzzer)")
    }

    /// Every saved input of `fuzzer`, by file name, in name order.
    public static func inputs(_ fuzzer: String) throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder(fuzzer).path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: folder(fuzzer).appendingPathComponent($0)))) }
    }
}
