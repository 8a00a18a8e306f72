#ifndef BANDO_CGDAL_SHIM_H
#define BANDO_CGDAL_SHIM_H
/* GDAL's C API, declarations only: the functions are resolved when first called
   (Sources/CGDALLazy), so that processes that never read a vector file (tile builds, the
   server until an upload arrives) do not load libgdal and its hundred libraries. Debian keeps
   the headers in /usr/include/gdal; each includes its siblings with quotes. */
#include "/usr/include/gdal/gdal.h"
#include "/usr/include/gdal/ogr_api.h"
#include "/usr/include/gdal/ogr_srs_api.h"
#include "/usr/include/gdal/cpl_conv.h"
#include "/usr/include/gdal/cpl_error.h"
#include "/usr/include/gdal/cpl_string.h"
#include "/usr/include/gdal/cpl_vsi.h"
#include "/usr/include/gdal/cpl_http.h"
#endif
