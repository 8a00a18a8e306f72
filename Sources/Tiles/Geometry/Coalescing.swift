import Foundation
import GeoModel

/// Polygons coalesced at low zooms, as tippecanoe does for a dense layer: the features of a
/// group (those sharing the attributes kept at that zoom) become one geometry whose boundary
/// is the arcs that only one of them uses; a boundary between two of them is left out. The
/// arcs are those simplified for the zoom, so the result meets its neighbours as exactly as
/// the features it replaces.
extension ArcTopology {
    /// One geometry for each group of features (indices into the topology's features), simplified
    /// with `tolerance`, rings under `minSize` left out (after merging: a small feature inside a
    /// group no longer leaves a gap); nil for a group with nothing left.
    ///
    /// `grid`: tile units per metre at the zoom. A group whose merged rings, rounded to that
    /// grid as its tiles will be, would cross themselves (simplifying two arcs of one boundary
    /// apart can make them cross, which two features' rings may do but one ring may not), or
    /// that would not cover the same land as its features, is given back as its features.
    func coalesced(tolerance: Double, minSize: Double, groups: [[Int]], grid: Double) -> [[(feature: Int, geometry: PreparedGeometry)]] {
        let kept = keptVertices(tolerance: tolerance)
        // The features one by one, for the groups left as they are and to measure the merged:
        // only those of the groups (a region's own, not its neighbours), from the same arcs.
        let members = (groups.lazy.compactMap { $0.max() }.max() ?? -1) + 1
        var plain: [PreparedGeometry?]?
        return groups.map { group in
            if group.count > 1, let g = merge(group, kept: kept, minSize: minSize, gridScale: grid), Self.isSimple(g, grid: grid) {
                plain = plain ?? simplified(tolerance: tolerance, minSize: minSize, first: members, kept: kept)
                let memberArea = group.reduce(0.0) { $0 + (plain![$1].map(Self.area) ?? 0) }
                let whole = Self.area(g)
                // As much land as its features (rounded to the grid, within 2 %), or a little more where small ones were dropped.
                if whole >= memberArea * 0.98 && whole <= memberArea * 1.05 + minSize * minSize * Double(group.count) {
                    return [(group[0], g)]
                }
            }
            plain = plain ?? simplified(tolerance: tolerance, minSize: minSize, first: members, kept: kept)
            return group.compactMap { f in plain![f].map { (f, $0) } }
        }
    }

    /// Area of a polygon geometry: exteriors less holes.
    static func area(_ g: PreparedGeometry) -> Double {
        var total = 0.0, start = 0
        for (k, end32) in g.partEnds.enumerated() {
            let end = Int(end32)
            var a = 0.0
            for i in start..<end {
                let j = i + 1 < end ? i + 1 : start
                a += g.xs[i] * g.ys[j] - g.xs[j] * g.ys[i]
            }
            total += g.exterior[k] ? abs(a) / 2 : -abs(a) / 2
            start = end
        }
        return total
    }

    /// Whether `g`'s rings, rounded to `grid` units per metre and cleaned as a tile cleans them
    /// (repeated and collinear positions out, a ring through one position twice cut into its
    /// loops), cross neither themselves nor each other.
    static func isSimple(_ g: PreparedGeometry, grid: Double) -> Bool {
        struct Segment { var a: TilePoint; var b: TilePoint; var minX: Int32; var maxX: Int32; var loop: Int }
        var segments: [Segment] = []
        var start = 0, loops = 0
        var rings: [(points: [TilePoint], exterior: Bool)] = []
        for (part, end32) in g.partEnds.enumerated() {
            let end = Int(end32)
            var ring: [TilePoint] = []
            for i in start..<end {
                let x = (g.xs[i] * grid).rounded(), y = (g.ys[i] * grid).rounded()
                guard abs(x) < 2e9, abs(y) < 2e9 else { return false }
                ring.append(TilePoint(Int32(x), Int32(y)))
            }
            start = end
            for loop in TileClipper.splitAtRepeats(TileClipper.cleanRing(ring)) where loop.count >= 3 {
                rings.append((loop, g.exterior[part]))
                for i in loop.indices {
                    let a = loop[i], b = loop[(i + 1) % loop.count]
                    segments.append(Segment(a: a, b: b, minX: min(a.x, b.x), maxX: max(a.x, b.x), loop: loops))
                }
                loops += 1
            }
        }
        // No exterior inside another exterior unless inside one of the holes (nested shells).
        func inside(_ p: TilePoint, _ r: [TilePoint]) -> Bool {
            Self.inside(Double(p.x), Double(p.y), r.map { Double($0.x) }, r.map { Double($0.y) })
        }
        let exteriors = rings.filter(\.exterior).map(\.points), holes = rings.filter { !$0.exterior }.map(\.points)
        if exteriors.count > 1 {
            let sets = exteriors.map(Set.init)
            for (i, a) in exteriors.enumerated() {
                for (j, b) in exteriors.enumerated() where i != j {
                    guard let p = a.first(where: { !sets[j].contains($0) }), inside(p, b) else { continue }
                    if !holes.contains(where: { inside(p, $0) }) { return false }
                }
            }
        }
        segments.sort { $0.minX < $1.minX }
        @inline(__always) func orient(_ a: TilePoint, _ b: TilePoint, _ c: TilePoint) -> Int64 {
            let v = Int64(b.x - a.x) * Int64(c.y - a.y) - Int64(b.y - a.y) * Int64(c.x - a.x)
            return v > 0 ? 1 : (v < 0 ? -1 : 0)
        }
        @inline(__always) func within(_ a: TilePoint, _ b: TilePoint, _ p: TilePoint) -> Bool {
            p != a && p != b && min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
        }
        for i in segments.indices {
            let s = segments[i]
            let minY = min(s.a.y, s.b.y), maxY = max(s.a.y, s.b.y)
            var j = i + 1
            while j < segments.count && segments[j].minX <= s.maxX {
                let t = segments[j]
                j += 1
                if max(t.a.y, t.b.y) < minY || min(t.a.y, t.b.y) > maxY { continue }
                let o1 = orient(s.a, s.b, t.a), o2 = orient(s.a, s.b, t.b), o3 = orient(t.a, t.b, s.a), o4 = orient(t.a, t.b, s.b)
                if o1 * o2 < 0 && o3 * o4 < 0 { return false }
                // Collinear and overlapping; or, in one loop, a position on another segment.
                let touching = (o1 == 0 && within(s.a, s.b, t.a)) || (o2 == 0 && within(s.a, s.b, t.b))
                    || (o3 == 0 && within(t.a, t.b, s.a)) || (o4 == 0 && within(t.a, t.b, s.b))
                if touching && (s.loop == t.loop || (o1 == 0 && o2 == 0)) { return false }
            }
        }
        return true
    }

    /// Twice the signed area of a ring as its arcs run (full detail): positive counter-clockwise.
    private func signedArea2(_ arcs: [(arc: Int32, reversed: Bool)]) -> Double {
        var sum = 0.0
        for (arc, reversed) in arcs {
            let s = arcStarts[Int(arc)], e = arcStarts[Int(arc) + 1]
            for i in s..<(e - 1) {
                var a = Int(arcVertices[i]), b = Int(arcVertices[i + 1])
                if reversed { swap(&a, &b) }
                sum += vx[a] * vy[b] - vx[b] * vy[a]
            }
        }
        return sum
    }

    private func merge(_ group: [Int], kept: [[Int32]], minSize: Double, gridScale: Double) -> PreparedGeometry? {
        // Directed uses of the arcs, every ring turned so that its inside is on its left
        // (exteriors counter-clockwise, holes clockwise); a use met by its opposite is a
        // boundary between two features of the group and cancels out.
        var count: [Int64: Int] = [:]
        var order: [Int64] = []
        for f in group {
            for ring in features[f] where !ring.arcs.isEmpty {
                let area = signedArea2(ring.arcs)
                guard area != 0 else { continue }
                let flip = (area > 0) != ring.exterior
                let arcs = flip ? ring.arcs.reversed().map { (arc: $0.arc, reversed: !$0.reversed) } : ring.arcs
                for a in arcs {
                    let key = Int64(a.arc) << 1 | (a.reversed ? 1 : 0)
                    if let c = count[key ^ 1], c > 0 { count[key ^ 1] = c - 1 } else { count[key, default: 0] += 1; order.append(key) }
                }
            }
        }
        // The remaining uses as edges: vertex ids from start to end.
        var edges: [[Int32]] = []
        for key in order {
            guard let c = count[key], c > 0 else { continue }
            count[key] = c - 1
            let ids = kept[Int(key >> 1)]
            edges.append(key & 1 == 1 ? ids.reversed() : ids)
        }
        var outgoing: [Int32: [Int]] = [:]
        for (e, ids) in edges.enumerated() { outgoing[ids[0], default: []].append(e) }
        var used = [Bool](repeating: false, count: edges.count)

        // Rings: follow the edges, at a vertex where several leave turning as far left as
        // possible, which keeps to the same face where two pieces touch at a corner.
        var exteriors: [(xs: [Double], ys: [Double], box: BoundingBox, area: Double)] = []
        var holes: [(xs: [Double], ys: [Double], box: BoundingBox)] = []
        var exteriorPoints: [[TilePoint]] = [], holePoints: [[TilePoint]] = []
        for first in edges.indices where !used[first] {
            var ids: [Int32] = []
            var e = first
            var closed = false
            while true {
                used[e] = true
                ids.append(contentsOf: edges[e].dropLast())
                let end = edges[e].last!
                let prev = edges[e].count >= 2 ? edges[e][edges[e].count - 2] : ids.last!
                var candidates = (outgoing[end] ?? []).filter { !used[$0] }
                if end == edges[first][0] { candidates.append(first) }
                guard !candidates.isEmpty else { break }
                let inX = vx[Int(end)] - vx[Int(prev)], inY = vy[Int(end)] - vy[Int(prev)]
                func turn(_ c: Int) -> Double {
                    let next = edges[c].count >= 2 ? edges[c][1] : edges[c][0]
                    let outX = vx[Int(next)] - vx[Int(end)], outY = vy[Int(next)] - vy[Int(end)]
                    return atan2(inX * outY - inY * outX, inX * outX + inY * outY)
                }
                let next = candidates.max { turn($0) < turn($1) }!
                if next == first { closed = true; break }
                e = next
            }
            guard closed, ids.count >= 3 else { continue }
            // On the zoom's grid, as its tiles will round it: cleaned, cut where it passes
            // one position twice, and where two of its stretches cross (simplified apart,
            // two arcs of one boundary may cross) into loops; a loop turned the wrong way
            // round is a sliver between them and goes.
            var grid: [TilePoint] = []
            for v in ids {
                let x = (vx[Int(v)] * gridScale).rounded(), y = (vy[Int(v)] * gridScale).rounded()
                guard abs(x) < 2e9, abs(y) < 2e9 else { return nil }
                grid.append(TilePoint(Int32(x), Int32(y)))
            }
            var fullArea2 = 0.0
            for (k, v) in ids.enumerated() {
                let w = ids[(k + 1) % ids.count]
                fullArea2 += vx[Int(v)] * vy[Int(w)] - vx[Int(w)] * vy[Int(v)]
            }
            guard fullArea2 != 0 else { continue }
            let isExterior = fullArea2 > 0
            // Of the loops a crossing makes, the largest turned the right way is the ring (the
            // others are slivers, or lie inside it); if it was not, the land lost fails the
            // area check of `coalesced` and the group is not merged.
            let loops = TileClipper.splitAtRepeats(TileClipper.cleanRing(grid)).compactMap { loop in
                Self.untangled(loop).filter { l in let a = ringArea2(l); return a != 0 && (a > 0) == isExterior }
                    .max { abs(ringArea2($0)) < abs(ringArea2($1)) }
            }
            for loop in loops {
                let a2 = ringArea2(loop)
                var xs: [Double] = [], ys: [Double] = []
                var box = BoundingBox.empty
                for p in loop {
                    let x = Double(p.x) / gridScale, y = Double(p.y) / gridScale
                    xs.append(x); ys.append(y); box.extend(Position(x, y))
                }
                guard max(box.width, box.height) >= minSize else { continue }
                if isExterior {
                    exteriors.append((xs, ys, box, Double(abs(a2)) / 2)); exteriorPoints.append(loop)
                } else {
                    holes.append((xs, ys, box)); holePoints.append(loop)
                }
            }
        }
        // A loop that rounding pinched off inside another exterior (not in a hole of it)
        // covers land already covered: it goes (it would be a nested shell).
        if exteriors.count > 1 {
            func inside(_ p: TilePoint, _ r: [TilePoint]) -> Bool {
                Self.inside(Double(p.x), Double(p.y), r.map { Double($0.x) }, r.map { Double($0.y) })
            }
            let sets = exteriorPoints.map(Set.init)
            var nested = Set<Int>()
            for (i, a) in exteriorPoints.enumerated() {
                for (j, b) in exteriorPoints.enumerated() where i != j && !nested.contains(j) && exteriors[j].area >= exteriors[i].area {
                    guard let p = a.first(where: { !sets[j].contains($0) }), inside(p, b) else { continue }
                    if !holePoints.contains(where: { inside(p, $0) }) { nested.insert(i); break }
                }
            }
            if !nested.isEmpty {
                exteriors = exteriors.enumerated().filter { !nested.contains($0.offset) }.map(\.element)
            }
        }
        guard !exteriors.isEmpty else { return nil }
        // Each hole goes with the smallest exterior around it.
        var holesOf = [[Int]](repeating: [], count: exteriors.count)
        for (h, hole) in holes.enumerated() {
            let (px, py) = (hole.xs[0], hole.ys[0])
            var best: Int?
            for (k, ext) in exteriors.enumerated() where ext.box.minX <= hole.box.minX && ext.box.maxX >= hole.box.maxX && ext.box.minY <= hole.box.minY && ext.box.maxY >= hole.box.maxY {
                guard Self.inside(px, py, ext.xs, ext.ys) || Self.inside((hole.xs[0] + hole.xs[1]) / 2, (hole.ys[0] + hole.ys[1]) / 2, ext.xs, ext.ys) else { continue }
                if best == nil || ext.area < exteriors[best!].area { best = k }
            }
            if let best { holesOf[best].append(h) }
        }
        var g = PreparedGeometry(family: .polygon)
        for (k, ext) in exteriors.enumerated() {
            g.xs += ext.xs; g.ys += ext.ys; g.partEnds.append(Int32(g.xs.count)); g.exterior.append(true); g.bbox.extend(ext.box)
            for h in holesOf[k] {
                g.xs += holes[h].xs; g.ys += holes[h].ys; g.partEnds.append(Int32(g.xs.count)); g.exterior.append(false)
            }
        }
        return g
    }

    /// A ring on the grid cut at each crossing into loops (as `TileClipper.untangle`, with a
    /// sweep, for rings of any length).
    static func untangled(_ ring: [TilePoint]) -> [[TilePoint]] {
        var work = [ring], out: [[TilePoint]] = []
        var cuts = 0
        while let r = work.popLast() {
            guard r.count >= 3 else { continue }
            guard let (i, j) = firstCrossing(r), cuts < 256 else { out.append(r); continue }
            cuts += 1
            for l in TileClipper.loops(r, crossingAt: i, j) {
                let cleaned = TileClipper.cleanRing(l)
                if cleaned.count >= 3 { work.append(cleaned) }
            }
        }
        return out
    }

    /// The first two segments of a ring (in ring order) that cross or touch, found with a
    /// sweep over x; neighbours sharing an end do not count unless they fold back.
    static func firstCrossing(_ r: [TilePoint]) -> (Int, Int)? {
        let n = r.count
        guard n >= 4 else { return nil }
        var order = Array(0..<n)
        func lo(_ i: Int) -> Int32 { min(r[i].x, r[(i + 1) % n].x) }
        func hi(_ i: Int) -> Int32 { max(r[i].x, r[(i + 1) % n].x) }
        order.sort { lo($0) < lo($1) }
        @inline(__always) func orient(_ a: TilePoint, _ b: TilePoint, _ c: TilePoint) -> Int64 {
            let v = Int64(b.x - a.x) * Int64(c.y - a.y) - Int64(b.y - a.y) * Int64(c.x - a.x)
            return v > 0 ? 1 : (v < 0 ? -1 : 0)
        }
        @inline(__always) func on(_ a: TilePoint, _ b: TilePoint, _ p: TilePoint) -> Bool {
            min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
        }
        var best: (Int, Int)?
        for (k, i0) in order.enumerated() {
            let end = hi(i0)
            var m = k + 1
            while m < n, lo(order[m]) <= end {
                let j0 = order[m]
                m += 1
                let (i, j) = (min(i0, j0), max(i0, j0))
                let a = r[i], b = r[(i + 1) % n], c = r[j], d = r[(j + 1) % n]
                if max(c.y, d.y) < min(a.y, b.y) || min(c.y, d.y) > max(a.y, b.y) { continue }
                var hit = false
                if j == i + 1 || (i == 0 && j == n - 1) {
                    let shared = j == i + 1 ? b : a
                    let o1 = j == i + 1 ? a : b, o2 = j == i + 1 ? d : c
                    hit = orient(o1, shared, o2) == 0 && (on(shared, o1, o2) || on(shared, o2, o1))
                } else {
                    let p1 = orient(a, b, c), p2 = orient(a, b, d), p3 = orient(c, d, a), p4 = orient(c, d, b)
                    hit = (p1 * p2 < 0 && p3 * p4 < 0) || (p1 == 0 && on(a, b, c)) || (p2 == 0 && on(a, b, d))
                        || (p3 == 0 && on(c, d, a)) || (p4 == 0 && on(c, d, b))
                }
                if hit, best == nil || (i, j) < best! { best = (i, j) }
            }
        }
        return best
    }

    /// Whether (x, y) lies inside the ring (even–odd rule; a position on the boundary may go either way).
    static func inside(_ x: Double, _ y: Double, _ xs: [Double], _ ys: [Double]) -> Bool {
        var inside = false
        var j = xs.count - 1
        for i in 0..<xs.count {
            if (ys[i] > y) != (ys[j] > y) {
                let cx = xs[j] + (y - ys[j]) / (ys[i] - ys[j]) * (xs[i] - xs[j])
                if x < cx { inside.toggle() }
            }
            j = i
        }
        return inside
    }
}
