/*
 * The interactive SVG flame graph (and icicle, and differential graph) of
 * our own making: static rectangles that any SVG viewer shows, plus a
 * script (flamegraph_js.c) for zoom, search and details in a browser,
 * offline. Names are escaped and cleaned so the XML stays well-formed
 * whatever the symbols hold.
 */
#ifndef PE_FLAMEGRAPH_H
#define PE_FLAMEGRAPH_H

#include <stdio.h>

#include "out/profile_out.h"

/*
 * Writes p as an SVG document. With o->before set, colours show each
 * frame's change in share of the total from that profile (red grew, blue
 * shrank) and tooltips give both counts. Returns 0, or -1 on a write error.
 */
int flamegraph_write(FILE *f, const struct profile *p, const struct profile_write_opts *o);

extern const char flamegraph_js[];

#endif
