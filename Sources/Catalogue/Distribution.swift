// The ways a dataset is offered: one file per download format, and two services (OGC API -
// Features, vector tiles). Every document lists the same ones, built here.
public import Foundation

public struct Distribution: Sendable, Hashable {
    public enum Kind: String, Sendable { case download, service }
    public var kind: Kind
    /// A stable id within the dataset: the extension, or `ogcapi-features` / `tiles`.
    public var key: String
    public var title: String
    public var url: String
    /// CKAN's `format`.
    public var format: String
    public var mediaType: String
    /// DCAT-AP's `dct:format` as an IRI: the EU file-type authority's, or IANA's media type
    /// where the authority has no entry (Mapbox vector tiles).
    public var fileTypeURI: String?
    /// The standard a service conforms to.
    public var conformsTo: String?
}

extension DatasetDescription {
    /// The dataset's distributions: the downloads of `version` (nil: the latest) and the services.
    public func distributions(baseURL: String, version: Int? = nil) -> [Distribution] {
        let file = version.map { "v\($0)" } ?? "latest"
        var out = DistributionFormat.all.map { f in
            Distribution(kind: .download, key: f.ext,
                         title: "\(title) (\(f.name)\(version.map { ", phiên bản \($0)" } ?? ""))",
                         url: "\(baseURL)/downloads/\(slug)/\(file).\(f.ext)", format: f.name, mediaType: f.mediaType,
                         fileTypeURI: f.fileTypeURI, conformsTo: nil)
        }
        if version == nil {
            out.append(Distribution(kind: .service, key: "ogcapi-features", title: "\(title) (OGC API - Features)",
                                    url: "\(baseURL)/ogc/collections/\(slug)", format: "OGC API Features", mediaType: "application/json",
                                    fileTypeURI: DistributionFormat.fileTypeURI("GEOJSON"), conformsTo: "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"))
            out.append(Distribution(kind: .service, key: "tiles", title: "\(title) (vector tiles, TileJSON)",
                                    url: "\(baseURL)/tiles/\(slug).json", format: "MVT", mediaType: "application/json",
                                    fileTypeURI: DistributionFormat.ianaMediaTypeURI("application/vnd.mapbox-vector-tile"), conformsTo: "https://github.com/mapbox/tilejson-spec/tree/master/3.0.0"))
        }
        return out
    }
}

/// Timestamps in documents: ISO 8601 UTC, seconds.
enum ISODate {
    static func string(_ d: Date?) -> String? {
        guard let d else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
    /// CKAN writes timestamps without a zone: `2024-01-15T08:30:00.000000`.
    static func ckan(_ d: Date) -> String {
        let f = DateFormatter(); f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"
        return f.string(from: d)
    }
}
