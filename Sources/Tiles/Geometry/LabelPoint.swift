import GeoModel

/// Where a polygon's name goes: its pole of inaccessibility, the inside position farthest
/// from the boundary (the "polylabel" search: cells of a grid over the polygon, split while a
/// cell could still hold a better position than the best found). Unlike a centroid it is
/// always inside, even for a crescent or a ring around a lake.
enum LabelPoint {
    /// The label position of a polygon feature (its largest polygon's pole), in the geometry's
    /// units; nil for other families.
    static func poleOfInaccessibility(_ g: PreparedGeometry) -> (x: Double, y: Double)? {
        guard g.family == .polygon, !g.partEnds.isEmpty else { return nil }
        // The largest polygon: an exterior and the holes after it.
        var best = (first: 0, end: 0), bestArea = -1.0
        var p = 0
        while p < g.partEnds.count {
            var q = p + 1
            while q < g.partEnds.count && !g.exterior[q] { q += 1 }
            let a = abs(ringArea(g, p))
            if a > bestArea { bestArea = a; best = (p, q) }
            p = q
        }
        let rings = (best.first..<best.end).map { k in (k == 0 ? 0 : Int(g.partEnds[k - 1]))..<Int(g.partEnds[k]) }
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for i in rings[0] {
            minX = min(minX, g.xs[i]); maxX = max(maxX, g.xs[i]); minY = min(minY, g.ys[i]); maxY = max(maxY, g.ys[i])
        }
        let width = maxX - minX, height = maxY - minY
        let size = min(width, height)
        guard size > 0 else { return (minX, minY) }
        let precision = max(width, height) / 256

        // Each segment once: its start, direction and the reciprocals the distance needs, so
        // that a cell's distance (some hundred cells a polygon, each measured against every
        // segment) makes no division.
        struct Segment { var ax, ay, bx, by, dx, dy, invLength2, slope: Double }
        var segments: [Segment] = []
        for r in rings {
            var j = r.upperBound - 1
            for i in r {
                let ax = g.xs[j], ay = g.ys[j], bx = g.xs[i], by = g.ys[i]
                let dx = bx - ax, dy = by - ay
                segments.append(Segment(ax: ax, ay: ay, bx: bx, by: by, dx: dx, dy: dy,
                                        invLength2: dx != 0 || dy != 0 ? 1 / (dx * dx + dy * dy) : 0, slope: dy != 0 ? dx / dy : 0))
                j = i
            }
        }
        func distance(_ x: Double, _ y: Double) -> Double {
            var inside = false
            var d2 = Double.infinity
            segments.withUnsafeBufferPointer { segments in
                for s in segments {
                    if (s.ay > y) != (s.by > y), x < s.slope * (y - s.ay) + s.ax { inside.toggle() }
                    var px = s.ax, py = s.ay
                    let t = ((x - s.ax) * s.dx + (y - s.ay) * s.dy) * s.invLength2
                    if t > 1 { px = s.bx; py = s.by } else if t > 0 { px += s.dx * t; py += s.dy * t }
                    d2 = min(d2, (x - px) * (x - px) + (y - py) * (y - py))
                }
            }
            return (inside ? 1 : -1) * d2.squareRoot()
        }
        struct Cell { var x, y, h, d: Double; var potential: Double { d + h * 2.squareRoot() } }
        func cell(_ x: Double, _ y: Double, _ h: Double) -> Cell { Cell(x: x, y: y, h: h, d: distance(x, y)) }

        var heap = MaxHeap<Cell> { $0.potential < $1.potential }
        var h = size / 2
        var y = minY
        while y < maxY {
            var x = minX
            while x < maxX { heap.push(cell(x + h, y + h, h)); x += size }
            y += size
        }
        var bestCell = cell(minX + width / 2, minY + height / 2, 0)
        // The first vertex's neighbourhood is a fallback that is surely close to the polygon.
        if bestCell.d < 0, let first = rings.first?.first {
            let c = cell(g.xs[first], g.ys[first], 0)
            if c.d > bestCell.d { bestCell = c }
        }
        var probes = 0
        while let c = heap.pop(), probes < 4096 {
            probes += 1
            if c.d > bestCell.d { bestCell = c }
            guard c.potential - bestCell.d > precision else { continue }
            h = c.h / 2
            heap.push(cell(c.x - h, c.y - h, h)); heap.push(cell(c.x + h, c.y - h, h))
            heap.push(cell(c.x - h, c.y + h, h)); heap.push(cell(c.x + h, c.y + h, h))
        }
        return (bestCell.x, bestCell.y)
    }

    static func ringArea(_ g: PreparedGeometry, _ k: Int) -> Double {
        let start = k == 0 ? 0 : Int(g.partEnds[k - 1]), end = Int(g.partEnds[k])
        var s = 0.0
        var j = end - 1
        for i in start..<end { s += g.xs[j] * g.ys[i] - g.xs[i] * g.ys[j]; j = i }
        return s / 2
    }
}

/// A binary heap, largest first by `less`.
struct MaxHeap<Element> {
    private var items: [Element] = []
    private let less: (Element, Element) -> Bool
    init(_ less: @escaping (Element, Element) -> Bool) { self.less = less }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[parent], items[i]) else { break }
            items.swapAt(parent, i); i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && less(items[m], items[l]) { m = l }
            if r < items.count && less(items[m], items[r]) { m = r }
            if m == i { break }
            items.swapAt(i, m); i = m
        }
        return top
    }
}
