// Features: the query logic of OGC API - Features and the analysis API (CQL2 filters,
// paging, CRS, point-in-area, distance, nearest, aggregation) over the store.
// It knows nothing of HTTP: App's route handlers turn requests into these values and
// `FeaturesError`s into OGC exception documents.
//
// The query itself (`ItemsQuery`, the CQL2 tree and its parsers, `FeaturesError`) lives in
// module FeatureQuery, below the store backends that compile it; it is re-exported here so
// that App and the tests see one API.
@_exported public import FeatureQuery
