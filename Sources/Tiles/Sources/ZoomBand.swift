/// How a layer is drawn up to a zoom: the attributes its tiles carry there, the smallest part
/// drawn and the simplification. Bands are listed from low to high zoom; a zoom takes the
/// first band whose `maxzoom` reaches it, and zooms past the last band carry every field.
///
/// ```json
/// "bands": [ { "maxzoom": 7, "fields": ["commune_vn"], "minSize": 2, "tolerance": 1 },
///            { "maxzoom": 9, "fields": ["commune_vn", "district_vn", "commune_id"] } ]
/// ```
public struct ZoomBand: Codable, Hashable, Sendable {
    public var maxzoom: Int
    /// Attributes kept up to `maxzoom` (absent: all of the layer's).
    public var fields: [String]?
    /// Parts whose box is smaller on both sides than this many tile units (of 4096) are not drawn.
    public var minSize: Double?
    /// Simplification tolerance in tile units (default: the layer's `tolerance`, else 1).
    public var tolerance: Double?
    /// Polygons that share the attributes kept in this band are merged into one, as tippecanoe
    /// coalesces a dense layer at low zooms; attributes unique to each feature (more distinct
    /// values than a quarter of the features) are then left out of the band.
    public var coalesce: Bool?

    public init(maxzoom: Int, fields: [String]? = nil, minSize: Double? = nil, tolerance: Double? = nil, coalesce: Bool? = nil) {
        self.maxzoom = maxzoom; self.fields = fields; self.minSize = minSize; self.tolerance = tolerance; self.coalesce = coalesce
    }

    static let labelSuffix = "_label"
    /// Smallest part drawn when no band says otherwise: half a pixel of a 512-pixel tile.
    static let defaultMinSize = 4.0

    /// The bands of a default tileset's layer (a tileset file's layer without `bands` keeps
    /// the fields it names at every zoom), which suit administrative units
    /// (provinces, districts, communes): up to z7 only the names (`*_vn`, `ten*`, `name*`) and
    /// identifiers (`*_id`, `ma*`, `code`), every field from z8 (a province's map opens there
    /// and its popups show every field);
    /// simplified with 4 tile units up to z7 and 2 up to z9 (under a pixel), 1 from z10.
    /// The attributes dominate a low-zoom tile (thousands of features, each with its own
    /// areas, lengths and counts); a layer without names keeps them all.
    /// Whether a field holds a place's name (what `/map` labels with): `*_vn`, `ten*`, `name*`.
    static func isName(_ field: String) -> Bool {
        let l = field.lowercased()
        return l.hasSuffix("_vn") || l.hasPrefix("ten") || l.hasPrefix("name")
    }

    ///
    /// A dense layer (more than `denseLayer` features: the communes of a country, a province's
    /// parcels) is coalesced up to z7: there a feature is a few pixels wide (a z6 tile of the
    /// Mekong delta draws 5,000 communes), so the features sharing the kept attributes that are
    /// not unique to each (a commune's district and province, names and codes) are merged into
    /// one polygon carrying those; each feature's own name and code are left out there. The
    /// companion label points still carry the names, for the places wide enough to be named
    /// at that zoom.
    public static func defaults(fieldNames: [String], featureCount: Int = 0) -> [ZoomBand] {
        let names = fieldNames.filter(isName)
        let ids = fieldNames.filter { n in
            let l = n.lowercased()
            return l == "id" || l.hasSuffix("_id") || l.hasPrefix("ma_") || l == "code"
        }
        // Coarser simplification where a commune is a few dozen units wide: 4 units of 4096
        // are under a pixel of a 512-pixel tile, and a low-zoom tile holds thousands of them.
        let dense = featureCount > denseLayer
        guard !names.isEmpty else { return [ZoomBand(maxzoom: 7, tolerance: 4, coalesce: dense ? true : nil), ZoomBand(maxzoom: 9, tolerance: 2)] }
        // From z8 (a province on the screen) every field: what /map's popup shows when a
        // commune is clicked at the zoom a province's map opens at.
        return [ZoomBand(maxzoom: 7, fields: fieldNames.filter { names.contains($0) || ids.contains($0) }, tolerance: 4,
                         coalesce: dense ? true : nil),
                ZoomBand(maxzoom: 9, tolerance: 2)]
    }

    /// Features above which a layer's low zooms are coalesced (see `defaults`).
    public static let denseLayer = 2_000
}

extension TilesetDefinition.LayerDefinition {
    /// What the layer looks like at each zoom, given the fields it carries.
    func zoomSettings(fieldNames: [String]) -> @Sendable (Int) -> ZoomSettings {
        let bands = self.bands ?? []
        let tolerance = self.tolerance ?? 1
        return { z in
            guard let band = bands.first(where: { z <= $0.maxzoom }) else {
                return ZoomSettings(tolerance: tolerance, minSize: ZoomBand.defaultMinSize)
            }
            let indices = band.fields.map { f in fieldNames.indices.filter { f.contains(fieldNames[$0]) } }
            return ZoomSettings(tolerance: band.tolerance ?? tolerance, minSize: band.minSize ?? ZoomBand.defaultMinSize,
                                fieldIndices: indices, coalesce: band.coalesce ?? false)
        }
    }
}
