// The output of the programs a test keeps running (`bando serve`, a build it interrupts),
// printed when that test fails: a failing check on an HTTP answer then comes with what the
// server said at the time. Logs live in scratch folders that vanish with the test, so their
// text is kept as each child stops.
public import Testing
import Foundation

/// The logs of the children started under the current test (a task-local book, opened by
/// the `.printsChildLogsOnFailure` trait; without it, registering does nothing).
public enum ChildLogs {
    final class Book: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [(name: String, path: String, text: String?)] = []

        func add(_ name: String, _ path: String) {
            lock.lock(); entries.append((name, path, nil)); lock.unlock()
        }

        func keep(_ path: String) {
            let text = try? String(contentsOfFile: path, encoding: .utf8)
            lock.lock()
            for i in entries.indices where entries[i].path == path { entries[i].text = text ?? entries[i].text }
            lock.unlock()
        }

        func report() -> String? {
            lock.lock(); let all = entries; lock.unlock()
            guard !all.isEmpty else { return nil }
            return all.map { e in
                let text = (try? String(contentsOfFile: e.path, encoding: .utf8)) ?? e.text ?? "(no output)"
                return "── log of \(e.name) (\(e.path)), its end:\n\(text.suffix(6_000))"
            }.joined(separator: "\n")
        }
    }

    @TaskLocal static var book: Book?

    /// Remembers the log of a child started by the running test, to print if the test fails.
    public static func register(_ name: String, logPath: String) { book?.add(name, logPath) }

    /// Keeps the log's text now (call as the child stops: its scratch folder may go first).
    public static func keep(logPath: String) { book?.keep(logPath) }
}

/// Prints the logs of the children a test started (`BackgroundProcess`, or any registered
/// with `ChildLogs.register`) when the test records an issue or throws.
public struct PrintsChildLogsOnFailure: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard !test.isSuite else { return try await function() }
        let book = ChildLogs.Book()
        let failed = LockedFlag()
        do {
            try await ChildLogs.$book.withValue(book) {
                // Each issue passes through `matching` and is recorded as usual (never matched).
                try await withKnownIssue(isIntermittent: true) {
                    try await function()
                } matching: { _ in
                    failed.set()
                    return false
                }
            }
        } catch {
            failed.set()
            if let report = book.report() { FileHandle.standardError.write(Data("\(test.name) failed:\n\(report)\n".utf8)) }
            throw error
        }
        if failed.isSet, let report = book.report() {
            FileHandle.standardError.write(Data("\(test.name) failed:\n\(report)\n".utf8))
        }
    }
}

extension Trait where Self == PrintsChildLogsOnFailure {
    /// On failure, print the logs of the servers and other children the test started.
    public static var printsChildLogsOnFailure: Self { PrintsChildLogsOnFailure() }
}
