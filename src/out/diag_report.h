/*
 * The report of `perfeng diagnose`, as text for people and as JSON: the
 * run, the thread-time decomposition, the verdict with its evidence and next
 * step, the system's USE summary and the hot functions of the profile
 * taken while it ran. Everything it shows comes in a struct diag_report that the
 * command fills; nothing here measures or decides.
 */
#ifndef PE_DIAG_REPORT_H
#define PE_DIAG_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sys/diagnosis.h"
#include "sys/threads.h"

/*
 * A section that another engine fills (the system's USE summary, the hot
 * functions of a profile): text and JSON renderers and their argument. A
 * section whose text is NULL prints `missing` instead (one line) and is null
 * in the JSON.
 */
struct diag_section {
	void (*text)(FILE *f, void *arg);
	json_t *(*json)(void *arg);	/* a new reference */
	void *arg;
	const char *missing;
};

/* What the profiler collected while the command ran. */
struct diag_profile {
	const char *event;		/* "cpu-clock" */
	unsigned hz;
	uint64_t samples, lost;
	int user_only;			/* kernel time not sampled (perf_event_paranoid) */
};

struct diag_report {
	char *const *argv;		/* the command */
	const char *status;		/* "exited", "signaled", "stopped" (-d), "interrupted" */
	int exit_code, signal;
	double wall_s;
	unsigned hz;
	int delayacct;			/* kernel.task_delayacct: 1, 0, -1 unknown */
	const struct thread_totals *t;
	const double *m;		/* DM_NR metrics */
	const struct diag_rule *rule;
	struct diag_section use;	/* the system during the run */
	struct diag_section hot;	/* hot functions of the profile */
	struct diag_section lock;	/* with lock-contention: the lock most waited for */
	const struct diag_profile *prof;	/* NULL: not profiled */
};

void diag_report_text(FILE *f, const struct diag_report *r);
/* The whole report as one JSON object; a new reference. */
json_t *diag_report_json(const struct diag_report *r);

/*
 * The rules table (sys/diagnosis.c) as the Markdown table docs/diagnose.md
 * holds, one row per rule in the order they are tried, the default last.
 */
void diag_rules_markdown(FILE *f);

/* "cpu-bound (single-threaded)" into buf. */
char *diag_verdict_text(char *buf, size_t n, const struct diag_rule *rule, const double *m);

#endif
