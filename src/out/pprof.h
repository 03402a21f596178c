/*
 * pprof's profile.proto, gzipped: the format of `go tool pprof`, pprof's
 * web UI, Pyroscope, Grafana and most profile viewers. Written by hand
 * (pprof.c); reading pprof is not supported.
 */
#ifndef PE_PPROF_H
#define PE_PPROF_H

#include <stdio.h>

#include "prof/profile.h"

/* Writes p as a gzipped profile.proto message to f. Returns 0 or -1 (pe_error). */
int pprof_write(FILE *f, const struct profile *p);

#endif
