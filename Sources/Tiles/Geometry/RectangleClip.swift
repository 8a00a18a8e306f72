/// Clips a polygon (exterior and holes) to a square without leaving the zero-width
/// corridors along the edge that Sutherland–Hodgman leaves when a ring leaves and re-enters:
/// each ring is cut into chains that run inside the square, and the chains are joined by
/// walking the square's edge, which yields as many valid rings as the clipped polygon has.
///
/// Rings must be oriented as MVT wants them in tile space: exterior positive (surveyor's
/// formula), holes negative, so the polygon's inside is always to the left of every ring and
/// the edge is walked in the positive direction from where a chain leaves.
enum RectangleClip {
    struct Ring { var xs: [Double]; var ys: [Double] }
    struct Polygon { var exterior: Ring; var holes: [Ring] }

    private struct Chain { var xs: [Double] = []; var ys: [Double] = []; var entry = 0.0; var exit = 0.0 }

    /// `rings[0]` is the exterior, the rest holes.
    static func clip(_ rings: [Ring], lo: Double, hi: Double) -> [Polygon] {
        let side = hi - lo, perimeter = 4 * side
        // Position along the edge, going round positively from (lo, lo): bottom, right, top, left.
        func param(_ x: Double, _ y: Double, _ edge: Int) -> Double {
            switch edge {
            case 2: x - lo                    // y == lo
            case 1: side + (y - lo)           // x == hi
            case 3: 2 * side + (hi - x)       // y == hi
            default: 3 * side + (hi - y)      // x == lo
            }
        }
        func corner(_ q: Int) -> (Double, Double) {
            switch ((q % 4) + 4) % 4 {
            case 0: (lo, lo)
            case 1: (hi, lo)
            case 2: (hi, hi)
            default: (lo, hi)
            }
        }

        var chains: [Chain] = []
        var insideHoles: [Ring] = []
        var insideExterior: Ring?
        var exteriorCoversSquare = false
        var holeCoversSquare = false

        for (r, ring) in rings.enumerated() {
            let n = ring.xs.count
            guard n >= 3 else { continue }
            @inline(__always) func inside(_ i: Int) -> Bool {
                ring.xs[i] >= lo && ring.xs[i] <= hi && ring.ys[i] >= lo && ring.ys[i] <= hi
            }
            guard let start = (0..<n).first(where: { !inside($0) }) else {
                if r == 0 { insideExterior = ring } else { insideHoles.append(ring) }
                continue
            }
            var current: Chain?
            var produced = false
            var i1 = start
            for _ in 1...n {
                let i0 = i1
                i1 = i0 + 1 == n ? 0 : i0 + 1
                let x0 = ring.xs[i0], y0 = ring.ys[i0], x1 = ring.xs[i1], y1 = ring.ys[i1]
                // Both ends beyond one edge: the segment misses the square (as Liang–Barsky
                // would find, without its divisions); most of a big ring's segments, for a tile.
                if (x0 < lo && x1 < lo) || (x0 > hi && x1 > hi) || (y0 < lo && y1 < lo) || (y0 > hi && y1 > hi) { continue }
                let dx = x1 - x0, dy = y1 - y0
                var t0 = 0.0, t1 = 1.0, e0 = -1, e1 = -1
                // Liang–Barsky, remembering which edge cut each end (0 left, 1 right, 2 bottom, 3 top).
                @inline(__always) func keeps(_ edge: Int, _ p: Double, _ q: Double) -> Bool {
                    if p == 0 { return q >= 0 }
                    let t = q / p
                    if p < 0 { if t > t1 { return false }; if t > t0 { t0 = t; e0 = edge } }
                    else { if t < t0 { return false }; if t < t1 { t1 = t; e1 = edge } }
                    return true
                }
                guard keeps(0, -dx, x0 - lo), keeps(1, dx, hi - x0), keeps(2, -dy, y0 - lo), keeps(3, dy, hi - y0) else { continue }
                if e0 >= 0 {
                    // Entering: snap to the edge so the position along it is exact.
                    var ax = x0 + t0 * dx, ay = y0 + t0 * dy
                    if e0 == 0 { ax = lo } else if e0 == 1 { ax = hi } else if e0 == 2 { ay = lo } else { ay = hi }
                    current = Chain(xs: [ax], ys: [ay], entry: param(ax, ay, e0))
                }
                guard current != nil else { continue }   // on the edge from outside without entering
                if e1 >= 0 {
                    var bx = x0 + t1 * dx, by = y0 + t1 * dy
                    if e1 == 0 { bx = lo } else if e1 == 1 { bx = hi } else if e1 == 2 { by = lo } else { by = hi }
                    current!.xs.append(bx); current!.ys.append(by)
                    current!.exit = param(bx, by, e1)
                    chains.append(current!); current = nil; produced = true
                } else {
                    current!.xs.append(x1); current!.ys.append(y1)
                }
            }
            if !produced {
                // Entirely outside: it either surrounds the square or misses it.
                if contains(ring, (lo + hi) / 2, (lo + hi) / 2) {
                    if r == 0 { exteriorCoversSquare = true } else { holeCoversSquare = true }
                }
            }
        }

        if let ext = insideExterior { return [Polygon(exterior: ext, holes: insideHoles)] }
        var exteriors: [Ring] = []
        if chains.isEmpty {
            guard exteriorCoversSquare, !holeCoversSquare else { return [] }
            exteriors = [Ring(xs: [lo, hi, hi, lo], ys: [lo, lo, hi, hi])]
        } else {
            var used = [Bool](repeating: false, count: chains.count)
            for first in chains.indices where !used[first] {
                var xs: [Double] = [], ys: [Double] = []
                var c = first
                while true {
                    used[c] = true
                    xs.append(contentsOf: chains[c].xs); ys.append(contentsOf: chains[c].ys)
                    let sx = chains[c].exit
                    // The nearest entry going round positively from this exit.
                    var next = first, best = Double.infinity
                    for (j, ch) in chains.enumerated() where !used[j] || j == first {
                        var d = ch.entry - sx
                        if d < 0 { d += perimeter }
                        if d < best { best = d; next = j }
                    }
                    var q = Int((sx / side).rounded(.down)) + 1
                    while Double(q) * side - sx < best {
                        let p = corner(q); xs.append(p.0); ys.append(p.1); q += 1
                    }
                    if next == first { break }
                    c = next
                }
                exteriors.append(Ring(xs: xs, ys: ys))
            }
        }
        var polygons = exteriors.map { Polygon(exterior: $0, holes: []) }
        for hole in insideHoles {
            let i = polygons.count == 1 ? 0 : polygons.firstIndex { contains($0.exterior, hole.xs[0], hole.ys[0]) }
            if let i { polygons[i].holes.append(hole) }
        }
        return polygons
    }

    /// Even–odd point in ring.
    static func contains(_ ring: Ring, _ x: Double, _ y: Double) -> Bool {
        var inside = false
        var j = ring.xs.count - 1
        for i in 0..<ring.xs.count {
            let xi = ring.xs[i], yi = ring.ys[i], xj = ring.xs[j], yj = ring.ys[j]
            if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi { inside.toggle() }
            j = i
        }
        return inside
    }

    static func signedArea2(_ xs: [Double], _ ys: [Double]) -> Double {
        var s = 0.0
        var j = xs.count - 1
        for i in 0..<xs.count { s += xs[j] * ys[i] - xs[i] * ys[j]; j = i }
        return s
    }
}
