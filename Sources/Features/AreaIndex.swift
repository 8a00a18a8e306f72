import GeoModel
import Foundation

/// The polygons of one published version in memory, with a uniform grid over their boxes,
/// for "which area contains this point" at thousands of points per request. Built once per
/// version (published versions never change) and shared by every request.
final class AreaIndex: Sendable {
    let fids: [Int64]
    let values: [[FieldValue]]
    let boxes: [BoundingBox]
    /// Per feature: its polygons, each a list of rings (first the exterior).
    let polygons: [[[[Position]]]]
    let extent: BoundingBox
    let columns: Int, rows: Int
    let cellWidth: Double, cellHeight: Double
    /// Per grid cell: indices of the features whose box meets the cell.
    let cells: [[Int32]]

    init(fids: [Int64], values: [[FieldValue]], geometries: [Geometry?]) {
        var polys: [[[[Position]]]] = []
        var boxes: [BoundingBox] = []
        var extent = BoundingBox.empty
        for g in geometries {
            var list: [[[Position]]] = []
            switch g {
            case .polygon(let r)?: list = [r]
            case .multiPolygon(let ps)?: list = ps
            case .geometryCollection(let gs)?:
                for m in gs {
                    if case .polygon(let r) = m { list.append(r) }
                    if case .multiPolygon(let ps) = m { list += ps }
                }
            default: break
            }
            polys.append(list)
            var box = BoundingBox.empty
            for p in list { for pos in p.first ?? [] { box.extend(pos) } }
            boxes.append(box)
            extent.extend(box)
        }
        self.fids = fids; self.values = values; self.polygons = polys; self.boxes = boxes
        self.extent = extent
        // About four features per cell on average keeps each lookup to a handful of tests.
        let side = max(1, min(1024, Int((Double(fids.count) / 4).squareRoot().rounded(.up))))
        columns = side; rows = side
        cellWidth = extent.isEmpty ? 1 : max(extent.width / Double(side), 1e-9)
        cellHeight = extent.isEmpty ? 1 : max(extent.height / Double(side), 1e-9)
        var cells = [[Int32]](repeating: [], count: side * side)
        if !extent.isEmpty {
            for (i, b) in boxes.enumerated() where !b.isEmpty {
                let c0 = Self.cell((b.minX - extent.minX) / cellWidth, side), c1 = Self.cell((b.maxX - extent.minX) / cellWidth, side)
                let r0 = Self.cell((b.minY - extent.minY) / cellHeight, side), r1 = Self.cell((b.maxY - extent.minY) / cellHeight, side)
                for r in min(r0, r1)...max(r0, r1) { for c in min(c0, c1)...max(c0, c1) { cells[r * side + c].append(Int32(i)) } }
            }
        }
        self.cells = cells
    }

    /// The cell (0..<n) a position `v` cells from the extent's edge falls in. Total: a stored
    /// geometry with a coordinate that is huge, infinite or NaN lands in an edge cell instead of
    /// trapping in the conversion to Int.
    static func cell(_ v: Double, _ n: Int) -> Int {
        guard !v.isNaN else { return 0 }
        return v <= 0 ? 0 : v >= Double(n - 1) ? n - 1 : Int(v)
    }

    /// Indices of the areas whose interior holds `p` (points on a boundary count as inside
    /// neither, as with ST_Contains, up to floating-point rounding).
    func containing(_ p: Position) -> [Int] {
        guard extent.contains(p) else { return [] }
        let c = Self.cell((p.x - extent.minX) / cellWidth, columns)
        let r = Self.cell((p.y - extent.minY) / cellHeight, rows)
        var out: [Int] = []
        for i32 in cells[r * columns + c] {
            let i = Int(i32)
            guard boxes[i].contains(p) else { continue }
            for poly in polygons[i] where Self.inside(p, poly) { out.append(i); break }
        }
        return out
    }

    /// Even-odd ray casting over all rings: holes flip the answer back to outside.
    static func inside(_ p: Position, _ rings: [[Position]]) -> Bool {
        var inside = false
        for ring in rings {
            ring.withUnsafeBufferPointer { r in
                guard r.count > 2 else { return }
                var j = r.count - 1
                for i in 0..<r.count {
                    let a = r[i], b = r[j]
                    if (a.y > p.y) != (b.y > p.y) {
                        let x = (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                        if p.x < x { inside.toggle() }
                    }
                    j = i
                }
            }
        }
        return inside
    }
}

/// Built area indexes by version id (a small lock-protected cache).
final class AreaIndexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var indexes: [Int64: AreaIndex] = [:]

    func get(_ version: Int64) -> AreaIndex? { lock.withLock { indexes[version] } }
    func put(_ version: Int64, _ index: AreaIndex) {
        lock.withLock {
            if indexes.count >= 8 { indexes.removeAll() }  // versions change rarely; keep memory bounded
            indexes[version] = index
        }
    }
}
