/* C libraries loaded when first called.
 *
 * Linking a library makes every process map it with everything it needs and run their
 * start-up code. libgdal needs a hundred libraries (poppler, xerces, HDF, codecs...): some
 * 25 MB of resident memory and tens of milliseconds before main; libproj brings libtiff and
 * libcurl with theirs. A tile build or a server that never reads an upload needs neither.
 * So the wrappers' calls (GDALKit, ProjKit) land in gdal.c and proj.c instead: each function
 * there loads its library on its first call (once, for every thread), looks up its namesake
 * in it and forwards to it.
 *
 * The functions are listed in gdal_functions.h and proj_functions.h, which
 * Scripts/lazy-functions.py writes from the libraries' headers. Those headers are included
 * too, so a definition that does not match the library's own declaration does not compile. */
#ifndef BANDO_CLAZY_LAZY_H
#define BANDO_CLAZY_LAZY_H
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct bando_library {
    /* For the message when it cannot be loaded: what it does, and the package that has it. */
    const char *purpose, *package;
    /* File names to try: the development link first (the headers we were built against), then
       Debian 12's soname. */
    const char *names[2];
    pthread_mutex_t lock;
    void *handle;
    int tried;
    char failure[512];
};

static inline const char *bando_library_load(struct bando_library *l) {
    pthread_mutex_lock(&l->lock);
    if (!l->tried) {
        l->tried = 1;
        for (unsigned i = 0; i < 2 && !l->handle; i++) {
            if (!l->names[i]) continue;
            l->handle = dlopen(l->names[i], RTLD_NOW | RTLD_LOCAL);
            if (!l->handle) snprintf(l->failure, sizeof l->failure, "%s", dlerror());
        }
    }
    pthread_mutex_unlock(&l->lock);
    return l->handle ? NULL : l->failure;
}

static inline void *bando_library_symbol(struct bando_library *l, const char *name) {
    const char *error = bando_library_load(l);
    void *f = error ? NULL : dlsym(l->handle, name);
    if (!f) {
        /* Only when the library is not installed (`make deps` installs it). */
        fprintf(stderr, "bando: %s needs a library that could not be loaded (%s): install the package %s (`make deps`)\n",
                l->purpose, error ? error : name, l->package);
        abort();
    }
    return f;
}

/* A function of library `LIBRARY` (a struct bando_library) forwarded to its namesake. */
#define BANDO_LAZY_IN(LIBRARY, RET, NAME, PARAMS, ARGS)                                          \
    RET NAME PARAMS {                                                                            \
        static RET(*target) PARAMS;                                                              \
        RET(*f) PARAMS = __atomic_load_n(&target, __ATOMIC_ACQUIRE);                             \
        if (!f) {                                                                                \
            f = (RET(*) PARAMS)bando_library_symbol(&LIBRARY, #NAME);                            \
            __atomic_store_n(&target, f, __ATOMIC_RELEASE);                                      \
        }                                                                                        \
        return f ARGS;                                                                           \
    }
#endif
