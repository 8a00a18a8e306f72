// ProjKit: the only importer of CPROJ. CRS lookup, coordinate transformers, and the VN-2000
// definitions (national datum, UTM zones, provincial TM-3 zones) that agency data arrives in.
