#ifndef BANDO_CPROJ_SHIM_H
#define BANDO_CPROJ_SHIM_H
#include <proj.h>
#endif
