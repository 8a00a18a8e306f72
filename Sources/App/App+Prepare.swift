// Work a reader would otherwise wait for, done ahead: when the server starts and when a version
// is approved, the change summaries (seconds on a large version, for the first catalogue
// request) and the GeoJSON download (seconds too, for the first citizen to ask), on the export
// threads so requests are not held up.
import Foundation
import GeoStore
import Catalogue
import Downloads

/// Prepares `dataset`'s current version, or every published dataset's when nil. Failures are
/// left for the request that needs the result to report.
func prepareForReaders(_ store: any CatalogueSource, downloads: DownloadCache, dataset: String? = nil) {
    Task.detached(priority: .background) {
        let reader = CatalogueReader(store: store)
        _ = try? await BlockingPool.exports.run {
            if let dataset { _ = try reader.dataset(dataset) } else { _ = try reader.datasets() }
        }
    }
    Task.detached(priority: .background) {
        let subjects: [PublishedDataset]
        if let dataset {
            subjects = (try? await BlockingPool.exports.run { try downloads.subject(dataset: dataset, version: nil) }).map { [$0] } ?? []
        } else {
            subjects = (try? await BlockingPool.exports.run { try store.publishedDatasets() }) ?? []
        }
        // One after another: a province's worth of datasets must not take both cores at start-up.
        for subject in subjects { _ = try? await downloads.file(subject, format: .geojson) }
    }
}
