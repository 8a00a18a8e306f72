import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL + PostGIS database of the tests that need one (issue 21): the store's
/// contract suite, and the tiles and downloads made from either engine.
///
/// `make test` starts a cluster of its own (Tests/Postgres/cluster.sh) and exports its URL as
/// `BANDO_TEST_POSTGRES`. A test run without it (`swift test --filter …`) starts one through the
/// same script, stopped when the test process exits. Never a silent skip: when neither works,
/// `url()` throws, saying how to run the tests.
public enum TestPostgres {
    public static let variable = "BANDO_TEST_POSTGRES"

    /// The database's URL (`postgres://…`), starting a cluster the first time if needed.
    public static func url() throws -> String { try started.get() }

    /// A schema name no other test uses: one schema per test keeps them independent.
    public static func newSchema(_ label: String = "t") -> String {
        "\(label)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
    }

    /// Runs one SQL statement with psql and returns its rows, fields separated by `|`: a check
    /// of the database that does not go through the code under test.
    public static func query(_ sql: String) throws -> [String] {
        let result = try Run.process("psql", [try url(), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard result.succeeded else { throw TestSupportError("psql failed: \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    private static let started: Result<String, TestSupportError> = {
        if let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty { return .success(url) }
        let script = TestPaths.root.appendingPathComponent("Tests/Postgres/cluster.sh").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bando-pg-\(UUID().uuidString)").path
        do {
            // Not through Foundation's Process: pg_ctl leaves a server running past the script,
            // and Process then never saw the script end (waitUntilExit hung on its zombie).
            let (status, stdout, stderr) = try shell("'\(script)' start '\(dir)'", outputBeside: dir)
            guard status == 0 else { throw TestSupportError(stderr) }
            clusterToStop = strdup("'\(script)' stop '\(dir)' >/dev/null 2>&1")
            atexit {
                if let command = clusterToStop { _ = system(command) }
            }
            return .success(stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return .failure(TestSupportError("""
                these tests need PostgreSQL 15 with PostGIS 3, and none could be started (\(error)): \
                run them with `make test`, or install postgresql-15 postgresql-15-postgis-3, \
                or set \(variable)=postgres://user@host:port/database (a database with the postgis extension)
                """))
        }
    }()
}

/// Runs `command` with /bin/sh through posix_spawn and waitpid, its output in files beside `path`.
private func shell(_ command: String, outputBeside path: String) throws -> (status: Int32, stdout: String, stderr: String) {
    let out = path + ".out", err = path + ".err"
    defer { unlink(out); unlink(err) }
    let line = "\(command) >'\(out)' 2>'\(err)' </dev/null"
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(line), nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
    guard rc == 0 else { throw TestSupportError("could not start /bin/sh: error \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : -1, read(out), read(err))
}

/// The command that stops the cluster this process started, run at exit (a C callback cannot
/// capture it).
nonisolated(unsafe) private var clusterToStop: UnsafeMutablePointer<CChar>?
