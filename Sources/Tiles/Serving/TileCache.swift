import Foundation

/// A bounded least-recently-used cache of served tiles, measured in bytes.
///
/// Keys carry the tileset and the revision they were built from, so a new dataset version
/// simply stops hitting old entries; `removeAll(tileset:)` frees them at once.
/// The recency list links nodes by reference: a hit (the hot path of every cached tile)
/// costs one dictionary lookup and a few pointer moves, no copy of the entry.
final class TileCache: @unchecked Sendable {
    struct Key: Hashable {
        var tileset: String
        var coord: TileCoordKey
    }
    struct TileCoordKey: Hashable { var z: Int32, x: Int32, y: Int32 }
    final class Node {
        let key: Key
        let value: CachedTile
        let cost: Int
        var prev: Node?, next: Node?
        init(key: Key, value: CachedTile) { self.key = key; self.value = value; cost = value.cost }
    }

    private let lock = NSLock()
    private var entries: [Key: Node] = [:]
    private var head: Node?, tail: Node?       // head: most recent
    private var bytes = 0
    let capacity: Int

    init(capacityBytes: Int) { capacity = max(0, capacityBytes) }

    var isEnabled: Bool { capacity > 0 }

    func get(_ key: Key) -> CachedTile? {
        guard isEnabled else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let node = entries[key] else { return nil }
        if node !== head {
            detach(node)
            pushFront(node)
        }
        return node.value
    }

    func put(_ key: Key, _ value: CachedTile) {
        let node = Node(key: key, value: value)
        guard isEnabled, node.cost <= capacity / 4 else { return }
        lock.lock(); defer { lock.unlock() }
        if let old = entries[key] { remove(old) }
        entries[key] = node
        pushFront(node)
        bytes += node.cost
        while bytes > capacity, let t = tail { remove(t) }
    }

    func removeAll(tileset: String) {
        lock.lock(); defer { lock.unlock() }
        for (k, node) in entries where k.tileset == tileset { remove(node) }
    }

    var usedBytes: Int { lock.lock(); defer { lock.unlock() }; return bytes }
    var count: Int { lock.lock(); defer { lock.unlock() }; return entries.count }

    private func remove(_ node: Node) {
        entries.removeValue(forKey: node.key)
        detach(node)
        bytes -= node.cost
    }

    private func detach(_ node: Node) {
        if let p = node.prev { p.next = node.next } else if head === node { head = node.next }
        if let n = node.next { n.prev = node.prev } else if tail === node { tail = node.prev }
        node.prev = nil; node.next = nil
    }

    private func pushFront(_ node: Node) {
        node.next = head
        head?.prev = node
        head = node
        if tail == nil { tail = node }
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
