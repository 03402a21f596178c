/*
 * C++ symbol names made readable, as perf and c++filt show them:
 * "_ZN4demo4spin3runEv" becomes "demo::spin::run()". The demangler is the
 * C++ runtime's own (__cxa_demangle in libstdc++), loaded with dlopen the
 * first time a mangled name comes, as OpenSSL and libpq are: perfeng does
 * not link the C++ runtime, and where it is missing names stay mangled.
 */
#ifndef PE_PROF_DEMANGLE_H
#define PE_PROF_DEMANGLE_H

/*
 * The demangled form of name, to free(), or NULL when name is not a
 * mangled C++ name ("_Z..."), does not demangle, or there is no demangler.
 */
char *demangle(const char *name);

/* Whether the demangler could be loaded (it is loaded on the first call). */
int demangle_available(void);

#endif
