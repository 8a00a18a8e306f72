public import Foundation
public import GeoModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A layer generalised for every zoom, kept on disk and memory-mapped: what a store tileset
/// is cut from, whatever the size of the dataset.
///
/// A pack is a folder written once per dataset version by `LayerPackBuilder` and never changed.
/// Features are numbered in the order of a Morton curve over their boxes, so the features of
/// a tile lie close together in the files, and a request touches only the pages of its part of
/// the map: the server's resident memory follows what is asked, not the dataset's size.
///
/// Files (native byte order, written and read by the same binary):
/// - `pack.json`: the header (`LayerPack.Header`);
/// - `feature.id` (Int64 per feature), `feature.values` (Int32 per feature and field: an id in
///   the value table, -1 for null);
/// - `value.offsets` (Int64 per value, and one past the last), `value.bytes`: every distinct
///   attribute value, encoded once as an MVT Value message;
/// - per level (a zoom, or `full` for the whole detail), its records: `L.feature` (Int32 feature
///   number), `L.family` (UInt8), `L.firstPart` (Int64 per record, and one past the last),
///   `L.partEnd` (Int64 per part: one past its last position), `L.exterior` (UInt8 per part),
///   `L.xy` (two Doubles per position, Web Mercator metres), `L.box` (four Doubles per record),
///   `L.tree` (the boxes of a packed R-tree's inner nodes over the records, in their order).
public final class LayerPack: Sendable {
    struct Header: Codable {
        static let currentFormat = 1
        var format: Int
        var name: String
        var fieldNames: [String]
        var featureCount: Int
        var valueCount: Int
        var skipped: Int
        var minZoom: Int
        var maxZoom: Int
        /// The zooms that have a level of their own ("full": the whole detail); a zoom not
        /// listed between minZoom and maxZoom draws the level it is aliased to in `aliases`.
        var levels: [LevelHeader]
        var aliases: [String: String]
        /// Zooms whose polygons are coalesced, with the fields they are grouped by and carry.
        var coalescedFields: [String: [Int]]
    }
    struct LevelHeader: Codable {
        var name: String
        var records: Int
        var parts: Int
        var positions: Int
        /// Start of each inner level of the R-tree in `L.tree` (in nodes), lowest first.
        var treeLevels: [Int]
        var treeNodes: Int
    }

    public let folder: URL
    public let name: String
    public let fieldNames: [String]
    public let featureCount: Int
    public let skipped: Int
    public let minZoom: Int
    public let maxZoom: Int
    /// How each zoom from `minZoom` to `maxZoom` is drawn (simplification, fields).
    let settings: [ZoomSettings]
    private let levels: [String: PackLevel]
    /// The level of each zoom from `minZoom` to `maxZoom` (nil where it has none), and the
    /// whole detail's: a tile finds its level without making and hashing a name.
    private let levelOfZoom: [PackLevel?]
    private let fullLevel: PackLevel?
    /// The level of label points (each under its feature's whole box), nil without labels:
    /// every polygon feature with a label position has one record there.
    let labelLevel: PackLevel?
    /// What each record's ring checks found at each zoom from `minZoom` to `maxZoom`
    /// (`TileClipper.RingChecks`), learned by the tiles cut so far.
    private let ringChecks: [RingCheckMemo]
    private let ids: MappedFile
    private let values: MappedFile
    private let valueOffsets: MappedFile
    private let valueBytes: MappedFile

    /// Opens a pack written by `LayerPackBuilder`; `settings` are those it was built with.
    init(folder: URL, settings: [ZoomSettings]) throws {
        self.folder = folder
        let header = try JSONDecoder().decode(Header.self, from: Data(contentsOf: folder.appending(path: "pack.json")))
        guard header.format == Header.currentFormat else { throw PackError.unreadable("format \(header.format)") }
        name = header.name; fieldNames = header.fieldNames; featureCount = header.featureCount; skipped = header.skipped
        minZoom = header.minZoom; maxZoom = header.maxZoom
        var settings = settings
        for (zoom, fields) in header.coalescedFields {
            guard let z = Int(zoom), z >= minZoom, z - minZoom < settings.count else { continue }
            settings[z - minZoom].fieldIndices = fields
            settings[z - minZoom].coalesce = true
        }
        self.settings = settings
        func file(_ n: String) throws -> MappedFile { try MappedFile(path: folder.appending(path: n).path) }
        ids = try file("feature.id"); values = try file("feature.values")
        valueOffsets = try file("value.offsets"); valueBytes = try file("value.bytes")
        var levels: [String: PackLevel] = [:]
        for l in header.levels { levels[l.name] = try PackLevel(folder: folder, header: l) }
        for (zoom, target) in header.aliases { levels[zoom] = levels[target] }
        labelLevel = levels["labels"]
        self.levels = levels
        levelOfZoom = (minZoom...max(minZoom, maxZoom)).map { levels[String($0)] }
        fullLevel = levels["full"]
        ringChecks = (minZoom...max(minZoom, maxZoom)).map { z in RingCheckMemo(count: levels[String(z)]?.records ?? 0) }
        guard ids.count(of: Int64.self) == featureCount,
              values.count(of: Int32.self) == featureCount * fieldNames.count,
              valueOffsets.count(of: Int64.self) == header.valueCount + 1 else { throw PackError.unreadable("feature files of unexpected size") }
    }

    /// Gives back the pages read so far from every file (`MappedFile.release`): after work that
    /// reads a whole zoom (the overview tiles), so the server does not keep them resident.
    public func release() {
        for f in [ids, values, valueOffsets, valueBytes] { f.release() }
        for l in levels.values { l.release() }
        labelLevel?.release()
    }

    /// The level drawn at zoom `z`: its own below `maxZoom`, the whole detail above; nil below `minZoom`.
    func level(zoom z: Int) -> PackLevel? {
        guard z >= minZoom else { return nil }
        return z <= maxZoom ? levelOfZoom[z - minZoom] : fullLevel
    }

    /// The ring checks learned at zoom `z` (nil past `maxZoom`, where the whole detail is drawn).
    func ringChecks(zoom z: Int) -> RingCheckMemo? {
        z >= minZoom && z <= maxZoom ? ringChecks[z - minZoom] : nil
    }

    func settings(zoom z: Int) -> ZoomSettings? {
        z >= minZoom && z <= maxZoom ? settings[z - minZoom] : nil
    }

    func id(_ feature: Int) -> Int64 { ids.buffer(Int64.self)[feature] }

    func valueIds(_ feature: Int) -> UnsafeBufferPointer<Int32> {
        let n = fieldNames.count
        guard n > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: values.buffer(Int32.self)[(feature * n)..<(feature * n + n)])
    }

    /// The value's encoded message appended to `out`, straight from the mapped table.
    func appendEncodedValue(_ id: Int32, to out: inout [UInt8]) {
        let o = valueOffsets.buffer(Int64.self)
        let bytes = valueBytes.buffer(UInt8.self)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(o[Int(id)])..<Int(o[Int(id) + 1])]))
    }



    /// Calls `body` with every record of the level meeting `box`, features in drawing order
    /// (lowest identifier first, as the store keeps them).
    func records(_ level: PackLevel, in box: BoundingBox) -> [Int] {
        var hits: [Int] = []
        level.search(box) { hits.append($0) }
        if hits.count > 1 {
            // By feature id, ties in the order found: the ids read once, then sorted as pairs.
            let ids = self.ids.buffer(Int64.self)
            var keyed = hits.enumerated().map { (id: ids[level.feature($0.element)], at: $0.offset, record: $0.element) }
            keyed.sort { $0.id != $1.id ? $0.id < $1.id : $0.at < $1.at }
            for k in keyed.indices { hits[k] = keyed[k].record }
        }
        return hits
    }
}

/// One byte per record of a zoom's level (`TileClipper.RingChecks`), zero at first (`calloc`:
/// pages the kernel maps only once a tile writes to them). Tiles cut at once read and write it
/// without a lock: every writer of a record writes the same value, what one cut learns about
/// it being the same in every tile.
final class RingCheckMemo: @unchecked Sendable {
    private let bytes: UnsafeMutablePointer<UInt8>
    let count: Int
    init(count: Int) {
        self.count = count
        bytes = calloc(max(1, count), 1)!.assumingMemoryBound(to: UInt8.self)
    }
    deinit { free(bytes) }
    subscript(record: Int) -> TileClipper.RingChecks {
        get { TileClipper.RingChecks(rawValue: bytes[record]) ?? .unknown }
        set { bytes[record] = newValue.rawValue }
    }
}

enum PackError: Error, CustomStringConvertible {
    case unreadable(String)
    case write(String, Int32)
    var description: String {
        switch self {
        case .unreadable(let what): "prepared layer unreadable: \(what)"
        case .write(let what, let code): "cannot write the prepared layer (\(what)): \(String(cString: strerror(code)))"
        }
    }
}

/// One level of a pack: the records drawn at one zoom, their geometry and an R-tree.
final class PackLevel: Sendable {
    let records: Int
    private let features: MappedFile, families: MappedFile, firstPart: MappedFile, partEnds: MappedFile
    private let exteriors: MappedFile, xy: MappedFile, boxes: MappedFile, tree: MappedFile
    private let treeLevels: [Int]
    private let treeNodes: Int

    init(folder: URL, header h: LayersHeader) throws {
        func file(_ kind: String) throws -> MappedFile { try MappedFile(path: folder.appending(path: "\(h.name).\(kind)").path) }
        records = h.records
        features = try file("feature"); families = try file("family"); firstPart = try file("firstPart")
        partEnds = try file("partEnd"); exteriors = try file("exterior"); xy = try file("xy"); boxes = try file("box")
        tree = try file("tree")
        treeLevels = h.treeLevels; treeNodes = h.treeNodes
        guard features.count(of: Int32.self) == records, families.count(of: UInt8.self) == records,
              firstPart.count(of: Int64.self) == records + 1, partEnds.count(of: Int64.self) == h.parts,
              exteriors.count(of: UInt8.self) == h.parts, xy.count(of: Double.self) == 2 * h.positions,
              boxes.count(of: Double.self) == 4 * records, tree.count(of: Double.self) == 4 * h.treeNodes
        else { throw PackError.unreadable("level \(h.name) of unexpected size") }
    }
    typealias LayersHeader = LayerPack.LevelHeader

    func feature(_ record: Int) -> Int { Int(features.buffer(Int32.self)[record]) }

    /// Gives back the pages of the level read so far (see `MappedFile.release`).
    func release() { for f in [features, families, firstPart, partEnds, exteriors, xy, boxes, tree] { f.release() } }

    /// The record's first position (a label point's place), without copying its geometry.
    func firstPosition(_ record: Int) -> (x: Double, y: Double) {
        let p0 = Int(firstPart.buffer(Int64.self)[record])
        let v = p0 == 0 ? 0 : Int(partEnds.buffer(Int64.self)[p0 - 1])
        let xy = xy.buffer(Double.self)
        return (xy[2 * v], xy[2 * v + 1])
    }

    func box(_ record: Int) -> BoundingBox {
        let b = boxes.buffer(Double.self)
        return BoundingBox(minX: b[4 * record], minY: b[4 * record + 1], maxX: b[4 * record + 2], maxY: b[4 * record + 3])
    }

    /// The record's geometry, copied out of the mapped files.
    func geometry(_ record: Int) -> PreparedGeometry {
        var g = PreparedGeometry(family: .point)
        geometry(record, into: &g)
        return g
    }

    /// The same, written into `g` (its arrays emptied, their storage kept): a tile reads many
    /// records, through one geometry.
    func geometry(_ record: Int, into g: inout PreparedGeometry) {
        g.family = GeometryFamily.packed(families.buffer(UInt8.self)[record])
        g.xs.removeAll(keepingCapacity: true); g.ys.removeAll(keepingCapacity: true)
        g.partEnds.removeAll(keepingCapacity: true); g.exterior.removeAll(keepingCapacity: true)
        let first = firstPart.buffer(Int64.self)
        let p0 = Int(first[record]), p1 = Int(first[record + 1])
        let ends = partEnds.buffer(Int64.self), ext = exteriors.buffer(UInt8.self), xy = xy.buffer(Double.self)
        let v0 = p0 == 0 ? 0 : Int(ends[p0 - 1])
        let v1 = p1 == 0 ? 0 : Int(ends[p1 - 1])
        g.xs.reserveCapacity(v1 - v0); g.ys.reserveCapacity(v1 - v0)
        for v in v0..<v1 { g.xs.append(xy[2 * v]); g.ys.append(xy[2 * v + 1]) }
        for p in p0..<p1 { g.partEnds.append(Int32(Int(ends[p]) - v0)); g.exterior.append(ext[p] != 0) }
        g.bbox = box(record)
    }

    /// Calls `body` with each record whose box meets `q`.
    func search(_ q: BoundingBox, _ body: (Int) -> Void) {
        guard records > 0 else { return }
        let leaves = boxes.buffer(Double.self), inner = tree.buffer(Double.self)
        let n = PackedRTree.nodeSize
        @inline(__always) func meets(_ b: UnsafeBufferPointer<Double>, _ i: Int) -> Bool {
            !(b[4 * i] > q.maxX || b[4 * i + 2] < q.minX || b[4 * i + 1] > q.maxY || b[4 * i + 3] < q.minY)
        }
        // Level 0 is the records; inner level k (1…) holds nodes of `n` children of level k - 1.
        let top = treeLevels.count
        if top == 0 {
            for r in 0..<records where meets(leaves, r) { body(r) }
            return
        }
        // Depth first, without a stack to allocate: the top nodes last to first, each node's
        // children first to last (the order callers have always seen).
        func visit(_ level: Int, _ index: Int) {
            guard meets(inner, treeLevels[level - 1] + index) else { return }
            let childCount = level == 1 ? records : treeLevels[level - 1] - (level >= 2 ? treeLevels[level - 2] : 0)
            let first = index * n, end = min(childCount, first + n)
            if level == 1 {
                for r in first..<end where meets(leaves, r) { body(r) }
            } else {
                for c in first..<end { visit(level - 1, c) }
            }
        }
        let topStart = treeLevels[top - 1], topEnd = treeNodes
        for i in stride(from: topEnd - 1, through: topStart, by: -1) { visit(top, i - topStart) }
    }
}

extension GeometryFamily {
    var packed: UInt8 { switch self { case .point: 0; case .line: 1; case .polygon: 2 } }
    static func packed(_ v: UInt8) -> GeometryFamily { v == 0 ? .point : v == 1 ? .line : .polygon }
}

/// A read-only file mapped into memory: its pages are read from disk when touched and can be
/// dropped by the kernel under pressure, so they do not weigh like the heap.
final class MappedFile: @unchecked Sendable {
    private let base: UnsafeRawPointer?
    let byteCount: Int

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PackError.unreadable("cannot open \(URL(fileURLWithPath: path).lastPathComponent)") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw PackError.unreadable("cannot stat") }
        byteCount = Int(st.st_size)
        guard byteCount > 0 else { base = nil; return }
        let p = mmap(nil, byteCount, PROT_READ, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { throw PackError.unreadable("cannot map") }
        base = UnsafeRawPointer(p)
    }

    deinit { if let base { munmap(UnsafeMutableRawPointer(mutating: base), byteCount) } }

    func count<T>(of: T.Type) -> Int { byteCount / MemoryLayout<T>.stride }

    /// Drops the pages read so far from the process's resident memory; they stay in the page
    /// cache and are read again from there if touched.
    func release() {
        if let base { _ = madvise(UnsafeMutableRawPointer(mutating: base), byteCount, Int32(MADV_DONTNEED)) }
    }

    func buffer<T>(_ type: T.Type) -> UnsafeBufferPointer<T> {
        guard let base else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: T.self), count: byteCount / MemoryLayout<T>.stride)
    }
}

/// Appends values to a file through a buffer; throws what `write` reports (a full disk).
final class PackFileWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var bytes = 0
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PackError.write("open", errno) }
        buffer.reserveCapacity(Self.capacity)
    }
    /// A pack writes some hundred files at once (seven per zoom): 8 KB each (at 128 KB they
    /// were a sixth of a build's heap; the communes' pack is some 6,000 writes of 8 KB).
    static let capacity = 1 << 13

    deinit { if fd >= 0 { close(fd) } }

    func append<T: BitwiseCopyable>(_ v: T) throws {
        if buffer.count + MemoryLayout<T>.size > Self.capacity { try flush() }
        withUnsafeBytes(of: v) { buffer.append(contentsOf: $0) }
        bytes += MemoryLayout<T>.size
    }

    /// The buffer never grows past its capacity: what would not fit goes after a flush, and
    /// values as big as the buffer go to the file directly.
    func append<T: BitwiseCopyable>(contentsOf vs: [T]) throws {
        let size = vs.count * MemoryLayout<T>.stride
        if buffer.count + size > Self.capacity { try flush() }
        if size >= Self.capacity {
            try vs.withUnsafeBytes { try writeAll($0) }
        } else {
            vs.withUnsafeBytes { buffer.append(contentsOf: $0) }
        }
        bytes += size
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ data: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < data.count {
            let n = write(fd, data.baseAddress! + offset, data.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw PackError.write(URL(fileURLWithPath: path).lastPathComponent, errno)
            }
            offset += n
        }
    }

    func finish() throws { try flush() }
}
