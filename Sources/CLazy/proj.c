/* PROJ, loaded when ProjKit first calls it (see lazy.h). */
#include "lazy.h"
#include "../CPROJ/shim.h"
#include "include/CLazy.h"

static struct bando_library proj = {
    "Changing coordinates between reference systems (VN-2000)", "libproj25",
    {"libproj.so", "libproj.so.25"}, PTHREAD_MUTEX_INITIALIZER, NULL, 0, {0}};

const char *bando_proj_load(void) { return bando_library_load(&proj); }

#define BANDO_LAZY(RET, NAME, PARAMS, ARGS) BANDO_LAZY_IN(proj, RET, NAME, PARAMS, ARGS)
#include "proj_functions.h"
