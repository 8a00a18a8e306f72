import Foundation
import Synchronization

/// A bounded least-recently-used cache of served tiles, measured in bytes.
///
/// Keys carry the tileset and the revision they were built from, so a new dataset version
/// simply stops hitting old entries; `removeAll(tileset:)` frees them at once.
/// The recency list links nodes by reference. A hit (the hot path of every cached tile) costs
/// one dictionary lookup; it moves its node to the front only when the node has fallen out of
/// the front half of the list, so hot tiles are not relinked on every hit and the list still
/// holds the least recently used at its tail: a node left in place was at most `count / 2`
/// moves from the front when it was last hit.
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
        /// `moves` when the node was last put at the front.
        var stamp = 0
        init(key: Key, value: CachedTile) { self.key = key; self.value = value; cost = value.cost }
    }

    private let lock = NSLock()
    private var entries: [Key: Node] = [:]
    private var head: Node?, tail: Node?       // head: most recent
    private var bytes = 0
    /// Nodes put at the front so far: a node's distance from the front is at most `moves - stamp`.
    private var moves = 0
    let capacity: Int

    init(capacityBytes: Int) { capacity = max(0, capacityBytes) }

    var isEnabled: Bool { capacity > 0 }

    func get(_ key: Key) -> CachedTile? {
        guard isEnabled else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let node = entries[key] else { return nil }
        if node !== head, moves &- node.stamp > entries.count / 2 {
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
        moves &+= 1
        node.stamp = moves
        node.next = head
        head?.prev = node
        head = node
        if tail == nil { tail = node }
    }
}

/// A tile as the cache keeps it: both encodings made once, so a hit costs no compression.
/// A class, so a hit hands over one reference rather than copying (and retaining) every field.
final class CachedTile: Sendable {
    let plain: [UInt8]
    let gzipped: [UInt8]
    /// `<revision>-<z>-<x>-<y>`, unquoted.
    let etag: String
    /// The tileset revision the tile was built from (the start of `etag`).
    let revision: String
    let featureCount: Int
    let droppedForSize: Int
    /// What the HTTP layer built from this entry (its response bytes); dropped with the entry.
    let attachment = TileAttachment()

    init(plain: [UInt8], gzipped: [UInt8], etag: String, revision: String, featureCount: Int, droppedForSize: Int) {
        self.plain = plain; self.gzipped = gzipped; self.etag = etag; self.revision = revision
        self.featureCount = featureCount; self.droppedForSize = droppedForSize
    }
    /// The attachment holds at most another copy of both encodings and a few hundred bytes of headers.
    var cost: Int { 2 * (plain.count + gzipped.count) + etag.utf8.count + 96 + 512 }
}

/// A slot on a cached tile where the HTTP layer keeps what it derives from it, built once on
/// the first hit (the full response bytes of the raw fast path). It lives and dies with the
/// cache entry, so a new dataset version, which replaces the entry, never meets old bytes.
/// Type-erased because this module knows nothing of HTTP. Set once and read on every hit of
/// the tile, from any event loop, without a lock: the slot holds a retained reference, published
/// by compare-and-exchange, released with the attachment.
public final class TileAttachment: Sendable {
    /// An `Unmanaged<AnyObject>` as a bit pattern, 0 while nothing is kept.
    private let slot = Atomic<UInt>(0)

    /// The value kept here, made by `make` (and kept) if there is none yet. One type of value
    /// is kept per attachment (the HTTP layer's); asking for another type is a programming error
    /// (checked in debug builds).
    public func value<T: AnyObject & Sendable>(orMake make: () -> T) -> T {
        if let kept = load() { return unsafeDowncast(kept, to: T.self) }
        let made = Unmanaged.passRetained(make() as AnyObject)
        let bits = UInt(bitPattern: made.toOpaque())
        let (won, found) = slot.compareExchange(expected: 0, desired: bits, ordering: .acquiringAndReleasing)
        if won { return unsafeDowncast(made.takeUnretainedValue(), to: T.self) }
        made.release()   // another thread kept its value first
        return unsafeDowncast(Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(bitPattern: found)!).takeUnretainedValue(), to: T.self)
    }

    private func load() -> AnyObject? {
        let bits = slot.load(ordering: .acquiring)
        guard bits != 0 else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
    }

    deinit {
        let bits = slot.load(ordering: .acquiring)
        if bits != 0 { Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).release() }
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
