/* GDAL, loaded when GDALKit first calls it (see lazy.h). */
#include "lazy.h"
#include "../CGDAL/shim.h"
#include "include/CLazy.h"

static struct bando_library gdal = {
    "Reading and writing vector files (shapefiles, GeoPackage...)", "libgdal32",
    {"libgdal.so", "libgdal.so.32"}, PTHREAD_MUTEX_INITIALIZER, NULL, 0, {0}};

const char *bando_gdal_load(void) { return bando_library_load(&gdal); }

#define BANDO_LAZY(RET, NAME, PARAMS, ARGS) BANDO_LAZY_IN(gdal, RET, NAME, PARAMS, ARGS)
#include "gdal_functions.h"
