import Foundation
import GeoModel
import GeoStore
import TestSupport

/// A store made as `bando` makes one (`Store(path:)`, its real migrations, SpatiaLite), whose
/// datasets are published through `writeVersion`: what the tile service reads is what an
/// ingest leaves, never a copy of the schema that could drift from it.
final class TileTestStore: @unchecked Sendable {
    let dir = ScratchDirectory("tiles-store")
    let store: Store

    init() throws {
        store = try Store(path: dir.path("store.sqlite"))
    }

    /// Publishes a new version of `slug` holding `features` (ids 1, 2, … in order); returns its version id.
    @discardableResult
    func publish(_ slug: String, fields: [FieldDefinition], features: [Feature], title: String = "Test data",
                 attribution: String = "Administrative boundaries: censusVN2009 (Marc Choisy, MIT licence)") throws -> Int64 {
        let metadata = DatasetMetadata(slug: slug, title: title, description: "About \(title)", attribution: attribution)
        return try store.writeVersion(metadata, fields: fields, publish: true) { sink in
            for (i, f) in features.enumerated() {
                guard f.id == Int64(i + 1) else { throw TestSupportError("feature ids must be 1, 2, … in order: the store numbers them so") }
                try sink.insert(geometry: f.geometry, values: f.values)
            }
            return VersionProvenance(crs: "EPSG:4326", encoding: "UTF-8", sourceName: "\(slug).geojson")
        }.id
    }

    /// Publishes the Huế communes fixture (or the first `limit` communes) as `slug`.
    @discardableResult
    func publishHue(_ slug: String = "hue-communes", limit: Int? = nil, rename: ((String) -> String)? = nil) throws -> Int64 {
        let fields = [FieldDefinition(name: "commune_id", type: .integer), FieldDefinition(name: "commune_vn", type: .text),
                      FieldDefinition(name: "district_vn", type: .text), FieldDefinition(name: "population", type: .integer),
                      FieldDefinition(name: "area", type: .real)]
        var features = HueFixture.source.features.map { Feature(id: $0.id, geometry: $0.geometry, values: $0.values) }
        if let limit { features = Array(features.prefix(limit)) }
        if let rename {
            features = features.map { f in
                var f = f
                if case .text(let s) = f.values[1] { f.values[1] = .text(rename(s)) }
                return f
            }
        }
        return try publish(slug, fields: fields, features: features, title: "Communes of Thừa Thiên Huế")
    }
}
