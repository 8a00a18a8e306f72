public import GeoModel

/// How a tile is cut from prepared geometry: its place, extent, buffer and simplification.
public struct TileFrame: Sendable {
    public var extent: Int32
    public var buffer: Int32
    /// Douglas–Peucker tolerance in tile units (0 keeps every position that survives rounding).
    public var tolerance: Double
    let minX: Double, maxY: Double, scale: Double
    let lo: Double, hi: Double
    /// Tile units of the world's west and north edges from this tile's: whole numbers, so a
    /// position lands on the same grid in every tile of the zoom (`x`, `y`).
    let offsetX: Double, offsetY: Double

    public init(tile: TileCoord, extent: Int32 = 4096, buffer: Int32 = 64, tolerance: Double = 1) {
        self.extent = extent; self.buffer = buffer; self.tolerance = tolerance
        let b = tile.mercatorBounds
        minX = b.minX; maxY = b.maxY
        // The zoom's grid as generalisation and coalescing round to it (`LayerPackBuilder`).
        scale = 1 / (GeneralisedLayer.worldSize / Double(1 << tile.z) / Double(extent))
        let half = Double(extent) * Double(1 << tile.z) / 2
        offsetX = half - Double(tile.x) * Double(extent); offsetY = half - Double(tile.y) * Double(extent)
        lo = -Double(buffer); hi = Double(extent) + Double(buffer)
    }

    /// A Web Mercator position in this tile's units: its place on the zoom's grid (`mx * scale`,
    /// the same in every tile) moved by whole units, so it rounds to the same grid position in
    /// every tile that draws it, and a feature's rings, once rounded, are the same in each.
    @inline(__always) func x(_ mx: Double) -> Double { mx * scale + offsetX }
    @inline(__always) func y(_ my: Double) -> Double { offsetY - my * scale }

    /// The part of the world (Web Mercator) that this frame draws, buffer included.
    public var mercatorQueryBox: BoundingBox {
        let pad = Double(buffer) / scale
        let size = Double(extent) / scale
        return BoundingBox(minX: minX - pad, minY: maxY - size - pad, maxX: minX + size + pad, maxY: maxY + pad)
    }
}

/// The result of cutting one feature: its tile geometry and how much of the tile it covers
/// (area for polygons, length for lines), which decides what goes first over the size budget.
public struct ClippedFeature: Sendable {
    public var geometry: TileGeometry
    public var significance: Double
}

/// Projection to tile space, clipping to the tile plus its buffer, simplification and
/// quantisation, dropping whatever becomes degenerate.
///
/// Polygons are clipped ring by ring (Sutherland–Hodgman against the buffered square, which
/// keeps each ring closed and its winding), simplified with Douglas–Peucker in tile units,
/// rounded, cleared of repeated and collinear positions (so no zero-width spikes are
/// written), and oriented as MVT requires: exteriors positive, holes negative.
public enum TileClipper {
    public static func clip(_ g: PreparedGeometry, in frame: TileFrame) -> ClippedFeature? {
        var checks = RingChecks.unknown
        return clip(g, in: frame, checks: &checks)
    }

    /// The same, for a feature whose ring checks at this zoom may be known (`RingChecks`):
    /// `checks` says what is known and is updated when this cut learns it.
    static func clip(_ g: PreparedGeometry, in frame: TileFrame, checks: inout RingChecks) -> ClippedFeature? {
        switch g.family {
        case .point: return points(g, frame)
        case .line: return lines(g, frame)
        case .polygon: return polygons(g, frame, checks: &checks)
        }
    }

    /// What the checks of a polygon feature's rounded rings found at one zoom, where no tile
    /// edge cuts it: whether each short ring is simple (`finishRing`) and the rings keep apart
    /// (`separateRings`). Rounding is the same in every tile of the zoom (`TileFrame.x`), so a
    /// feature found clean in one tile is clean in every tile that draws it whole, and those
    /// skip both checks (a sixth of the CPU of cutting the whole-country list).
    enum RingChecks: UInt8 {
        case unknown = 0, clean = 1, failed = 2
    }

    // MARK: points

    static func points(_ g: PreparedGeometry, _ f: TileFrame) -> ClippedFeature? {
        var parts: [[TilePoint]] = []
        for i in 0..<g.xs.count {
            let x = f.x(g.xs[i]), y = f.y(g.ys[i])
            guard x >= f.lo, x <= f.hi, y >= f.lo, y <= f.hi else { continue }
            parts.append([TilePoint(Int32(x.rounded()), Int32(y.rounded()))])
        }
        return parts.isEmpty ? nil : ClippedFeature(geometry: TileGeometry(type: .point, parts: parts), significance: 0)
    }

    // MARK: lines

    static func lines(_ g: PreparedGeometry, _ f: TileFrame) -> ClippedFeature? {
        var parts: [[TilePoint]] = []
        var length = 0.0
        var start = 0
        var xs: [Double] = [], ys: [Double] = []
        for end32 in g.partEnds {
            let end = Int(end32)
            defer { start = end }
            xs.removeAll(keepingCapacity: true); ys.removeAll(keepingCapacity: true)
            for i in start..<end {
                xs.append(f.x(g.xs[i])); ys.append(f.y(g.ys[i]))
            }
            for piece in clipLine(xs, ys, f.lo, f.hi) {
                var q = quantise(simplify(piece.0, piece.1, tolerance: f.tolerance, closed: false))
                q = dropRepeats(q)
                guard q.count >= 2 else { continue }
                for k in 1..<q.count {
                    let dx = Double(q[k].x - q[k - 1].x), dy = Double(q[k].y - q[k - 1].y)
                    length += (dx * dx + dy * dy).squareRoot()
                }
                parts.append(q)
            }
        }
        return parts.isEmpty ? nil : ClippedFeature(geometry: TileGeometry(type: .lineString, parts: parts), significance: length)
    }

    /// Cuts a polyline to the square [lo, hi]², one piece per stretch inside (Liang–Barsky per segment).
    static func clipLine(_ xs: [Double], _ ys: [Double], _ lo: Double, _ hi: Double) -> [([Double], [Double])] {
        var pieces: [([Double], [Double])] = []
        var cx: [Double] = [], cy: [Double] = []
        func flush() { if cx.count >= 2 { pieces.append((cx, cy)) }; cx = []; cy = [] }
        for i in 1..<max(1, xs.count) {
            let x0 = xs[i - 1], y0 = ys[i - 1], x1 = xs[i], y1 = ys[i]
            var t0 = 0.0, t1 = 1.0
            let dx = x1 - x0, dy = y1 - y0
            var visible = true
            for (p, q) in [(-dx, x0 - lo), (dx, hi - x0), (-dy, y0 - lo), (dy, hi - y0)] {
                if p == 0 { if q < 0 { visible = false; break }; continue }
                let r = q / p
                if p < 0 { if r > t1 { visible = false; break }; if r > t0 { t0 = r } }
                else { if r < t0 { visible = false; break }; if r < t1 { t1 = r } }
            }
            guard visible else { flush(); continue }
            // Exact end points when uncut: x0 + 1 * (x1 - x0) need not equal x1 in floating point,
            // and the next segment must join on the very same position.
            let ax = t0 == 0 ? x0 : x0 + t0 * dx, ay = t0 == 0 ? y0 : y0 + t0 * dy
            let bx = t1 == 1 ? x1 : x0 + t1 * dx, by = t1 == 1 ? y1 : y0 + t1 * dy
            if cx.isEmpty || cx.last != ax || cy.last != ay { flush(); cx = [ax]; cy = [ay] }
            cx.append(bx); cy.append(by)
            if t1 < 1 { flush() }
        }
        flush()
        return pieces
    }

    // MARK: polygons

    static func polygons(_ g: PreparedGeometry, _ f: TileFrame, checks: inout RingChecks) -> ClippedFeature? {
        var parts: [[TilePoint]] = []
        var area2: Int64 = 0
        var p = 0
        let count = g.partEnds.count
        // Whether no polygon of the feature is cut or left out by the frame, and then whether
        // every short ring passed its check.
        var whole = true, simple = true
        let trusted = checks == .clean
        while p < count {
            // One polygon: an exterior and the holes after it.
            var q = p + 1
            while q < count && !g.exterior[q] { q += 1 }
            defer { p = q }
            var rings: [RectangleClip.Ring] = []
            var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
            for k in p..<q {
                let start = k == 0 ? 0 : Int(g.partEnds[k - 1]), end = Int(g.partEnds[k])
                var xs = [Double](), ys = [Double]()
                xs.reserveCapacity(end - start); ys.reserveCapacity(end - start)
                for i in start..<end {
                    let x = f.x(g.xs[i]), y = f.y(g.ys[i])
                    xs.append(x); ys.append(y)
                    if k == p {
                        if x < minX { minX = x }; if x > maxX { maxX = x }
                        if y < minY { minY = y }; if y > maxY { maxY = y }
                    }
                }
                if k == p && (maxX < f.lo || minX > f.hi || maxY < f.lo || minY > f.hi) { whole = false; break }
                // Exteriors positive, holes negative (spec 2.1 §4.3.4.4), whatever the source
                // said; the edge walk of the clipper relies on it too.
                if (RectangleClip.signedArea2(xs, ys) > 0) != (k == p) { xs.reverse(); ys.reverse() }
                rings.append(RectangleClip.Ring(xs: xs, ys: ys))
            }
            guard !rings.isEmpty else { continue }
            let polygons: [RectangleClip.Polygon]
            let inside = minX >= f.lo && maxX <= f.hi && minY >= f.lo && maxY <= f.hi
            if inside {
                polygons = [RectangleClip.Polygon(exterior: rings[0], holes: Array(rings.dropFirst()))]
            } else {
                whole = false
                polygons = RectangleClip.clip(rings, lo: f.lo, hi: f.hi)
            }
            let skipCheck = trusted && inside
            for polygon in polygons {
                let exts = finishRing(polygon.exterior, exterior: true, f, trusted: skipCheck, simple: &simple)
                guard !exts.isEmpty else { continue }
                for ext in exts { parts.append(ext); area2 += ringArea2(ext) }
                // Holes follow the last exterior; when the exterior was cut into loops this
                // may be the wrong loop, a rare case at low zooms only.
                for hole in polygon.holes {
                    for h in finishRing(hole, exterior: false, f, trusted: skipCheck, simple: &simple) { parts.append(h); area2 += ringArea2(h) }
                }
            }
        }
        if parts.count > 1 && !(trusted && whole) {
            let before = parts.count
            parts = separateRings(parts)
            if parts.count != before { simple = false }
            area2 = parts.reduce(0) { $0 + ringArea2($1) }
        }
        if whole && !trusted { checks = simple ? .clean : .failed }
        guard !parts.isEmpty else { return nil }
        return ClippedFeature(geometry: TileGeometry(type: .polygon, parts: parts), significance: Double(max(area2, 1)) / 2)
    }

    /// Simplifies, rounds and cleans a clipped ring; empty when it collapses or turns inside out.
    ///
    /// Rounding and Douglas–Peucker can make a small ring cross or touch itself (the usual case
    /// at low zooms, where a commune is a few units wide): small rings are checked, redone
    /// without simplification when they fail, and left out when even that is not simple.
    ///
    /// `trusted`: the ring is known to pass the check (`RingChecks.clean`), which is skipped;
    /// `simple` becomes false when a short ring fails it.
    static func finishRing(_ r: RectangleClip.Ring, exterior: Bool, _ f: TileFrame, trusted: Bool, simple: inout Bool) -> [[TilePoint]] {
        var ring = cleanRing(quantise(simplify(r.xs, r.ys, tolerance: f.tolerance, closed: true)))
        var candidates = [ring]
        if ring.count <= simpleCheckLimit && !trusted && !isSimple(ring) {
            simple = false
            ring = cleanRing(quantise((r.xs, r.ys)))
            // Rounding often makes a ring pass twice through one position (two communes'
            // shared corner): cut such a ring into its loops, each of which may be simple.
            candidates = splitAtRepeats(ring).flatMap { untangle($0, depth: 0) }
        } else if ring.count > simpleCheckLimit {
            // A long ring (a coalesced district) pinched by rounding where a narrow inlet
            // closes: its loops, as above, without the quadratic crossing check.
            candidates = splitAtRepeats(ring)
        }
        return candidates.filter { ring in
            guard ring.count >= 3 else { return false }
            let a = ringArea2(ring)
            return a != 0 && (a > 0) == exterior
        }
    }

    /// The two loops of a ring whose segments `i` and `j` cross, both through the crossing
    /// (rounded to the grid).
    static func loops(_ ring: [TilePoint], crossingAt i: Int, _ j: Int) -> [[TilePoint]] {
        let n = ring.count
        let a = ring[i], b = ring[(i + 1) % n], c = ring[j], d = ring[(j + 1) % n]
        let den = Double(b.x - a.x) * Double(d.y - c.y) - Double(b.y - a.y) * Double(d.x - c.x)
        var p = b
        if den != 0 {
            let t = (Double(c.x - a.x) * Double(d.y - c.y) - Double(c.y - a.y) * Double(d.x - c.x)) / den
            p = TilePoint(Int32((Double(a.x) + t * Double(b.x - a.x)).rounded()), Int32((Double(a.y) + t * Double(b.y - a.y)).rounded()))
        }
        return [[p] + Array(ring[(i + 1)...j]), [p] + Array(ring[((j + 1) % n == 0 ? n : j + 1)...]) + Array(ring[...i])]
    }

    /// Cuts a ring that crosses itself at the crossing into its two loops, recursively (a few
    /// levels), keeping the simple loops; the loop turned inside out is dropped by the caller.
    static func untangle(_ ring: [TilePoint], depth: Int) -> [[TilePoint]] {
        guard ring.count <= simpleCheckLimit * 4 else { return [] }
        guard let (i, j) = firstCrossing(ring) else { return [ring] }
        guard depth < 6 else { return [] }
        return loops(ring, crossingAt: i, j).flatMap { l -> [[TilePoint]] in
            let cleaned = cleanRing(l)
            return cleaned.count >= 3 ? untangle(cleaned, depth: depth + 1) : []
        }
    }

    /// The loops of a ring that visits some positions more than once.
    static func splitAtRepeats(_ ring: [TilePoint]) -> [[TilePoint]] {
        var loops: [[TilePoint]] = []
        var path: [TilePoint] = []
        var seen: [TilePoint: Int] = [:]
        for p in ring {
            if let i = seen[p] {
                let loop = Array(path[i...])
                for q in loop.dropFirst() { seen[q] = nil }
                path.removeSubrange((i + 1)...)
                let cleaned = cleanRing(loop)
                if cleaned.count >= 3 { loops.append(cleaned) }
            } else {
                seen[p] = path.count
                path.append(p)
            }
        }
        let rest = cleanRing(path)
        if rest.count >= 3 { loops.append(rest) }
        return loops
    }

    /// Rings up to this many positions are checked for self-intersection (quadratic, so only small ones).
    static let simpleCheckLimit = 128

    /// Whether a ring (no closing position) neither crosses nor touches itself.
    static func isSimple(_ ring: [TilePoint]) -> Bool {
        guard ring.count >= 3 else { return false }
        if ring.count == 3 { return ringArea2(ring) != 0 }
        return firstCrossing(ring) == nil
    }

    /// The first pair of segments (by start index) that cross or touch, if any.
    ///
    /// A sweep along x: segments sorted by their left end, each compared only with those whose
    /// x extent still reaches it (and whose y extent meets it), so a simple ring, the usual
    /// case, costs a sort rather than every pair. Of the conflicting pairs the sweep meets, the
    /// first by start index is returned, as a walk over every pair in order would find.
    static func firstCrossing(_ ring: [TilePoint]) -> (Int, Int)? {
        let n = ring.count
        guard n >= 4 else { return nil }
        return ring.withUnsafeBufferPointer { r -> (Int, Int)? in
            if n <= 24 {
                // Few enough for every pair, in order, cheaper than sorting.
                for i in 0..<n {
                    let a = r[i], b = r[i + 1 == n ? 0 : i + 1]
                    let minX = min(a.x, b.x), maxX = max(a.x, b.x), minY = min(a.y, b.y), maxY = max(a.y, b.y)
                    for j in (i + 1)..<n {
                        let c = r[j], d = r[j + 1 == n ? 0 : j + 1]
                        if (c.x < minX && d.x < minX) || (c.x > maxX && d.x > maxX) || (c.y < minY && d.y < minY) || (c.y > maxY && d.y > maxY) { continue }
                        if segmentsConflict(r, n, i, j) { return (i, j) }
                    }
                }
                return nil
            }
            // Segment boxes, and the segments in order of their left end (the key holds the
            // left end above the index, so integers are sorted rather than through a closure).
            var box = [Int32](repeating: 0, count: 4 * n)
            var order = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                let a = r[i], b = r[i + 1 == n ? 0 : i + 1]
                box[4 * i] = min(a.x, b.x); box[4 * i + 1] = max(a.x, b.x)
                box[4 * i + 2] = min(a.y, b.y); box[4 * i + 3] = max(a.y, b.y)
                order[i] = Int64(box[4 * i]) << 32 | Int64(i)
            }
            order.sort()
            var best: (Int, Int)? = nil
            var active = [Int](repeating: 0, count: n)
            var activeCount = 0
            for key in order {
                let s = Int(key & 0xFFFF_FFFF)
                let sMinX = box[4 * s], sMinY = box[4 * s + 2], sMaxY = box[4 * s + 3]
                var kept = 0
                for k in 0..<activeCount {
                    let t = active[k]
                    guard box[4 * t + 1] >= sMinX else { continue }
                    active[kept] = t; kept += 1
                    guard box[4 * t + 3] >= sMinY, box[4 * t + 2] <= sMaxY else { continue }
                    let i = min(s, t), j = max(s, t)
                    if let (bi, bj) = best, i > bi || (i == bi && j >= bj) { continue }
                    if segmentsConflict(r, n, i, j) { best = (i, j) }
                }
                active[kept] = s
                activeCount = kept + 1
            }
            return best
        }
    }

    /// Whether segments `i` < `j` of a ring of `n` positions cross or touch (adjacent segments
    /// may share their common end, but not fold back along each other).
    @inline(__always)
    private static func segmentsConflict(_ ring: UnsafeBufferPointer<TilePoint>, _ n: Int, _ i: Int, _ j: Int) -> Bool {
        @inline(__always) func orient(_ a: TilePoint, _ b: TilePoint, _ c: TilePoint) -> Int64 {
            let v = Int64(b.x - a.x) * Int64(c.y - a.y) - Int64(b.y - a.y) * Int64(c.x - a.x)
            return v > 0 ? 1 : (v < 0 ? -1 : 0)
        }
        @inline(__always) func onSegment(_ a: TilePoint, _ b: TilePoint, _ p: TilePoint) -> Bool {
            min(a.x, b.x) <= p.x && p.x <= max(a.x, b.x) && min(a.y, b.y) <= p.y && p.y <= max(a.y, b.y)
        }
        let a = ring[i], b = ring[(i + 1) % n], c = ring[j], d = ring[(j + 1) % n]
        if j == i + 1 || (i == 0 && j == n - 1) {
            let shared = j == i + 1 ? b : a
            let other1 = j == i + 1 ? a : b, other2 = j == i + 1 ? d : c
            return orient(other1, shared, other2) == 0 && (onSegment(shared, other1, other2) || onSegment(shared, other2, other1))
        }
        let o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b)
        if o1 * o2 < 0 && o3 * o4 < 0 { return true }
        return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d))
            || (o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
    }

    // MARK: shared steps

    /// Douglas–Peucker: keeps the positions that stray more than `tolerance` from the chord.
    /// A closed ring is split at the position farthest from its first, so both halves have a chord.
    static func simplify(_ xs: [Double], _ ys: [Double], tolerance: Double, closed: Bool) -> ([Double], [Double]) {
        let n = xs.count
        guard tolerance > 0, n > (closed ? 4 : 2) else { return (xs, ys) }
        var keep = [Bool](repeating: false, count: n)
        let t2 = tolerance * tolerance
        var stack: [(Int, Int)] = []
        if closed {
            var far = 0, best = -1.0
            for i in 1..<n {
                let dx = xs[i] - xs[0], dy = ys[i] - ys[0]
                let d = dx * dx + dy * dy
                if d > best { best = d; far = i }
            }
            keep[0] = true; keep[far] = true
            stack.append((0, far))
            // The second half wraps back to the first position: run it on (far, n) with index n meaning 0.
            stack.append((far, n))
        } else {
            keep[0] = true; keep[n - 1] = true
            stack.append((0, n - 1))
        }
        while let (a, b) = stack.popLast() {
            guard b - a > 1 else { continue }
            let ax = xs[a], ay = ys[a], bx = xs[b % n], by = ys[b % n]
            let dx = bx - ax, dy = by - ay
            let len2 = dx * dx + dy * dy
            var far = -1, best = t2
            for i in (a + 1)..<b {
                var d: Double
                if len2 == 0 {
                    let ex = xs[i] - ax, ey = ys[i] - ay
                    d = ex * ex + ey * ey
                } else {
                    let c = (xs[i] - ax) * dy - (ys[i] - ay) * dx
                    d = c * c / len2
                }
                if d > best { best = d; far = i }
            }
            if far >= 0 { keep[far] = true; stack.append((a, far)); stack.append((far, b)) }
        }
        var rx: [Double] = [], ry: [Double] = []
        rx.reserveCapacity(n / 2); ry.reserveCapacity(n / 2)
        for i in 0..<n where keep[i] { rx.append(xs[i]); ry.append(ys[i]) }
        return (rx, ry)
    }

    @inline(__always) static func quantise(_ c: ([Double], [Double])) -> [TilePoint] {
        var out: [TilePoint] = []
        out.reserveCapacity(c.0.count)
        for i in 0..<c.0.count { out.append(TilePoint(Int32(c.0[i].rounded()), Int32(c.1[i].rounded()))) }
        return out
    }

    static func dropRepeats(_ ps: [TilePoint]) -> [TilePoint] {
        var out: [TilePoint] = []
        out.reserveCapacity(ps.count)
        for p in ps where out.last != p { out.append(p) }
        return out
    }

    /// Removes repeated positions and every position collinear with its neighbours (which
    /// includes the tip of a zero-width spike that rounding or clipping leaves), around the
    /// ring, until none is left: the area is unchanged and no degenerate edge is written.
    static func cleanRing(_ ps: [TilePoint]) -> [TilePoint] {
        var out: [TilePoint] = []
        out.reserveCapacity(ps.count)
        @inline(__always) func collinear(_ a: TilePoint, _ b: TilePoint, _ c: TilePoint) -> Bool {
            Int64(b.x - a.x) * Int64(c.y - a.y) - Int64(b.y - a.y) * Int64(c.x - a.x) == 0
        }
        for p in ps {
            if out.last == p { continue }
            while out.count >= 2, collinear(out[out.count - 2], out[out.count - 1], p) { out.removeLast() }
            if out.last != p { out.append(p) }
        }
        // Close the seam: the positions around the first/last join may be collinear too.
        var changed = true
        while changed, out.count >= 3 {
            changed = false
            if out.first == out.last { out.removeLast(); changed = true; continue }
            let n = out.count
            if collinear(out[n - 2], out[n - 1], out[0]) { out.removeLast(); changed = true; continue }
            if collinear(out[n - 1], out[0], out[1]) { out.removeFirst(); changed = true }
        }
        return out.count >= 3 ? out : []
    }
}
