// GDALKit: the only importer of CGDAL. Opens vector sources (shapefile, zip through /vsizip/,
// GeoJSON), reads layers, field definitions, SRS and features as GeoModel values, and writes
// export formats. No C pointer appears in a public signature; handles free in deinit.
//
// Ownership, spelled out once: a `GDALDatasetH` from GDALOpenEx is ours (GDALClose); a layer
// from GDALDatasetGetLayer is borrowed from its dataset; a feature from OGR_L_GetNextFeature is
// ours (OGR_F_Destroy); a geometry from OGR_F_GetGeometryRef is borrowed from its feature; a
// spatial reference from OGR_L_GetSpatialRef is borrowed from its layer.
