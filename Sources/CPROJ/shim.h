#ifndef BANDO_CPROJ_SHIM_H
#define BANDO_CPROJ_SHIM_H
/* PROJ's C API, declarations only: the functions are resolved when first called (Sources/CLazy). */
#include <proj.h>
#endif
