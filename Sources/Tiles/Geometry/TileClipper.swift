public import GeoModel

/// How a tile is cut from prepared geometry: its place, extent, buffer and simplification.
public struct TileFrame: Sendable {
    public var extent: Int32
    public var buffer: Int32
    /// Douglas–Peucker tolerance in tile units (0 keeps every position that survives rounding).
    public var tolerance: Double
    let minX: Double, maxY: Double, scale: Double
    let lo: Double, hi: Double

    public init(tile: TileCoord, extent: Int32 = 4096, buffer: Int32 = 64, tolerance: Double = 1) {
        self.extent = extent; self.buffer = buffer; self.tolerance = tolerance
        let b = tile.mercatorBounds
        minX = b.minX; maxY = b.maxY
        scale = Double(extent) / b.width
        lo = -Double(buffer); hi = Double(extent) + Double(buffer)
    }

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
        switch g.family {
        case .point: return points(g, frame)
        case .line: return lines(g, frame)
        case .polygon: return polygons(g, frame)
        }
    }

    // MARK: points

    static func points(_ g: PreparedGeometry, _ f: TileFrame) -> ClippedFeature? {
        var parts: [[TilePoint]] = []
        for i in 0..<g.xs.count {
            let x = (g.xs[i] - f.minX) * f.scale, y = (f.maxY - g.ys[i]) * f.scale
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
                xs.append((g.xs[i] - f.minX) * f.scale); ys.append((f.maxY - g.ys[i]) * f.scale)
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
            let ax = x0 + t0 * dx, ay = y0 + t0 * dy, bx = x0 + t1 * dx, by = y0 + t1 * dy
            if cx.isEmpty || cx.last != ax || cy.last != ay { flush(); cx = [ax]; cy = [ay] }
            cx.append(bx); cy.append(by)
            if t1 < 1 { flush() }
        }
        flush()
        return pieces
    }

    // MARK: polygons

    static func polygons(_ g: PreparedGeometry, _ f: TileFrame) -> ClippedFeature? {
        var parts: [[TilePoint]] = []
        var area2: Int64 = 0
        var start = 0
        var exteriorKept = false
        var xs: [Double] = [], ys: [Double] = []
        for (p, end32) in g.partEnds.enumerated() {
            let end = Int(end32)
            defer { start = end }
            let isExterior = g.exterior[p]
            if isExterior { exteriorKept = false } else if !exteriorKept { continue }
            xs.removeAll(keepingCapacity: true); ys.removeAll(keepingCapacity: true)
            var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
            for i in start..<end {
                let x = (g.xs[i] - f.minX) * f.scale, y = (f.maxY - g.ys[i]) * f.scale
                xs.append(x); ys.append(y)
                if x < minX { minX = x }; if x > maxX { maxX = x }
                if y < minY { minY = y }; if y > maxY { maxY = y }
            }
            if maxX < f.lo || minX > f.hi || maxY < f.lo || minY > f.hi { continue }
            if minX < f.lo || maxX > f.hi || minY < f.lo || maxY > f.hi {
                clipRing(&xs, &ys, f.lo, f.hi)
                if xs.count < 3 { continue }
            }
            var ring = cleanRing(quantise(simplify(xs, ys, tolerance: f.tolerance, closed: true)))
            guard ring.count >= 3 else { continue }
            let a = ringArea2(ring)
            guard a != 0 else { continue }
            // Exteriors positive, holes negative (spec 2.1 §4.3.4.4), whatever the source said.
            if (a > 0) != isExterior { ring.reverse() }
            if isExterior { exteriorKept = true; area2 += abs(a) } else { area2 -= abs(a) }
            parts.append(ring)
        }
        guard !parts.isEmpty else { return nil }
        return ClippedFeature(geometry: TileGeometry(type: .polygon, parts: parts), significance: Double(max(area2, 1)) / 2)
    }

    /// Sutherland–Hodgman against the four sides of [lo, hi]²; the ring stays closed.
    static func clipRing(_ xs: inout [Double], _ ys: inout [Double], _ lo: Double, _ hi: Double) {
        var ox: [Double] = [], oy: [Double] = []
        ox.reserveCapacity(xs.count + 8); oy.reserveCapacity(xs.count + 8)
        for edge in 0..<4 {
            ox.removeAll(keepingCapacity: true); oy.removeAll(keepingCapacity: true)
            let n = xs.count
            guard n > 0 else { return }
            @inline(__always) func inside(_ x: Double, _ y: Double) -> Bool {
                switch edge {
                case 0: x >= lo
                case 1: x <= hi
                case 2: y >= lo
                default: y <= hi
                }
            }
            @inline(__always) func cross(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> (Double, Double) {
                switch edge {
                case 0, 1:
                    let c = edge == 0 ? lo : hi
                    let t = (c - ax) / (bx - ax)
                    return (c, ay + t * (by - ay))
                default:
                    let c = edge == 2 ? lo : hi
                    let t = (c - ay) / (by - ay)
                    return (ax + t * (bx - ax), c)
                }
            }
            var px = xs[n - 1], py = ys[n - 1]
            var pin = inside(px, py)
            for i in 0..<n {
                let x = xs[i], y = ys[i]
                let cin = inside(x, y)
                if cin != pin { let c = cross(px, py, x, y); ox.append(c.0); oy.append(c.1) }
                if cin { ox.append(x); oy.append(y) }
                px = x; py = y; pin = cin
            }
            swap(&xs, &ox); swap(&ys, &oy)
        }
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
