// GeoStore: the SpatiaLite store through GRDB. Owns migrations, the dataset tables
// (agencies, datasets, versions), per-version feature tables with a spatial index, and the
// reads other modules need, among them OGC items for a FeatureQuery `ItemsQuery` (`Items/`:
// CQL2 compiled to SpatiaLite SQL). No HTTP, no GDAL: it stores and answers.
