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
    /// `<revision>-<z>-<x>-<y>`, unquoted.
    var etag: String
    /// The tileset revision the tile was built from (the start of `etag`).
    var revision: String
    var featureCount: Int
    var droppedForSize: Int
    /// What the HTTP layer built from this entry (its response bytes); dropped with the entry.
    let attachment = TileAttachment()
    /// The attachment holds at most another copy of both encodings and a few hundred bytes of headers.
    var cost: Int { 2 * (plain.count + gzipped.count) + etag.utf8.count + 96 + 512 }
}

/// A slot on a cached tile where the HTTP layer keeps what it derives from it, built once on
/// the first hit (the full response bytes of the raw fast path). It lives and dies with the
/// cache entry, so a new dataset version, which replaces the entry, never meets old bytes.
/// Type-erased because this module knows nothing of HTTP.
public final class TileAttachment: @unchecked Sendable {
    private let lock = NSLock()
    private var value: AnyObject?

    /// The value kept here, made by `make` (and kept) if there is none of type `T` yet.
    public func value<T: AnyObject & Sendable>(orMake make: () -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        if let v = value as? T { return v }
        let v = make()
        value = v
        return v
    }
}

/// A hit of `TileService.cachedTile`: the cached entry, current for its tileset.
public struct CachedTileHit: Sendable {
    let tile: CachedTile

    /// The answer `TileService.tile` gives for this tile.
    public func answer(acceptsGzip: Bool) -> TileService.Answer {
        acceptsGzip ? .tile(data: tile.gzipped, gzipped: true, etag: "\"" + tile.etag + "-gz\"")
                    : .tile(data: tile.plain, gzipped: false, etag: "\"" + tile.etag + "\"")
    }

    /// Where the HTTP layer keeps its response bytes for this entry.
    public var attachment: TileAttachment { tile.attachment }
}
