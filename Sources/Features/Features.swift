// Features: the query logic of OGC API - Features and the analysis API (CQL2 filters,
// paging, CRS, point-in-area, distance, nearest, aggregation) over the store.
// It knows nothing of HTTP: App's route handlers turn requests into these values and
// `FeaturesError`s into OGC exception documents.
