// What the readers of published versions need of a store beyond `DatasetStore` and whole
// features (issue 21): tiles read a few fields of every feature of a version; downloads find
// the versions the public may have and how to type their integer columns. Both engines
// implement these, so tiles and downloads are made the same from SQLite and from PostGIS.
//
// Like the rest of the interface: plain values, no GRDB or PostgresNIO, blocking calls.
public import GeoModel

/// Reads only some fields of a version's features: a tileset draws a few columns of a table
/// that may have dozens, and reading the rest would cost its preparation time for nothing.
public protocol FieldSubsetReading: FeatureReading {
    /// Up to `limit` features with id greater than `after`, in id order (only those whose
    /// bounding box meets `bbox` when given), each feature's `values` holding the fields
    /// `fields` names, in that order, decoded as `featurePage` decodes them.
    /// Throws `UnknownFieldError` when a name is not a field of the version.
    func featurePage(of version: DatasetVersionRecord, fields: [String], bbox: BoundingBox?, after: Int64, limit: Int) throws -> [Feature]
}

extension FieldSubsetReading {
    /// Streams the features of a version with only the fields `fields`, page by page (see
    /// `FeatureReading.forEachFeature`).
    public func forEachFeature(of version: DatasetVersionRecord, fields: [String], bbox: BoundingBox? = nil, pageSize: Int = 2000,
                               _ body: (Feature) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let page = try featurePage(of: version, fields: fields, bbox: bbox, after: after, limit: pageSize)
            for f in page { try body(f) }
            guard page.count == pageSize, let last = page.last else { return }
            after = last.id
        }
    }
}

/// A read named a field that the version does not have.
public struct UnknownFieldError: Error, CustomStringConvertible, Sendable, Hashable {
    public var field: String
    public var versionID: Int64
    public init(field: String, versionID: Int64) { self.field = field; self.versionID = versionID }
    public var description: String { "version \(versionID) has no field '\(field)'" }
}

extension DatasetVersionRecord {
    /// The definitions of the fields `names`, in that order; throws `UnknownFieldError` for a
    /// name that is not one of this version's fields.
    public func fields(named names: [String]) throws -> [FieldDefinition] {
        try names.map { name in
            guard let f = fields.first(where: { $0.name == name }) else { throw UnknownFieldError(field: name, versionID: id) }
            return f
        }
    }
}

/// What downloads read: the versions the public may download and what their files declare.
public protocol DownloadReading: DatasetStore, FeatureReading {
    /// Version `number` of the dataset `slug`, with its dataset and agency, whatever its status
    /// (nil when there is no such version).
    func version(dataset slug: String, number: Int) throws -> PublishedDataset?
    /// The integer fields of a version (and `fid`, the feature id) whose values all fit in 32
    /// bits: downloads declare those as 32-bit integers, as GDAL reads them from a GeoJSON and
    /// as its KML writer can type them, so a field keeps one type in every format.
    func integerFieldsWithin32Bits(of version: DatasetVersionRecord) throws -> Set<String>
}

extension DatasetStore {
    /// The versions of `slug` the public may download: the current one and those it superseded
    /// (drafts and versions under review are not public), oldest first; none for an unknown slug.
    public func publicVersions(dataset slug: String) throws -> [DatasetVersionRecord] {
        guard let d = try dataset(slug: slug) else { return [] }
        return try versions(datasetID: d.id).filter { $0.status == .published || $0.status == .superseded }
    }
}

extension FeatureReading {
    /// Reads every feature of `version` back and recomputes the checksum its ingest stored
    /// (`FeatureChecksum`, as every engine's writer computes it): a mismatch means the features
    /// changed after they were written.
    public func verifyChecksum(of version: DatasetVersionRecord, progress: ((Int) -> Void)? = nil) throws -> ChecksumVerification {
        var sum = FeatureChecksum()
        var count = 0
        try forEachFeature(of: version, pageSize: 5000) { f in
            sum.add(id: f.id, values: f.values, wkb: f.geometry.map(WKB.encode))
            count += 1
            if count % 10_000 == 0 { progress?(count) }
        }
        return ChecksumVerification(stored: version.checksum, recomputed: sum.finalize(), featureCount: count)
    }
}

extension FeatureReading where Self: DatasetStore {
    /// Recomputes the checksum of every version of the datasets `only` (of every dataset when
    /// nil), or of version number `version` alone, calling `each` as each is done: what
    /// `bando verify` and the server's daily check run, on any engine.
    public func verifyVersions(datasets only: [String]? = nil, version: Int? = nil,
                               each: ((IntegrityReport.VersionCheck) -> Void)? = nil) throws -> [IntegrityReport.VersionCheck] {
        var checks: [IntegrityReport.VersionCheck] = []
        for slug in try only ?? datasetSlugs() {
            guard let d = try dataset(slug: slug) else { throw StoreError.datasetNotFound(slug) }
            for v in try versions(datasetID: d.id) where version == nil || v.number == version {
                let check = IntegrityReport.VersionCheck(dataset: slug, version: v, result: try verifyChecksum(of: v))
                each?(check)
                checks.append(check)
            }
        }
        return checks
    }
}
