#include "prof/demangle.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The Itanium C++ ABI's demangler: status 0 is success. */
typedef char *cxa_demangle_fn(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn *cxa_demangle;
static pthread_once_t demangle_once = PTHREAD_ONCE_INIT;

static void demangle_load(void)
{
	void *lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);

	if (lib)
		cxa_demangle = (cxa_demangle_fn *)dlsym(lib, "__cxa_demangle");
}

int demangle_available(void)
{
	pthread_once(&demangle_once, demangle_load);
	return cxa_demangle != NULL;
}

char *demangle(const char *name)
{
	int status = -1;
	char *out;

	if (!name || strncmp(name, "_Z", 2) || !demangle_available())
		return NULL;
	out = cxa_demangle(name, NULL, NULL, &status);
	if (status != 0) {
		free(out);
		return NULL;
	}
	return out;
}
