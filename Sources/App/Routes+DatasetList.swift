import Hummingbird
import GeoStore
import GeoModel
import Foundation

/// `/api/datasets`: the list of published datasets, for people and for scripts (the open-data
/// catalogue proper, DCAT and CKAN, is in `Routes+CatalogueAPI.swift`).
func addDatasetListRoutes(to router: Router<BandoRequestContext>, store: any DatasetStore) {
    router.get("/api/datasets") { _, _ -> Response in
        try await blocking { try datasetsResponse(store) }
    }
}

private func datasetsResponse(_ store: any DatasetStore) throws -> Response {
    let iso = ISO8601DateFormatter()
    let items: [[String: Any]] = try store.publishedDatasets().map { p in
        var item: [String: Any] = [
            "id": p.dataset.slug,
            "title": p.dataset.title,
            "agency": p.agency?.name ?? NSNull(),
            "currentVersion": p.version.number,
            "featureCount": p.version.featureCount,
            "geometryTypes": p.version.geometryTypes,
            "updated": iso.string(from: p.version.publishedAt ?? p.dataset.updatedAt),
            "licence": p.dataset.licence,
            "checksum": "sha256:" + p.version.checksum,
            "download": "/downloads/\(p.dataset.slug).geojson",
        ]
        item["bbox"] = p.version.bbox?.array ?? NSNull()
        return item
    }
    let data = try JSONSerialization.data(withJSONObject: ["datasets": items], options: [.sortedKeys])
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
