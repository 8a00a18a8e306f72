import Foundation
import TestSupport

/// Runs a browser test script in the test venv with `Tests/Browser` on its import path, where
/// `bando_browser` starts Chromium and checks each step the same way for every walk.
enum BrowserScript {
    static func run(_ script: String, _ arguments: [String] = [], timeout: TimeInterval? = nil) throws -> ProcessResult {
        let folder = TestPaths.root.appendingPathComponent("Tests/Browser").path
        return try Run.python("import sys; sys.path.insert(0, \(String(reflecting: folder)))\n" + script, arguments, timeout: timeout)
    }
}
