/*
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 * one "sampled" profile whose samples index a shared frame table, written
 * with jansson, for speedscope's time-order, left-heavy and sandwich views.
 */
#ifndef PE_SPEEDSCOPE_H
#define PE_SPEEDSCOPE_H

#include <stdio.h>

#include "prof/profile.h"

/* Writes p as a speedscope JSON document named title (NULL: "perfeng"). Returns 0 or -1. */
int speedscope_write(FILE *f, const struct profile *p, const char *title);

#endif
