import Hummingbird
import HTTPTypes
import GeoStore
import GeoModel
import Foundation

/// `/downloads/{dataset}.geojson`: the current version as an RFC 7946 FeatureCollection,
/// streamed page by page so memory does not grow with the dataset.
func addDownloadRoutes(to router: Router<BasicRequestContext>, store: Store) {
    router.get("/downloads/{file}") { request, context -> Response in
        let file = try context.parameters.require("file")
        guard file.hasSuffix(".geojson") else {
            throw APIError(status: .notFound, code: "NotFound", message: "unknown format in '\(file)': available is .geojson")
        }
        let slug = String(file.dropLast(".geojson".count))
        guard let p = try store.published(slug: slug) else {
            throw APIError(status: .notFound, code: "NotFound", message: "no published dataset named '\(slug)'")
        }
        let etag = "\"\(p.version.checksum.prefix(32))\""
        var headers: HTTPFields = [
            .contentType: "application/geo+json",
            .contentDisposition: "attachment; filename=\"\(slug)-v\(p.version.number).geojson\"",
            .eTag: etag,
            .cacheControl: "public, max-age=60",
        ]
        if let link = licenceLink(p.dataset.licence) { headers[HTTPField.Name("Link")!] = "<\(link)>; rel=\"license\"" }
        if request.headers[.ifNoneMatch] == etag {
            return Response(status: .notModified, headers: headers)
        }
        let version = p.version
        let attribution = p.dataset.attribution
        let licence = p.dataset.licence
        let title = p.dataset.title
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var out: [UInt8] = []
            out.reserveCapacity(1 << 17)
            out.append(contentsOf: #"{"type":"FeatureCollection","name":"#.utf8)
            GeoJSON.writeString(title, into: &out)
            out.append(contentsOf: #","licence":"#.utf8)
            GeoJSON.writeString(licence, into: &out)
            out.append(contentsOf: #","attribution":"#.utf8)
            GeoJSON.writeString(attribution, into: &out)
            out.append(contentsOf: #","version":"#.utf8)
            out.append(contentsOf: String(version.number).utf8)
            out.append(contentsOf: #","features":["#.utf8)
            var first = true
            var after: Int64 = 0
            while true {
                let page = try store.featurePage(of: version, after: after, limit: 1000)
                for f in page {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    GeoJSON.writeFeature(f, fields: version.fields, into: &out)
                }
                if out.count > 1 << 16 {
                    try await writer.write(ByteBuffer(bytes: out))
                    out.removeAll(keepingCapacity: true)
                }
                guard page.count == 1000, let last = page.last else { break }
                after = last.id
            }
            out.append(contentsOf: "]}\n".utf8)
            try await writer.write(ByteBuffer(bytes: out))
            try await writer.finish(nil)
        })
    }
}

func licenceLink(_ licence: String) -> String? {
    switch licence.uppercased() {
    case "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/"
    case "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/"
    case "ODBL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/"
    default: nil
    }
}
