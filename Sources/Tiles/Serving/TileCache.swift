import Foundation

/// A bounded least-recently-used cache of served tiles, measured in bytes.
///
/// Keys carry the tileset and the revision they were built from, so a new dataset version
/// simply stops hitting old entries; `removeAll(tileset:)` frees them at once.
final class TileCache: @unchecked Sendable {
    struct Key: Hashable {
        var tileset: String
        var coord: TileCoordKey
    }
    struct TileCoordKey: Hashable { var z: Int32, x: Int32, y: Int32 }
    struct Entry {
        var value: CachedTile
        var cost: Int
        var prev: Key?, next: Key?
    }

    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    private var head: Key?, tail: Key?       // head: most recent
    private var bytes = 0
    let capacity: Int

    init(capacityBytes: Int) { capacity = max(0, capacityBytes) }

    var isEnabled: Bool { capacity > 0 }

    func get(_ key: Key) -> CachedTile? {
        guard isEnabled else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let e = entries[key] else { return nil }
        moveToFront(key)
        return e.value
    }

    func put(_ key: Key, _ value: CachedTile) {
        let cost = value.cost
        guard isEnabled, cost <= capacity / 4 else { return }
        lock.lock(); defer { lock.unlock() }
        if entries[key] != nil { unlink(key) }
        entries[key] = Entry(value: value, cost: cost, prev: nil, next: head)
        if let h = head { entries[h]?.prev = key }
        head = key
        if tail == nil { tail = key }
        bytes += cost
        while bytes > capacity, let t = tail { unlink(t) }
    }

    func removeAll(tileset: String) {
        lock.lock(); defer { lock.unlock() }
        for k in entries.keys where k.tileset == tileset { unlink(k) }
    }

    var usedBytes: Int { lock.lock(); defer { lock.unlock() }; return bytes }
    var count: Int { lock.lock(); defer { lock.unlock() }; return entries.count }

    private func unlink(_ key: Key) {
        guard let e = entries.removeValue(forKey: key) else { return }
        if let p = e.prev { entries[p]?.next = e.next } else { head = e.next }
        if let n = e.next { entries[n]?.prev = e.prev } else { tail = e.prev }
        bytes -= e.cost
    }

    private func moveToFront(_ key: Key) {
        guard head != key, var e = entries[key] else { return }
        if let p = e.prev { entries[p]?.next = e.next }
        if let n = e.next { entries[n]?.prev = e.prev } else { tail = e.prev }
        e.prev = nil; e.next = head
        entries[key] = e
        if let h = head { entries[h]?.prev = key }
        head = key
    }
}

/// A tile as the cache keeps it: both encodings made once, so a hit costs no compression.
struct CachedTile: Sendable {
    var plain: [UInt8]
    var gzipped: [UInt8]
    var etag: String
    var featureCount: Int
    var droppedForSize: Int
    var cost: Int { plain.count + gzipped.count + etag.utf8.count + 96 }
}
