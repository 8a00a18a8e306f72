// Stand-in for the protocol of Sources/Ingest/Ingest+Pipeline.swift, whose file pulls in the
// whole ingest (PROJ, GEOS, the store): the harness calls `next()` on the reader directly.
import GDALKit

protocol FeatureStream: AnyObject, Sendable {
    func next() throws -> SourceFeature?
}

/// Stand-in for the one case of Sources/Ingest/Ingest.swift's `IngestError` the reader throws.
enum IngestError: Error {
    case malformed(path: String, feature: Int?, problem: String)
}
