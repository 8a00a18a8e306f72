// GDALKit: the only importer of CGDAL. Opens vector sources (shapefile, zip through /vsizip/,
// GeoJSON), reads layers, field definitions, SRS and features as GeoModel values, and writes
// export formats. No C pointer appears in a public signature; handles free in deinit.
