/*
 * Rendering a finished benchmark: the terminal text, and the exports in
 * hyperfine-compatible JSON (a superset, perfeng's additions under "perfeng"
 * keys), CSV, and the markup tables (Markdown, AsciiDoc, org-mode). The
 * report borrows everything it points to.
 */
#ifndef PE_BENCH_REPORT_H
#define PE_BENCH_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "runner/bench.h"
#include "stats/compare.h"
#include "stats/describe.h"
#include "sys/env.h"
#include "util/units.h"

#define BENCH_JSON_SCHEMA 1

enum bench_sort { SORT_AUTO = 0, SORT_COMMAND, SORT_MEAN };

struct bench_report {
	struct bench_command *cmds;
	size_t n;
	struct summary *wall, *user, *sys;	/* per command */
	struct comparison *cmp;			/* per command against the reference */
	size_t reference;
	int reference_given;			/* --reference, not the fastest */
	double noise;
	enum time_unit unit;			/* TU_AUTO: per command */
	enum bench_sort sort;
	const struct env_info *env;
	const struct counters *counters;	/* NULL when counting was off */
	const char *shell;			/* NULL: no shell */
	const struct bench_opts *opts;
	const char *version;
	const char *invocation;			/* perfeng's own command line, "perfeng bench ..." */
	int64_t started_us, ended_us;		/* Unix time of the benchmark */
	int interrupted;
	int color;				/* the text in colour (ANSI SGR) */
};

/*
 * Fills the statistics of a report whose cmds, n and noise are set (and
 * reference, with reference_given): each command's wall, user and system
 * summaries, the reference (the fastest by mean unless given) and each
 * other command's comparison with it. bench_report_release frees them.
 */
void bench_report_compute(struct bench_report *r);
void bench_report_release(struct bench_report *r);

/* Once, before the blocks: the shell the commands ran through and what was subtracted (nothing without one). */
void out_bench_shell_note(FILE *f, const struct bench_report *r);
/* The block for command i ("Benchmark 1: ..."). */
void out_bench_command(FILE *f, const struct bench_report *r, size_t i);
/* The comparison of every command against the reference (n >= 2). */
void out_bench_comparison(FILE *f, const struct bench_report *r);
/* Exports; each returns 0 or -1 with pe_error() set. */
int out_bench_json(FILE *f, const struct bench_report *r);
/* The JSON document itself (a new reference, the caller json_decref()s it). */
json_t *out_bench_json_doc(const struct bench_report *r);
int out_bench_csv(FILE *f, const struct bench_report *r);
/* The summary table in Markdown, AsciiDoc or org-mode (out/bench_table.c). */
int out_bench_markdown(FILE *f, const struct bench_report *r);
int out_bench_asciidoc(FILE *f, const struct bench_report *r);
int out_bench_orgmode(FILE *f, const struct bench_report *r);

/* Indices of the commands in the order --sort asks for, for the comparison (tables != 0: markup tables). */
void bench_report_order(const struct bench_report *r, int tables, size_t *order);

#endif
