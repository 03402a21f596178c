/*
 * Reading benchmark results that other runs wrote: perfeng's JSON (bench
 * --export-json / --json) and hyperfine's --export-json, into store runs.
 * One run per result. The same path serves `bench --save` (its own JSON
 * document), `import`, and `compare` of JSON files, so a result means the
 * same thing however it reached the store.
 */
#ifndef PE_IMPORT_JSON_H
#define PE_IMPORT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

/*
 * Runs from a parsed document. name: the run name for a single result; with
 * several results each run is "name/<command>"; NULL names each run by its
 * command. origin names the document in messages (a file name). On success
 * *runs (an array of *n, freed with store_runs_free) holds at least one run;
 * a document that is neither format is an error saying what is missing.
 */
int import_json_doc(const json_t *doc, const char *origin, const char *name,
		    struct store_run **runs, size_t *n);

/* Reads and parses path ("-" for standard input) and calls import_json_doc. */
int import_json_file(const char *path, const char *name, struct store_run **runs, size_t *n);

/* Parses a perfeng timestamp "2026-11-22T04:40:17.838686Z" into Unix microseconds. */
int import_parse_time(const char *s, int64_t *us);

#endif
