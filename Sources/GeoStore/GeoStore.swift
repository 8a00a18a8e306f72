// GeoStore: the SpatiaLite store through GRDB. Owns migrations, the catalogue tables
// (agencies, datasets, versions), per-version feature tables with a spatial index, and the
// reads other modules need. No HTTP, no GDAL: it stores and answers.
