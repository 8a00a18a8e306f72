import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder where one tile service writes its prepared layers (`LayerPack`): a folder of its
/// own under `base` (named by the process and a random suffix, so two servers or two services
/// in one process never share one), removed when the service goes; folders left by a process
/// that is gone (killed) are removed when the next one starts.
final class PackFolder: Sendable {
    let url: URL
    private let counter = Locked(0)

    /// `base` nil: the system's temporary folder.
    init(base: URL?) throws {
        let fm = FileManager.default
        let base = base ?? fm.temporaryDirectory.appending(path: "bando-prepared")
        try fm.createDirectory(at: base, withIntermediateDirectories: true)
        // Folders of processes that are gone.
        for name in (try? fm.contentsOfDirectory(atPath: base.path)) ?? [] {
            guard let pid = Int32(name.split(separator: "-").first ?? ""), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? fm.removeItem(at: base.appending(path: name)) }
        }
        url = base.appending(path: "\(getpid())-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Builds a pack for `version` into a folder of its own (written under a temporary name and
    /// renamed when complete) and opens it. A failed build leaves nothing behind.
    func build(version: Int64, plan: LayerPackBuilder.Plan, settings: [ZoomSettings],
               read: (_ body: (PreparedFeature) throws -> Void) throws -> Int) throws -> LayerPack {
        let n = counter.withLock { c -> Int in c += 1; return c }
        let final = url.appending(path: "v\(version)-\(n)")
        let temp = url.appending(path: "v\(version)-\(n).part")
        let fm = FileManager.default
        do {
            try LayerPackBuilder.build(into: temp, plan: plan, read: read)
            try fm.moveItem(at: temp, to: final)
        } catch {
            try? fm.removeItem(at: temp)
            if error is PackError { throw error }
            if let e = error as? CocoaError, e.code == .fileWriteOutOfSpace || e.code == .fileWriteUnknown || e.code == .fileWriteNoPermission {
                throw PackError.write("folder", ENOSPC)
            }
            throw error
        }
        // The preparation's heap (boxes, an index of every feature, the regions' topologies) is
        // free now: give it back to the system rather than keep it in the allocator's arenas.
        Self.trimHeap()
        return try LayerPack(folder: final, settings: settings)
    }

    /// glibc's `malloc_trim(0)` (not in Swift's Glibc module, so looked up by name); nothing
    /// where there is none.
    static func trimHeap() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Removes the packs of every version not in `versions` (a mapped pack stays readable until
    /// its last tile is built: the files go when it is unmapped).
    func keepOnly(versions: Set<Int64>) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: url.path)) ?? [] {
            guard name.hasPrefix("v"), let id = Int64(name.dropFirst().split(separator: "-").first ?? ""), !versions.contains(id) else { continue }
            try? fm.removeItem(at: url.appending(path: name))
        }
    }
}
