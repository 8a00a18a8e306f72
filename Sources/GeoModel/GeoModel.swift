// GeoModel: pure Swift values shared by every module — geometries, bounding boxes,
// attribute values, tile coordinates — and their codecs (WKB, GeoJSON).
// It must not import anything but Foundation: it is the common language of the modules,
// not a place for I/O or C libraries.
