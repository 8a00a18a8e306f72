import Foundation
import GeoModel

/// Writes a `LayerPack`: a layer generalised for every zoom, in memory bounded by a region
/// at a time rather than by the dataset.
///
/// 1. The features are read once, in the store's order, into a staging level on disk; only
///    their boxes (32 bytes each), identifiers and distinct attribute values stay in memory.
/// 2. They are numbered along a Morton curve over their boxes' centres.
/// 3. Polygons are generalised region by region: runs of `regionSize` consecutive features
///    of that order, each with the features whose box meets one of theirs. Those neighbours
///    hold every ring passing through a position of the region's features, so the region's
///    topology finds the same junctions and arcs as one over the whole layer would, and an arc
///    shared by two regions (directed by position, not by arrival) is simplified the same in
///    both: neighbours still meet across regions. Lines are simplified feature by feature;
///    points are thinned by density as `GeneralisedLayer` does. A region's zooms and labels
///    are drawn on every core, each written as it is drawn.
/// 4. Each zoom's records are written in that order with a packed R-tree over them.
enum LayerPackBuilder {
    struct Plan {
        var name: String
        var fieldNames: [String]
        var minZoom: Int
        var maxZoom: Int
        /// What each zoom from minZoom to maxZoom keeps (`ZoomSettings`).
        var settings: [ZoomSettings]
        var labels: Bool
        /// Whether zooms past maxZoom are drawn (they take the whole detail).
        var fullDetail: Bool
        /// Features per region of the polygon topology.
        var regionSize = LayerPackBuilder.regionSize
        /// Whether a zoom whose level is almost that of the zoom above (as many records and
        /// positions within 3 %: data already simpler than the zoom's tolerance) draws that
        /// level instead of keeping a copy.
        var shareSimilarLevels = true
    }

    /// Features per region of the polygon topology: what a build holds at a time.
    static let regionSize = 8_192
    static let worldSize = GeneralisedLayer.worldSize

    /// Builds the pack in `folder` (created here; it must not exist). `read` calls its argument
    /// with every feature of the layer and returns how many it left out (no drawable geometry).
    static func build(into folder: URL, plan: Plan,
                      read: (_ body: (PreparedFeature) throws -> Void) throws -> Int) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        func path(_ n: String) -> String { folder.appending(path: n).path }

        // 1. Staging, in the store's order.
        let staging = try PackLevelWriter(folder: folder, name: "staging")
        let stagedValues = try PackFileWriter(path: path("staging.values"))
        let valueBytes = try PackFileWriter(path: path("value.bytes"))
        var valueOffsets: [Int64] = [0]
        var valueIndex: [FieldValue: Int32] = [:]
        var boxes: [BoundingBox] = []
        var ids: [Int64] = []
        let fieldCount = plan.fieldNames.count
        let skipped = try read { f in
            try staging.add(feature: Int32(boxes.count), f.geometry)
            boxes.append(f.geometry.bbox); ids.append(f.id)
            for k in 0..<fieldCount {
                let v = k < f.values.count ? f.values[k] : .null
                var id: Int32 = -1
                if !v.isNull {
                    if let known = valueIndex[v] { id = known } else {
                        id = Int32(valueOffsets.count - 1)
                        valueIndex[v] = id
                        try valueBytes.append(contentsOf: MVTLayerBuilder.encodeValue(v))
                        valueOffsets.append(Int64(valueBytes.bytes))
                    }
                }
                try stagedValues.append(id)
            }
        }
        valueIndex = [:]
        _ = try staging.finish(tree: false)
        try stagedValues.finish(); try valueBytes.finish()
        let offsets = try PackFileWriter(path: path("value.offsets"))
        try offsets.append(contentsOf: valueOffsets)
        try offsets.finish()
        let valueCount = valueOffsets.count - 1
        valueOffsets = []

        let n = boxes.count
        let staged = try PackLevel(folder: folder, header: staging.header)
        let stagedValueFile = try MappedFile(path: path("staging.values"))
        defer { withExtendedLifetime(stagedValueFile) {} }   // `stagedIds` points into its mapping
        let stagedIds = stagedValueFile.buffer(Int32.self)

        // 2. Morton order of the boxes' centres (on a 2^16 grid), then the store's order.
        let order: [Int32] = {
            let half = worldSize / 2, cells = Double(1 << 16)
            let codes = boxes.map { b -> UInt64 in
                let x = ((b.minX + b.maxX) / 2 + half) / worldSize * cells
                let y = (half - (b.minY + b.maxY) / 2) / worldSize * cells
                let cx = UInt32(min(max(x, 0), cells - 1)), cy = UInt32(min(max(y, 0), cells - 1))
                return GeneralisedLayer.morton(cx, cy)
            }
            var o = (0..<Int32(n)).map { $0 }
            o.sort { codes[Int($0)] != codes[Int($1)] ? codes[Int($0)] < codes[Int($1)] : $0 < $1 }
            return o
        }()

        // Which fields coalesced features can share: those whose values, in most regions, are
        // not unique to each feature (a commune's district, not its name or code). Counted per
        // region, as a code may repeat across a country (each province numbers its own).
        let shared: [Bool] = {
            var uniqueIn = [Int](repeating: 0, count: fieldCount), regions = 0
            var start = 0
            while start < n {
                let end = min(n, start + max(1, plan.regionSize))
                for k in 0..<fieldCount {
                    var seen = Set<Int32>()
                    for s in order[start..<end] { seen.insert(stagedIds[Int(s) * fieldCount + k]) }
                    if seen.count * 4 > end - start { uniqueIn[k] += 1 }
                }
                regions += 1
                start = end
            }
            return uniqueIn.map { $0 * 2 <= regions }
        }()

        // Features in pack order: identifiers and values.
        let idFile = try PackFileWriter(path: path("feature.id"))
        let valueFile = try PackFileWriter(path: path("feature.values"))
        for s in order {
            try idFile.append(ids[Int(s)])
            for k in 0..<fieldCount { try valueFile.append(stagedIds[Int(s) * fieldCount + k]) }
        }
        try idFile.finish(); try valueFile.finish()
        ids = []

        // 3. Levels.
        let family = n > 0 ? staged.geometry(0).family : .polygon
        let zooms = Array(plan.minZoom...max(plan.minZoom, plan.maxZoom))
        var levelHeaders: [LayerPack.LevelHeader] = []
        var aliases: [String: String] = [:]
        var levelFields: [String: [Int]] = [:]

        switch family {
        case .point:
            let thinnedFrom = GeneralisedLayer.thinning(boxes, minZoom: plan.minZoom, maxZoom: zooms.last!)
            let full = try PackLevelWriter(folder: folder, name: "full")
            for (k, s) in order.enumerated() { try full.add(feature: Int32(k), staged.geometry(Int(s))) }
            levelHeaders.append(try full.finish(tree: true))
            for z in zooms {
                if thinnedFrom.allSatisfy({ Int($0) <= z }) { aliases[String(z)] = "full"; continue }
                let w = try PackLevelWriter(folder: folder, name: String(z))
                for (k, s) in order.enumerated() where Int(thinnedFrom[Int(s)]) <= z {
                    try w.add(feature: Int32(k), staged.geometry(Int(s)))
                }
                levelHeaders.append(try w.finish(tree: true))
            }
        case .line, .polygon:
            let writers = try zooms.map { try PackLevelWriter(folder: folder, name: String($0)) }
            let full = plan.fullDetail ? try PackLevelWriter(folder: folder, name: "full") : nil
            let neighbours = family == .polygon ? PackedRTree(boxes: boxes) : nil
            let labelLevel = family == .polygon && plan.labels ? try PackLevelWriter(folder: folder, name: "labels") : nil
            // The fields coalesced features are grouped by (and carry) at each zoom: those kept
            // there that are not unique to each feature; nil where the zoom does not coalesce.
            let coalescedFields: [[Int]?] = zooms.map { z in
                let s = plan.settings[z - plan.minZoom]
                guard family == .polygon, s.coalesce else { return nil }
                return (s.fieldIndices ?? Array(0..<fieldCount)).filter { shared[$0] }
            }
            for (z, fields) in zip(zooms, coalescedFields) { if let fields { levelFields[String(z)] = fields } }
            // Regions one after another; within a region, its zooms (and its labels) on every
            // core, each written straight to its own level's files: a level's writer is used by
            // one thread at a time, and gets the features in the pack's order. Nothing of a
            // region is kept beyond the zoom being drawn (the regions drawn side by side kept
            // every zoom of all but one until the batch was written: a third of a build's heap).
            /// The pack's writers, each used by one thread at a time.
            final class Output: @unchecked Sendable {
                let writers: [PackLevelWriter], full: PackLevelWriter?, labels: PackLevelWriter?
                init(writers: [PackLevelWriter], full: PackLevelWriter?, labels: PackLevelWriter?) {
                    self.writers = writers; self.full = full; self.labels = labels
                }
                func addLabel(_ f: Int32, _ x: Double, _ y: Double, _ box: BoundingBox) throws {
                    guard let labels else { return }
                    // A point at the label, under the feature's whole box.
                    var point = PreparedGeometry(family: .point)
                    point.xs = [x]; point.ys = [y]; point.partEnds = [1]; point.exterior = [false]; point.bbox = box
                    try labels.add(feature: f, point)
                }
            }
            let output = Output(writers: writers, full: full, labels: labelLevel)
            // Regions of one size, as many as a multiple of the cores (11,163 communes: two of
            // 5,582 on two cores, not 8,192 and 2,971): coalesced groups stop at a region's edge,
            // so the partition decides the low zooms' features, and it stays the one the packs
            // were made with when regions were drawn side by side.
            let workers = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
            let batches = max(1, (n + max(1, plan.regionSize) * workers - 1) / (max(1, plan.regionSize) * workers))
            let regionSize = max(1, (n + batches * workers - 1) / (batches * workers))
            let settings = plan.settings, minZoom = plan.minZoom
            @Sendable func unit(_ z: Int) -> Double { worldSize / Double(1 << z) / 4096 }
            /// The staged values, read by every zoom at once (the mapping is never written).
            struct Values: @unchecked Sendable { let buffer: UnsafeBufferPointer<Int32> }
            let values = Values(buffer: stagedIds)
            var start = 0
            while start < n {
                let end = min(n, start + regionSize)
                let own = order[start..<end].map { Int($0) }
                let geometries = own.map { staged.geometry($0) }
                // The labels, in a few parts on the shared threads, from now: they need no
                // topology, so a core that would wait while it is built (on this thread) finds
                // them; kept and written in order after the zooms.
                let labelParts = labelLevel != nil ? 4 : 0
                let labels = Locked([Int: [(Int, x: Double, y: Double)]]())
                let labelWork = DispatchGroup()
                for part in 0..<labelParts {
                    DispatchQueue.global().async(group: labelWork) {
                        var found: [(Int, x: Double, y: Double)] = []
                        for j in stride(from: part * geometries.count / labelParts, to: (part + 1) * geometries.count / labelParts, by: 1) {
                            if let p = LabelPoint.poleOfInaccessibility(geometries[j]) { found.append((j, p.x, p.y)) }
                        }
                        labels.withLock { $0[part] = found }
                    }
                }
                if let full { for (j, g) in geometries.enumerated() { try full.add(feature: Int32(start + j), g) } }
                let topology: ArcTopology? = neighbours.map { neighbours in
                    // The region's features and every feature whose box meets one of theirs.
                    let mine = Set(own)
                    var others = Set<Int>()
                    for s in own { neighbours.search(boxes[s]) { i in if !mine.contains(i) { others.insert(i) } } }
                    return ArcTopology(geometries + others.sorted().map { staged.geometry($0) })
                }
                // The region's staging pages leave the resident memory once copied (they stay in
                // the page cache for the next region's neighbours).
                staged.release()
                // The zooms, the coalesced ones first.
                let failures = Locked([Int: any Error]())
                let first = start
                DispatchQueue.concurrentPerform(iterations: zooms.count) { k in
                    do {
                        let z = zooms[k], s = settings[z - minZoom], w = output.writers[k]
                        if let topology {
                            if let keys = coalescedFields[z - minZoom] {
                                // Groups of the region's features sharing the kept values, in order.
                                var groups: [[Int]] = [], groupOf: [[Int32]: Int] = [:]
                                for (j, f) in own.enumerated() {
                                    let key = keys.map { values.buffer[f * fieldCount + $0] }
                                    if let g = groupOf[key] { groups[g].append(j) } else { groupOf[key] = groups.count; groups.append([j]) }
                                }
                                let merged = topology.coalesced(tolerance: s.tolerance * unit(z), minSize: s.minSize * unit(z), groups: groups,
                                                                grid: 1 / unit(z))
                                for group in merged { for (j, geometry) in group { try w.add(feature: Int32(first + j), geometry) } }
                            } else {
                                let simplified = topology.simplified(tolerance: s.tolerance * unit(z), minSize: s.minSize * unit(z), first: own.count)
                                for (j, g) in simplified.enumerated() { if let g { try w.add(feature: Int32(first + j), g) } }
                            }
                        } else {
                            for (j, g) in geometries.enumerated() {
                                if let g = GeneralisedLayer.simplifiedLine(g, tolerance: s.tolerance * unit(z), minSize: s.minSize * unit(z)) {
                                    try w.add(feature: Int32(first + j), g)
                                }
                            }
                        }
                    } catch {
                        failures.withLock { $0[k] = error }
                    }
                }
                labelWork.wait()
                if let failure = failures.withLock({ $0.sorted { $0.key < $1.key }.first?.value }) { throw failure }
                let found = labels.withLock { $0 }
                for part in 0..<labelParts {
                    for (j, x, y) in found[part] ?? [] { try output.addLabel(Int32(start + j), x, y, geometries[j].bbox) }
                }
                start = end
            }
            for w in writers { levelHeaders.append(try w.finish(tree: true)) }
            if let full { levelHeaders.append(try full.finish(tree: true)) }
            if let labelLevel { levelHeaders.append(try labelLevel.finish(tree: true)) }
        }
        if plan.shareSimilarLevels {
            // From the top zoom down, a level almost equal to the one kept above it goes, and
            // its zoom draws that one: 7 of the communes' 15 levels were copies within 0.01 %.
            var byName = Dictionary(uniqueKeysWithValues: levelHeaders.map { ($0.name, $0) })
            var kept: LayerPack.LevelHeader?
            for z in zooms.reversed() where aliases[String(z)] == nil {
                guard let level = byName[String(z)] else { continue }
                if let above = kept, levelFields[String(z)] == nil,
                   Double(level.records) >= 0.97 * Double(above.records), Double(level.positions) >= 0.97 * Double(above.positions) {
                    aliases[String(z)] = above.name
                    byName[String(z)] = nil
                    for kind in PackLevelWriter.kinds { try? fm.removeItem(atPath: path("\(z).\(kind)")) }
                } else {
                    kept = levelFields[String(z)] == nil ? level : nil
                }
            }
            levelHeaders = levelHeaders.filter { byName[$0.name] != nil }
        }

        for kind in PackLevelWriter.kinds { try? fm.removeItem(atPath: path("staging.\(kind)")) }
        try? fm.removeItem(atPath: path("staging.values"))

        let header = LayerPack.Header(
            format: LayerPack.Header.currentFormat, name: plan.name, fieldNames: plan.fieldNames, featureCount: n,
            valueCount: valueCount, skipped: skipped, minZoom: plan.minZoom, maxZoom: zooms.last!,
            levels: levelHeaders, aliases: aliases, coalescedFields: levelFields)
        try JSONEncoder().encode(header).write(to: folder.appending(path: "pack.json"))
    }
}

/// Writes one level of a pack, record after record (see `LayerPack` for the files).
final class PackLevelWriter {
    static let kinds = ["feature", "family", "firstPart", "partEnd", "exterior", "xy", "box", "tree"]
    let name: String
    let folder: URL
    private let feature, family, firstPart, partEnd, exterior, xy, box: PackFileWriter
    private var records = 0, parts = 0, positions = 0
    private(set) var header = LayerPack.LevelHeader(name: "", records: 0, parts: 0, positions: 0, treeLevels: [], treeNodes: 0)

    init(folder: URL, name: String) throws {
        self.name = name; self.folder = folder
        func w(_ kind: String) throws -> PackFileWriter { try PackFileWriter(path: folder.appending(path: "\(name).\(kind)").path) }
        feature = try w("feature"); family = try w("family"); firstPart = try w("firstPart"); partEnd = try w("partEnd")
        exterior = try w("exterior"); xy = try w("xy"); box = try w("box")
        try firstPart.append(Int64(0))
    }

    func add(feature f: Int32, _ g: PreparedGeometry) throws {
        try feature.append(f)
        try family.append(g.family.packed)
        var start = 0
        for (k, end32) in g.partEnds.enumerated() {
            let end = Int(end32)
            for i in start..<end { try xy.append(g.xs[i]); try xy.append(g.ys[i]) }
            positions += end - start
            try partEnd.append(Int64(positions))
            try exterior.append(UInt8(g.exterior[k] ? 1 : 0))
            start = end
        }
        parts += g.partEnds.count
        try firstPart.append(Int64(parts))
        for v in [g.bbox.minX, g.bbox.minY, g.bbox.maxX, g.bbox.maxY] { try box.append(v) }
        records += 1
    }

    /// Closes the files and, if asked, writes the R-tree over the records in their order:
    /// each inner node covers `PackedRTree.nodeSize` consecutive nodes of the level below.
    func finish(tree: Bool) throws -> LayerPack.LevelHeader {
        for w in [feature, family, firstPart, partEnd, exterior, xy, box] { try w.finish() }
        var treeLevels: [Int] = []
        var nodes: [Double] = []
        if tree && records > 0 {
            let boxFile = try MappedFile(path: folder.appending(path: "\(name).box").path)
            defer { withExtendedLifetime(boxFile) {} }   // the buffer below points into its mapping
            let leaves = boxFile.buffer(Double.self)
            var belowCount = records, belowStart = 0, fromNodes = false
            while belowCount > 1 {
                treeLevels.append(nodes.count / 4)
                let start = nodes.count / 4
                var k = 0
                while k < belowCount {
                    let e = min(belowCount, k + PackedRTree.nodeSize)
                    var b = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
                    for c in k..<e {
                        let i = 4 * (belowStart + c)
                        let (x0, y0, x1, y1) = fromNodes ? (nodes[i], nodes[i + 1], nodes[i + 2], nodes[i + 3])
                                                         : (leaves[i], leaves[i + 1], leaves[i + 2], leaves[i + 3])
                        b = (min(b.0, x0), min(b.1, y0), max(b.2, x1), max(b.3, y1))
                    }
                    nodes.append(b.0); nodes.append(b.1); nodes.append(b.2); nodes.append(b.3)
                    k = e
                }
                belowCount = nodes.count / 4 - start; belowStart = start; fromNodes = true
            }
        }
        let t = try PackFileWriter(path: folder.appending(path: "\(name).tree").path)
        try t.append(contentsOf: nodes)
        try t.finish()
        header = LayerPack.LevelHeader(name: name, records: records, parts: parts, positions: positions,
                                       treeLevels: treeLevels, treeNodes: nodes.count / 4)
        return header
    }
}
