public import GeoModel

/// A static R-tree over boxes, packed by sort-tile-recursive (STR) once per dataset version:
/// flat arrays, no pointers, so a query walks a few cache lines per level.
public struct PackedRTree: Sendable {
    static let nodeSize = 16
    /// Boxes of every level, leaves first; `minX[i]…` for node i.
    private var minX: [Double] = [], minY: [Double] = [], maxX: [Double] = [], maxY: [Double] = []
    /// For a leaf slot, the item index; for an inner node, the index of its first child.
    private var ref: [Int32] = []
    /// Start index of each level in the arrays above (last level: the root).
    private var levelStarts: [Int] = []
    public let count: Int

    public init(boxes: [BoundingBox]) {
        count = boxes.count
        guard !boxes.isEmpty else { return }
        // Leaves: sort into vertical slices by centre x, each slice by centre y.
        var order = Array(0..<boxes.count)
        order.sort { boxes[$0].minX + boxes[$0].maxX < boxes[$1].minX + boxes[$1].maxX }
        let leafCount = (boxes.count + Self.nodeSize - 1) / Self.nodeSize
        let slices = Int(Double(leafCount).squareRoot().rounded(.up))
        let perSlice = slices * Self.nodeSize
        var i = 0
        while i < order.count {
            let j = min(order.count, i + perSlice)
            order[i..<j].sort { boxes[$0].minY + boxes[$0].maxY < boxes[$1].minY + boxes[$1].maxY }
            i = j
        }
        levelStarts.append(0)
        for idx in order {
            let b = boxes[idx]
            minX.append(b.minX); minY.append(b.minY); maxX.append(b.maxX); maxY.append(b.maxY)
            ref.append(Int32(idx))
        }
        // Inner levels: each node covers the next `nodeSize` nodes of the level below.
        var levelStart = 0, levelEnd = boxes.count
        while levelEnd - levelStart > 1 {
            let newStart = minX.count
            var k = levelStart
            while k < levelEnd {
                let e = min(levelEnd, k + Self.nodeSize)
                var b = BoundingBox.empty
                for c in k..<e { b.extend(BoundingBox(minX: minX[c], minY: minY[c], maxX: maxX[c], maxY: maxY[c])) }
                minX.append(b.minX); minY.append(b.minY); maxX.append(b.maxX); maxY.append(b.maxY)
                ref.append(Int32(k))
                k = e
            }
            levelStarts.append(newStart)
            levelStart = newStart; levelEnd = minX.count
        }
    }

    /// Calls `body` with the index of every item whose box meets `q`.
    public func search(_ q: BoundingBox, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        // (node index, level)
        var stack: [(Int, Int)] = [(minX.count - 1, levelStarts.count - 1)]
        while let (node, level) = stack.popLast() {
            guard !(minX[node] > q.maxX || maxX[node] < q.minX || minY[node] > q.maxY || maxY[node] < q.minY) else { continue }
            if level == 0 { body(Int(ref[node])); continue }
            let first = Int(ref[node])
            let levelEnd = level - 1 == levelStarts.count - 1 ? minX.count : levelStarts[level]
            let end = min(levelEnd, first + Self.nodeSize)
            for c in first..<end { stack.append((c, level - 1)) }
        }
    }
}
