// Upload spool files: where the portal's upload route writes a body before Ingest reads it, and
// the sweep at start-up of those a killed process left behind (the route removes its own when
// it ends, but a kill -9 gives it no chance).
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

enum UploadSpool {
    static let prefix = "bando-upload-"

    /// A fresh id for one upload's files: `<pid>-<uuid>`, so a sweep can tell the files of a
    /// live process (another server sharing the folder) from those of a dead one.
    static func newID() -> String { "\(getpid())-\(UUID().uuidString)" }

    /// Removes the spool files in `directory` that no running process owns: those whose pid is
    /// not a live process (and not this one), and, for names without a pid, those last written
    /// before this process started. Returns how many it removed.
    @discardableResult
    static func sweep(_ directory: URL, processStart: Date = processStartTime(), logger: Logger? = nil) -> Int {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            let path = directory.appendingPathComponent(name).path
            guard isStale(name: name, path: path, processStart: processStart) else { continue }
            if (try? fm.removeItem(atPath: path)) != nil { removed += 1 }
        }
        if removed > 0 { logger?.info("removed \(removed) upload spool file(s) left by a process that was stopped") }
        return removed
    }

    static func isStale(name: String, path: String, processStart: Date) -> Bool {
        let rest = name.dropFirst(prefix.count)
        // A pid has at most 7 digits (Linux's pid_max is 2²²); an older name's UUID starts with 8 hex digits.
        if let dash = rest.firstIndex(of: "-"), rest[..<dash].count <= 7, let pid = pid_t(rest[..<dash]), pid > 0 {
            guard pid != getpid() else { return false }
            // kill(pid, 0) fails with ESRCH only when no such process exists.
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return false }
        return modified < processStart
    }

    /// When this process started: from /proc (the boot time plus the process's start in clock
    /// ticks); now, where /proc cannot tell.
    static func processStartTime() -> Date {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let procStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let btimeLine = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let boot = Double(btimeLine.dropFirst(6).trimmingCharacters(in: .whitespaces)) else { return Date() }
        // Fields after the command name: state is field 3, starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return Date() }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return Date(timeIntervalSince1970: boot + ticks / max(1, hz))
    }
}
