/*
 * Text and JSON of a diagnose report (see diag_report.h). Shares are of the
 * counted thread-time (the time threads waited for their own children is
 * shown but not counted); seconds are thread-seconds, so with 4 threads a
 * 1 s run has 4 s of thread-time.
 */
#include "out/diag_report.h"

#include <math.h>
#include <string.h>

#include "out/json.h"

/* The rows of the decomposition: a label, the JSON key, and where the nanoseconds are. */
enum { ROW_USER, ROW_SYS, ROW_RUNQ, ROW_IO, ROW_LOCK, ROW_SLEEP, ROW_NET, ROW_OTHER, ROW_NR };

static const struct {
	const char *label, *key;
	enum diag_metric metric;
} rows[ROW_NR] = {
	{ "on a CPU, user", "user", DM_USER },
	{ "on a CPU, system", "system", DM_SYSTEM },
	{ "waiting for a CPU", "runq", DM_RUNQ },
	{ "blocked on I/O (state D)", "io", DM_IO },
	{ "waiting on locks (futex)", "lock", DM_LOCK },
	{ "sleeping", "sleep", DM_SLEEP },
	{ "network, poll or pipes", "net", DM_NET },
	{ "off the CPU, other", "other", DM_OTHER },
};

static uint64_t row_ns(const struct thread_totals *t, int row)
{
	switch (row) {
	case ROW_USER: return t->user_ns;
	case ROW_SYS: return t->sys_ns;
	case ROW_RUNQ: return t->runq_ns;
	case ROW_IO: return t->wait_ns[WAIT_IO];
	case ROW_LOCK: return t->wait_ns[WAIT_LOCK] - t->lock_parked_ns;
	case ROW_SLEEP: return t->wait_ns[WAIT_SLEEP];
	case ROW_NET: return t->wait_ns[WAIT_NET];
	default: return t->wait_ns[WAIT_OTHER];
	}
}

static char *fmt_metric(char *buf, size_t n, enum diag_metric m, double v)
{
	if (isnan(v))
		snprintf(buf, n, "n/a");
	else if (diag_metric_is_share(m))
		snprintf(buf, n, "%.1f%%", v * 100);
	else if (m == DM_SAMPLES)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.2f", v);
	return buf;
}

char *diag_verdict_text(char *buf, size_t n, const struct diag_rule *rule, const double *m)
{
	if (rule->verdict == DV_CPU_BOUND && !isnan(m[DM_PARALLELISM]))
		snprintf(buf, n, "%s (%s, %.1f CPUs busy on average)", diag_verdict_name(rule->verdict),
			 rule->detail, m[DM_PARALLELISM]);
	else
		snprintf(buf, n, "%s (%s)", diag_verdict_name(rule->verdict), rule->detail);
	return buf;
}

static void text_run(FILE *f, const struct diag_report *r)
{
	const struct thread_totals *t = r->t;

	fputs("perfeng diagnose:", f);
	for (char *const *a = r->argv; *a; a++)
		fprintf(f, " %s", *a);
	fputs("\n  ", f);
	if (!strcmp(r->status, "exited"))
		fprintf(f, "exited with status %d", r->exit_code);
	else if (!strcmp(r->status, "signaled"))
		fprintf(f, "killed by signal %d (%s)", r->signal, strsignal(r->signal));
	else if (!strcmp(r->status, "stopped"))
		fputs("stopped at the end of --duration", f);
	else
		fputs("interrupted: the figures cover the run until then", f);
	fprintf(f, " after %.3f s; %u sample%s at %u Hz; ", r->wall_s, t->samples,
		t->samples == 1 ? "" : "s", r->hz);
	if (t->rusage_only)
		fputs("1 thread in 1 process, too short-lived to sample: its time is its rusage\n", f);
	else
		fprintf(f, "%u thread%s in %u process%s (at most %u at once)\n", t->threads,
			t->threads == 1 ? "" : "s", t->processes, t->processes == 1 ? "" : "es",
			t->max_threads);
}

static void text_decomposition(FILE *f, const struct diag_report *r)
{
	const struct thread_totals *t = r->t;
	double counted = (double)(t->thread_ns - t->wait_ns[WAIT_CHILD] - t->lock_parked_ns) / 1e9;
	char b[32];

	fprintf(f, "\n  %-36s %10s %8s\n", "thread-time", "seconds", "share");
	for (int i = 0; i < ROW_NR; i++) {
		if (i == ROW_RUNQ && !t->have_schedstat) {
			fprintf(f, "    %-34s %10s %8s\n", rows[i].label, "n/a", "n/a");
			continue;
		}
		fprintf(f, "    %-34s %10.3f %8s\n", rows[i].label, (double)row_ns(t, i) / 1e9,
			fmt_metric(b, sizeof(b), rows[i].metric, r->m[rows[i].metric]));
	}
	fprintf(f, "    %-34s %10.3f %8s\n", "total", counted, counted > 0 ? "100.0%" : "n/a");
	if (t->wait_ns[WAIT_CHILD])
		fprintf(f, "    %-34s %10.3f %8s\n", "waiting for child processes",
			(double)t->wait_ns[WAIT_CHILD] / 1e9, "(not counted)");
	if (t->lock_parked_ns)
		fprintf(f, "    %-34s %10.3f %8s\n", "parked on a futex (joins, idle)",
			(double)t->lock_parked_ns / 1e9, "(not counted)");
	if (!isnan(r->m[DM_LOCK_CPU]))
		fprintf(f, "  of the time on a CPU, %s in lock code (futex calls, spinning; from the profile)\n",
			fmt_metric(b, sizeof(b), DM_LOCK_CPU, r->m[DM_LOCK_CPU]));
	fprintf(f, "  faults: %llu minor, %llu major (%.1f/s)\n", (unsigned long long)t->minflt,
		(unsigned long long)t->majflt, isnan(r->m[DM_MAJFLT_RATE]) ? 0.0 : r->m[DM_MAJFLT_RATE]);
	if (t->unsampled_ns >= 1000000)
		fprintf(f, "  %.3f s of CPU time only rusage saw (threads that lived between samples, the last interval)\n",
			(double)t->unsampled_ns / 1e9);
	if (t->have_blkio)
		fputs("  I/O time from delay accounting (kernel.task_delayacct is on)\n", f);
	else
		fprintf(f, "  I/O time from sampled D states (kernel.task_delayacct is %s)\n",
			r->delayacct == 0 ? "off" : r->delayacct == 1 ? "on but unread" : "unknown");
	if (!t->have_schedstat)
		fputs("  no /proc/PID/task/TID/schedstat: on-CPU time from clock ticks, run delay unknown\n", f);
	if (t->children_by_scan)
		fputs("  no /proc/PID/task/TID/children: child processes found by scanning /proc\n", f);
	if (t->nwchan) {
		fputs("  wait channels sampled:", f);
		for (size_t i = 0; i < t->nwchan; i++)
			fprintf(f, "%s %s %llu", i ? "," : "", t->wchan[i].name,
				(unsigned long long)t->wchan[i].samples);
		fputc('\n', f);
	}
}

/* The conditions of the rule, then its other evidence, each as "label value". */
static void text_verdict(FILE *f, const struct diag_report *r)
{
	const struct diag_rule *rule = r->rule;
	char b[160], v[32];

	fprintf(f, "\n  verdict: %s\n", diag_verdict_text(b, sizeof(b), rule, r->m));
	for (size_t i = 0; i < rule->ncond; i++) {
		const struct diag_cond *c = &rule->cond[i];
		char th[32];

		if (diag_metric_is_share(c->metric))
			snprintf(th, sizeof(th), "%g%%", c->threshold * 100);
		else
			snprintf(th, sizeof(th), "%g", c->threshold);
		fprintf(f, "    %s: %s (rule: %s %s)\n", diag_metric_label(c->metric),
			fmt_metric(v, sizeof(v), c->metric, r->m[c->metric]), diag_op_text(c->op), th);
	}
	for (size_t i = 0; i < rule->nevidence; i++)
		fprintf(f, "    %s: %s\n", diag_metric_label(rule->evidence[i]),
			fmt_metric(v, sizeof(v), rule->evidence[i], r->m[rule->evidence[i]]));
	fprintf(f, "    next step: %s\n", rule->next_step);
}

static void text_section(FILE *f, const char *title, const struct diag_section *s)
{
	if (!s->text) {
		fprintf(f, "\n  %s: %s\n", title, s->missing ? s->missing : "n/a");
		return;
	}
	fprintf(f, "\n  %s:\n", title);
	s->text(f, s->arg);
}

void diag_report_text(FILE *f, const struct diag_report *r)
{
	text_run(f, r);
	text_decomposition(f, r);
	text_verdict(f, r);
	text_section(f, "the system during the run (USE)", &r->use);
	if (r->lock.text || r->lock.missing)
		text_section(f, "the contended lock", &r->lock);
	text_section(f, "hot functions", &r->hot);
}

static json_t *json_section(const struct diag_section *s)
{
	return s->json ? s->json(s->arg) : json_null();
}

json_t *diag_report_json(const struct diag_report *r)
{
	const struct thread_totals *t = r->t;
	json_t *root = json_object(), *cmd = json_array(), *dec = json_object(), *ev = json_array();
	json_t *metrics = json_object(), *wch = json_array(), *verdict;
	char b[160];

	for (char *const *a = r->argv; *a; a++)
		json_array_append_new(cmd, json_string(*a));
	json_object_set_new(root, "command", cmd);
	json_object_set_new(root, "status", json_string(r->status));
	json_object_set_new(root, "exit_code", !strcmp(r->status, "exited") ? json_integer(r->exit_code) : json_null());
	json_object_set_new(root, "signal", !strcmp(r->status, "signaled") ? json_integer(r->signal) : json_null());
	json_object_set_new(root, "wall", json_num(r->wall_s));
	json_object_set_new(root, "hz", json_integer(r->hz));
	json_object_set_new(root, "samples", json_integer(t->samples));
	json_object_set_new(root, "threads", json_integer(t->threads));
	json_object_set_new(root, "processes", json_integer(t->processes));
	json_object_set_new(root, "max_threads", json_integer(t->max_threads));
	json_object_set_new(root, "threads_from_rusage", json_boolean(t->rusage_only));

	for (int i = 0; i < ROW_NR; i++)
		json_object_set_new(dec, rows[i].key, json_pack("{s:o,s:o}",
			"seconds", i == ROW_RUNQ && !t->have_schedstat ? json_null() : json_real((double)row_ns(t, i) / 1e9),
			"share", json_num(r->m[rows[i].metric])));
	json_object_set_new(dec, "child_wait", json_pack("{s:f}", "seconds", (double)t->wait_ns[WAIT_CHILD] / 1e9));
	json_object_set_new(dec, "lock_parked", json_pack("{s:f}", "seconds", (double)t->lock_parked_ns / 1e9));
	json_object_set_new(dec, "lock_cpu", json_pack("{s:o}", "share", json_num(r->m[DM_LOCK_CPU])));
	json_object_set_new(dec, "counted_seconds", json_real((double)(t->thread_ns - t->wait_ns[WAIT_CHILD] -
								     t->lock_parked_ns) / 1e9));
	json_object_set_new(dec, "unsampled_cpu_seconds", json_real((double)t->unsampled_ns / 1e9));
	json_object_set_new(root, "decomposition", dec);
	json_object_set_new(root, "faults", json_pack("{s:I,s:I}", "minor", (json_int_t)t->minflt,
						      "major", (json_int_t)t->majflt));
	json_object_set_new(root, "sources", json_pack("{s:b,s:o,s:b,s:b}",
		"schedstat", t->have_schedstat,
		"delayacct", r->delayacct < 0 ? json_null() : json_boolean(r->delayacct == 1),
		"delayacct_used", t->have_blkio, "children_by_scan", t->children_by_scan));
	for (size_t i = 0; i < t->nwchan; i++)
		json_array_append_new(wch, json_pack("{s:s,s:I}", "name", t->wchan[i].name,
						     "samples", (json_int_t)t->wchan[i].samples));
	json_object_set_new(root, "wait_channels", wch);
	for (int i = 0; i < DM_NR; i++)
		json_object_set_new(metrics, diag_metric_name(i), json_num(r->m[i]));
	json_object_set_new(root, "metrics", metrics);

	for (size_t i = 0; i < r->rule->ncond; i++) {
		const struct diag_cond *c = &r->rule->cond[i];

		json_array_append_new(ev, json_pack("{s:s,s:o,s:s,s:f}", "metric", diag_metric_name(c->metric),
			"value", json_num(r->m[c->metric]), "op", diag_op_text(c->op), "threshold", c->threshold));
	}
	for (size_t i = 0; i < r->rule->nevidence; i++)
		json_array_append_new(ev, json_pack("{s:s,s:o}", "metric", diag_metric_name(r->rule->evidence[i]),
			"value", json_num(r->m[r->rule->evidence[i]])));
	verdict = json_pack("{s:s,s:s,s:s,s:o,s:s}", "name", diag_verdict_name(r->rule->verdict),
			    "detail", r->rule->detail, "text", diag_verdict_text(b, sizeof(b), r->rule, r->m),
			    "evidence", ev, "next_step", r->rule->next_step);
	json_object_set_new(root, "verdict", verdict);
	json_object_set_new(root, "system", json_section(&r->use));
	json_object_set_new(root, "profile", !r->prof ? json_null() :
		json_pack("{s:s,s:i,s:I,s:I,s:b}", "event", r->prof->event, "hz", (int)r->prof->hz,
			  "samples", (json_int_t)r->prof->samples, "lost", (json_int_t)r->prof->lost,
			  "user_only", r->prof->user_only));
	json_object_set_new(root, "hot_functions", json_section(&r->hot));
	if (r->lock.json || r->lock.missing)
		json_object_set_new(root, "lock", r->lock.json ? json_section(&r->lock) : json_null());
	json_object_set_new(root, "hot_functions_note",
			    r->hot.text || !r->hot.missing ? json_null() : json_string(r->hot.missing));
	return root;
}

static void cond_text(char *buf, size_t n, const struct diag_cond *c)
{
	if (diag_metric_is_share(c->metric))
		snprintf(buf, n, "`%s %s %g%%`", diag_metric_name(c->metric), diag_op_text(c->op),
			 c->threshold * 100);
	else
		snprintf(buf, n, "`%s %s %g`", diag_metric_name(c->metric), diag_op_text(c->op), c->threshold);
}

static void rule_markdown(FILE *f, const char *num, const struct diag_rule *r)
{
	char b[96];

	fprintf(f, "| %s | %s (%s) | ", num, diag_verdict_name(r->verdict), r->detail);
	for (size_t k = 0; k < r->ncond; k++) {
		cond_text(b, sizeof(b), &r->cond[k]);
		fprintf(f, "%s%s", k ? " and " : "", b);
	}
	if (!r->ncond)
		fputs("no rule above holds", f);
	fputs(" | ", f);
	for (size_t k = 0; k < r->nevidence; k++)
		fprintf(f, "%s`%s`", k ? ", " : "", diag_metric_name(r->evidence[k]));
	fprintf(f, " | %s |\n", r->next_step);
}

void diag_rules_markdown(FILE *f)
{
	char num[24];

	fputs("| # | verdict (detail) | when all of these hold | evidence also shown | next step |\n"
	      "|---|------------------|------------------------|---------------------|-----------|\n", f);
	for (size_t i = 0; i < diag_nrules; i++) {
		snprintf(num, sizeof(num), "%zu", i + 1);
		rule_markdown(f, num, &diag_rules[i]);
	}
	rule_markdown(f, "-", &diag_default_rule);
}
