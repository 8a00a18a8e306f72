#ifndef BANDO_CLAZY_H
#define BANDO_CLAZY_H
/* GDAL and PROJ, loaded on first use (see lazy.h). Each function loads its library now if it
   is not loaded yet and returns NULL on success, else why it could not be loaded. */
const char *bando_gdal_load(void);
const char *bando_proj_load(void);
#endif
