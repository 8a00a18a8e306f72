import Foundation

/// The rings of one polygon feature, made to agree with each other once rounded to the tile grid.
///
/// Each ring is simplified and rounded on its own, so two rings of one feature can end up
/// crossing or lying along each other (two islands a few units apart at z6, a hole pressed
/// against its exterior), or one island can fall inside another: an invalid multipolygon that
/// a renderer fills wrongly and GEOS refuses. The feature keeps its larger ring of each such
/// pair and loses the smaller one (with its holes, for an exterior): at the zooms where this
/// happens the lost ring is a sliver or an islet under a pixel or two across.
extension TileClipper {
    /// `parts` as written to the tile (exteriors positive, each followed by its holes), without
    /// the rings that cross, overlap or nest wrongly in a larger ring of the same feature.
    static func separateRings(_ parts: [[TilePoint]]) -> [[TilePoint]] {
        guard parts.count > 1 else { return parts }
        let boxes = parts.map(RingBox.init)
        // Rings whose boxes are all apart (islands, pieces of a feature cut by the tile's edge)
        // can neither cross nor nest: nothing to do, the common case.
        if parts.count <= 64 {
            var apart = true
            for a in boxes.indices where apart {
                for b in (a + 1)..<boxes.count where boxes[a].meets(boxes[b]) { apart = false; break }
            }
            if apart { return parts }
        }
        let areas = parts.map(ringArea2)
        // owner[k]: the exterior a ring belongs to (itself for an exterior).
        var owner = [Int](repeating: 0, count: parts.count)
        var current = 0
        for k in parts.indices {
            if areas[k] > 0 { current = k }
            owner[k] = current
        }
        var removed = [Bool](repeating: false, count: parts.count)
        func remove(_ k: Int) {
            if areas[k] > 0 {
                for j in parts.indices where owner[j] == k { removed[j] = true }
            } else {
                removed[k] = true
            }
        }
        func smaller(_ a: Int, _ b: Int) -> Int { abs(areas[a]) < abs(areas[b]) || (abs(areas[a]) == abs(areas[b]) && a > b) ? a : b }

        for (a, b) in crossingPairs(parts, boxes: boxes) where !removed[a] && !removed[b] {
            remove(smaller(a, b))
        }

        // An exterior inside another polygon's exterior (and not in one of its holes) overlaps
        // it: islands nested after rounding.
        let exteriors = parts.indices.filter { areas[$0] > 0 }
        for inner in exteriors where !removed[inner] {
            for outer in exteriors where outer != inner && !removed[outer] && !removed[inner] && areas[outer] > areas[inner] {
                guard boxes[outer].contains(boxes[inner]),
                      let p = parts[inner].first(where: { pointInRing($0, parts[outer]) == .inside }) else { continue }
                let inHole = parts.indices.contains { h in
                    owner[h] == outer && h != outer && !removed[h] && pointInRing(p, parts[h]) != .outside
                }
                if !inHole { remove(inner) }
            }
        }
        return parts.indices.filter { !removed[$0] }.map { parts[$0] }
    }

    private struct RingBox {
        var minX: Int32, minY: Int32, maxX: Int32, maxY: Int32
        init(_ ring: [TilePoint]) {
            minX = .max; minY = .max; maxX = .min; maxY = .min
            for p in ring { minX = min(minX, p.x); maxX = max(maxX, p.x); minY = min(minY, p.y); maxY = max(maxY, p.y) }
        }
        func contains(_ o: RingBox) -> Bool { minX <= o.minX && maxX >= o.maxX && minY <= o.minY && maxY >= o.maxY }
        func meets(_ o: RingBox) -> Bool { minX <= o.maxX && o.minX <= maxX && minY <= o.maxY && o.minY <= maxY }
    }

    enum RingSide { case inside, outside, boundary }

    /// Where `p` lies with respect to a closed ring (crossing number, exact on the integer grid).
    static func pointInRing(_ p: TilePoint, _ ring: [TilePoint]) -> RingSide {
        var inside = false
        var prev = ring[ring.count - 1]
        for q in ring {
            let a = prev, b = q
            prev = q
            let cross = Int64(b.x - a.x) * Int64(p.y - a.y) - Int64(b.y - a.y) * Int64(p.x - a.x)
            if cross == 0 && min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y) {
                return .boundary
            }
            if (a.y > p.y) != (b.y > p.y) {
                // x of the edge at p.y, compared without division.
                let lhs = Int64(p.x - a.x) * Int64(b.y - a.y)
                let rhs = Int64(b.x - a.x) * Int64(p.y - a.y)
                if (b.y > a.y) ? lhs < rhs : lhs > rhs { inside.toggle() }
            }
        }
        return inside ? .inside : .outside
    }

    /// Pairs of distinct rings with a segment of one crossing a segment of the other, or lying
    /// along it for some length (touching at a point is allowed). A sweep along x over every
    /// segment, so a feature of thousands of positions costs little more than sorting them.
    /// `boxes`: the rings' boxes, as `separateRings` has them.
    private static func crossingPairs(_ parts: [[TilePoint]], boxes ringBoxes: [RingBox]) -> [(Int, Int)] {
        struct Segment { var ring: Int32; var a: TilePoint; var b: TilePoint; var minX: Int32; var maxX: Int32 }
        var segments: [Segment] = []
        segments.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        // Only a segment whose box meets another ring's box can conflict with that ring: the
        // rest (most of an exterior, all of an island far from the others) are left out of the
        // sweep. With many rings the boxes are not worth comparing one by one.
        let boxes = parts.count <= 64 ? ringBoxes : []
        for (k, ring) in parts.enumerated() {
            let others = boxes.isEmpty ? [] : boxes.indices.filter { $0 != k && boxes[$0].meets(boxes[k]) }
            if !boxes.isEmpty && others.isEmpty { continue }
            var prev = ring[ring.count - 1]
            for p in ring {
                let segment = Segment(ring: Int32(k), a: prev, b: p, minX: min(prev.x, p.x), maxX: max(prev.x, p.x))
                prev = p
                if !boxes.isEmpty {
                    let minY = min(segment.a.y, segment.b.y), maxY = max(segment.a.y, segment.b.y)
                    guard others.contains(where: { o in
                        let b = boxes[o]
                        return segment.maxX >= b.minX && segment.minX <= b.maxX && maxY >= b.minY && minY <= b.maxY
                    }) else { continue }
                }
                segments.append(segment)
            }
        }
        segments.sort { $0.minX < $1.minX }
        @inline(__always) func orient(_ a: TilePoint, _ b: TilePoint, _ c: TilePoint) -> Int {
            let v = Int64(b.x - a.x) * Int64(c.y - a.y) - Int64(b.y - a.y) * Int64(c.x - a.x)
            return v > 0 ? 1 : (v < 0 ? -1 : 0)
        }
        @inline(__always) func within(_ a: TilePoint, _ b: TilePoint, _ p: TilePoint) -> Bool {
            min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
        }
        // Where two rings touch, the position, to decide afterwards whether they cross there.
        var touches: [(Int, Int, TilePoint)] = []
        @inline(__always) func conflict(_ s: Segment, _ t: Segment) -> Bool {
            let o1 = orient(s.a, s.b, t.a), o2 = orient(s.a, s.b, t.b)
            let o3 = orient(t.a, t.b, s.a), o4 = orient(t.a, t.b, s.b)
            if o1 * o2 < 0 && o3 * o4 < 0 { return true }
            guard o1 == 0 && o2 == 0 else {
                let touch: TilePoint? = o1 == 0 && within(s.a, s.b, t.a) ? t.a : o2 == 0 && within(s.a, s.b, t.b) ? t.b
                    : o3 == 0 && within(t.a, t.b, s.a) ? s.a : o4 == 0 && within(t.a, t.b, s.b) ? s.b : nil
                if let touch { touches.append((Int(s.ring), Int(t.ring), touch)) }
                return false
            }
            // Collinear: an overlap of positive length along the line.
            let horizontal = s.a.x != s.b.x
            let s0 = horizontal ? min(s.a.x, s.b.x) : min(s.a.y, s.b.y), s1 = horizontal ? max(s.a.x, s.b.x) : max(s.a.y, s.b.y)
            let t0 = horizontal ? min(t.a.x, t.b.x) : min(t.a.y, t.b.y), t1 = horizontal ? max(t.a.x, t.b.x) : max(t.a.y, t.b.y)
            return min(s1, t1) > max(s0, t0)
        }
        var pairs = Set<Int>()
        var active: [Int] = []
        for i in segments.indices {
            let s = segments[i]
            active.removeAll { segments[$0].maxX < s.minX }
            let sMinY = min(s.a.y, s.b.y), sMaxY = max(s.a.y, s.b.y)
            for j in active {
                let t = segments[j]
                guard t.ring != s.ring, max(t.a.y, t.b.y) >= sMinY, min(t.a.y, t.b.y) <= sMaxY else { continue }
                if conflict(s, t) {
                    let lo = Int(min(s.ring, t.ring)), hi = Int(max(s.ring, t.ring))
                    pairs.insert(lo << 32 | hi)
                }
            }
            active.append(i)
        }
        for (r1, r2, p) in touches {
            let lo = min(r1, r2), hi = max(r1, r2)
            if !pairs.contains(lo << 32 | hi) && crossAt(p, parts[r1], parts[r2]) { pairs.insert(lo << 32 | hi) }
        }
        return pairs.sorted().map { ($0 >> 32, $0 & 0xFFFF_FFFF) }
    }

    /// Whether ring `b` passes from one side of ring `a` to the other at `p`, a position where
    /// they touch: `b`'s two ways out of `p` lie in different sectors of the two ways `a` has.
    static func crossAt(_ p: TilePoint, _ a: [TilePoint], _ b: [TilePoint]) -> Bool {
        guard let (a0, a1) = waysOut(p, a), let (b0, b1) = waysOut(p, b) else { return false }
        func angle(_ q: TilePoint) -> Double { atan2(Double(q.y - p.y), Double(q.x - p.x)) }
        // Angles measured from a0, counterclockwise, in [0, 2π).
        let base = angle(a0)
        func turn(_ q: TilePoint) -> Double {
            var t = angle(q) - base
            while t < 0 { t += 2 * Double.pi }
            while t >= 2 * Double.pi { t -= 2 * Double.pi }
            return t
        }
        let split = turn(a1), t0 = turn(b0), t1 = turn(b1)
        // A way out along one of a's own edges is an overlap, found by the collinear test.
        guard t0 != 0, t1 != 0, t0 != split, t1 != split else { return false }
        return (t0 < split) != (t1 < split)
    }

    /// The positions before and after `p` on `ring`: its neighbours when `p` is one of its
    /// positions, else the ends of the edge `p` lies on.
    static func waysOut(_ p: TilePoint, _ ring: [TilePoint]) -> (TilePoint, TilePoint)? {
        let n = ring.count
        if let i = ring.firstIndex(of: p) { return (ring[(i + n - 1) % n], ring[(i + 1) % n]) }
        var prev = ring[n - 1]
        for q in ring {
            let cross = Int64(q.x - prev.x) * Int64(p.y - prev.y) - Int64(q.y - prev.y) * Int64(p.x - prev.x)
            if cross == 0 && min(prev.x, q.x) <= p.x && p.x <= max(prev.x, q.x) && min(prev.y, q.y) <= p.y && p.y <= max(prev.y, q.y) {
                return (prev, q)
            }
            prev = q
        }
        return nil
    }
}
