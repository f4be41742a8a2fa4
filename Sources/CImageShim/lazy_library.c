// Shared libraries loaded on first use (dlopen) instead of linked. libavif with its AV1 codecs is some 25 shared
// libraries and libwebp three more; loading them at start-up cost every assetpipe process about 2.5 ms and their
// memory, whether or not it touched a WebP or AVIF file.
#include <dlfcn.h>

#include "internal.h"

// Opens every library of `l` (each "name|fallback") and finds every symbol in one of them; 0 with l->error set
// when one is missing.
static int ap_lazy_open(ap_lazy_library *l) {
    size_t opened = 0;
    for (const char *const *library = l->libraries; *library != NULL; library++) {
        char names[128];
        snprintf(names, sizeof names, "%s", *library);
        void *handle = NULL;
        char *rest = NULL;
        for (char *name = strtok_r(names, "|", &rest); name != NULL && handle == NULL; name = strtok_r(NULL, "|", &rest))
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *why = dlerror();
            snprintf(l->error, sizeof l->error, "%s", why != NULL ? why : *library);
            return 0;
        }
        if (opened < sizeof l->handles / sizeof l->handles[0]) l->handles[opened++] = handle;
    }
    for (size_t i = 0; l->symbols[i] != NULL; i++) {
        void *found = NULL;
        for (size_t k = 0; k < opened && found == NULL; k++) found = dlsym(l->handles[k], l->symbols[i]);
        if (found == NULL) {
            snprintf(l->error, sizeof l->error, "the installed library has no %s", l->symbols[i]);
            return 0;
        }
        l->pointers[i] = found;
    }
    return 1;
}

int ap_lazy_load(ap_lazy_library *l, char *err, size_t err_len) {
    pthread_mutex_lock(&l->lock);
    if (l->state == 0) l->state = ap_lazy_open(l) ? 1 : -1;
    int loaded = l->state == 1;
    pthread_mutex_unlock(&l->lock);
    if (loaded) return AP_OK;
    snprintf(err, err_len, "%s support is not installed (apt-get install %s): %s", l->format, l->packages, l->error);
    return AP_ERR_UNSUPPORTED;
}

int ap_lazy_library_check(const char *format, const char *library, const char *packages, const char *symbol,
                          char *err, size_t err_len) {
    const char *const libraries[] = {library, NULL};
    const char *const symbols[] = {symbol, NULL};
    void *pointers[1] = {NULL};
    ap_lazy_library l = {
        .format = format, .libraries = libraries, .packages = packages, .symbols = symbols, .pointers = pointers,
        .lock = PTHREAD_MUTEX_INITIALIZER,
    };
    int code = ap_lazy_load(&l, err, err_len);
    for (size_t i = 0; i < sizeof l.handles / sizeof l.handles[0]; i++)
        if (l.handles[i] != NULL) dlclose(l.handles[i]);
    pthread_mutex_destroy(&l.lock);
    return code;
}
