/*
 * The rules table of `perfeng diagnose` and the metrics it reads. Change a
 * threshold here and in the table of docs/diagnose.md together; the unit
 * test test_diagnosis.c pins each rule with a decomposition at its edge.
 *
 * Why this order: a command that is too short to sample says nothing;
 * paging and throttling explain the rest of the picture (a thread that
 * faults is in D, a throttled one waits), so they come first; then a
 * command that wants the CPU but waits for it (starved) before one that
 * gets it (bound); blocking I/O before CPU, because a D share of 30% is a
 * bottleneck even when the rest computes; lock contention before CPU too,
 * because threads that spin in futex calls and lock code are on a CPU
 * without getting work done; the off-CPU kinds last.
 */
#include "sys/diagnosis.h"

#include <math.h>
#include <string.h>

#include "sys/threads.h"

#define C(m, op, t) { (m), (op), (t) }

const struct diag_rule diag_rules[] = {
	{ DV_INCONCLUSIVE, "too short to sample",
	  { C(DM_SAMPLES, DOP_LT, 3) }, 1, { DM_WALL }, 1,
	  "run it for longer, or sample faster with --hz, so that at least 3 samples are taken" },
	{ DV_MEMORY_BOUND, "swapping",
	  { C(DM_SWAP_RATE, DOP_GE, 100), C(DM_IO, DOP_GE, 0.1) }, 2, { DM_MAJFLT_RATE }, 1,
	  "the working set does not fit in memory: check memory with perfeng observe, reduce the working set or add memory" },
	{ DV_MEMORY_BOUND, "major page faults",
	  { C(DM_MAJFLT_RATE, DOP_GE, 50), C(DM_IO, DOP_GE, 0.1) }, 2, { DM_ON_CPU }, 1,
	  "pages are read back from disk: check memory with perfeng observe; keep the working set resident (more memory, smaller data, madvise/prefetch)" },
	{ DV_MEMORY_BOUND, "reclaim",
	  { C(DM_RECLAIM_RATE, DOP_GE, 1000), C(DM_SYSTEM, DOP_GE, 0.2) }, 2, { DM_MAJFLT_RATE }, 1,
	  "the kernel is reclaiming memory while it runs: check memory with perfeng observe" },
	{ DV_CPU_STARVED, "cgroup CPU throttling",
	  { C(DM_THROTTLED, DOP_GE, 0.1) }, 1, { DM_RUNQ, DM_PARALLELISM }, 2,
	  "the cgroup's CPU quota (cpu.max) limits it: raise the quota or use fewer threads" },
	{ DV_CPU_STARVED, "waiting for a CPU",
	  { C(DM_RUNQ, DOP_GE, 0.2), C(DM_RUNQ_OF_RUNNABLE, DOP_GE, 0.3) }, 2, { DM_ON_CPU, DM_PARALLELISM }, 2,
	  "more runnable threads than CPUs: check the CPU with perfeng observe, run fewer threads or on more CPUs" },
	{ DV_IO_BOUND, "blocked on I/O",
	  { C(DM_IO, DOP_GE, 0.3) }, 1, { DM_ON_CPU, DM_MAJFLT_RATE }, 2,
	  "check the disk with perfeng observe -v; look at off-CPU stacks with perfeng profile --off-cpu" },
	{ DV_LOCK_CONTENTION, "threads wait for a lock that others hold",
	  { C(DM_CONTENTION, DOP_GE, 0.2), C(DM_THREADS, DOP_GE, 2) }, 2, { DM_LOCK, DM_LOCK_CPU, DM_ON_CPU }, 3,
	  "the contended lock below (pthread locks; perfeng locks for all of them, with their stacks), or "
	  "perfeng profile --off-cpu for other waits; then shorten the critical section, split the lock, or run fewer threads" },
	{ DV_CPU_BOUND, "parallel",
	  { C(DM_ON_CPU, DOP_GE, 0.5), C(DM_PARALLELISM, DOP_GE, 1.5) }, 2, { DM_USER, DM_SYSTEM }, 2,
	  "profile with perfeng profile" },
	{ DV_CPU_BOUND, "single-threaded",
	  { C(DM_ON_CPU, DOP_GE, 0.5) }, 1, { DM_PARALLELISM, DM_USER, DM_SYSTEM }, 3,
	  "profile with perfeng profile" },
	{ DV_CPU_BOUND, "busy threads on the CPU, the rest idle",
	  { C(DM_PARALLELISM, DOP_GE, 0.8) }, 1, { DM_ON_CPU, DM_LOCK }, 2,
	  "profile with perfeng profile" },
	{ DV_OFF_CPU_BOUND, "network, poll or pipes",
	  { C(DM_NET, DOP_GE, 0.4) }, 1, { DM_ON_CPU }, 1,
	  "it waits for a peer: check the network with perfeng observe -v and the peer's latency" },
	{ DV_OFF_CPU_BOUND, "sleep",
	  { C(DM_SLEEP, DOP_GE, 0.4) }, 1, { DM_ON_CPU }, 1,
	  "it sleeps on purpose (timers, back-off, polling intervals): look at off-CPU stacks with perfeng profile --off-cpu" },
	{ DV_OFF_CPU_BOUND, "waiting",
	  { C(DM_OFF_CPU, DOP_GE, 0.5) }, 1, { DM_OTHER, DM_ON_CPU }, 2,
	  "look at off-CPU stacks with perfeng profile --off-cpu" },
};

const size_t diag_nrules = sizeof(diag_rules) / sizeof(diag_rules[0]);

const struct diag_rule diag_default_rule = {
	DV_BALANCED, "no single limit", { C(DM_ON_CPU, DOP_GE, 0) }, 0,
	{ DM_ON_CPU, DM_RUNQ, DM_IO, DM_OFF_CPU }, 4,
	"no resource dominates: profile with perfeng profile and look at off-CPU stacks with --off-cpu",
};

static const struct {
	const char *name, *label;
	int share;
} metric_info[DM_NR] = {
	[DM_SAMPLES] = { "samples", "samples", 0 },
	[DM_WALL] = { "wall", "wall seconds", 0 },
	[DM_ON_CPU] = { "on_cpu", "on a CPU", 1 },
	[DM_USER] = { "user", "on a CPU, user", 1 },
	[DM_SYSTEM] = { "system", "on a CPU, system", 1 },
	[DM_RUNQ] = { "runq", "waiting for a CPU", 1 },
	[DM_RUNQ_OF_RUNNABLE] = { "runq_of_runnable", "of runnable time waiting for a CPU", 1 },
	[DM_IO] = { "io", "blocked on I/O (D)", 1 },
	[DM_LOCK] = { "lock", "waiting on locks", 1 },
	[DM_SLEEP] = { "sleep", "sleeping", 1 },
	[DM_NET] = { "net", "waiting on network, poll or pipes", 1 },
	[DM_OTHER] = { "other", "off the CPU, other", 1 },
	[DM_OFF_CPU] = { "off_cpu", "off the CPU", 1 },
	[DM_PARALLELISM] = { "parallelism", "CPUs busy on average", 0 },
	[DM_MAJFLT_RATE] = { "majflt_rate", "major faults/s", 0 },
	[DM_MINFLT_RATE] = { "minflt_rate", "minor faults/s", 0 },
	[DM_THROTTLED] = { "throttled", "of wall time throttled (cgroup)", 1 },
	[DM_SWAP_RATE] = { "swap_rate", "pages swapped/s (system)", 0 },
	[DM_RECLAIM_RATE] = { "reclaim_rate", "pages scanned/s (system)", 0 },
	[DM_LOCK_CPU] = { "lock_cpu", "on a CPU in lock code (profile)", 1 },
	[DM_CONTENTION] = { "contention", "lost to a lock (waiting + lock code)", 1 },
	[DM_THREADS] = { "threads", "threads at once (most)", 0 },
};

static const char *const verdict_names[DV_NR] = {
	"cpu-bound", "cpu-starved", "io-bound", "memory-bound", "off-cpu-bound", "lock-contention",
	"balanced", "inconclusive",
};

const char *diag_verdict_name(enum diag_verdict v)
{
	return v < DV_NR ? verdict_names[v] : "inconclusive";
}

const char *diag_metric_name(enum diag_metric m)
{
	return m < DM_NR ? metric_info[m].name : "?";
}

const char *diag_metric_label(enum diag_metric m)
{
	return m < DM_NR ? metric_info[m].label : "?";
}

int diag_metric_is_share(enum diag_metric m)
{
	return m < DM_NR && metric_info[m].share;
}

const char *diag_op_text(enum diag_op op)
{
	return op == DOP_LT ? "<" : ">=";
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

void diag_metrics(const struct thread_totals *t, double wall_s, const struct diag_system *sys,
		  double m[DM_NR])
{
	/*
	 * A thread waiting for its child, or parked on a futex for good (a
	 * join, an idle pool), is not limited by anything of its own.
	 */
	double counted = (double)(t->thread_ns - t->wait_ns[WAIT_CHILD] - t->lock_parked_ns);
	double lock = (double)(t->wait_ns[WAIT_LOCK] - t->lock_parked_ns);
	double user = (double)t->user_ns, system = (double)t->sys_ns, runq = (double)t->runq_ns;
	double off = 0;

	for (int c = 0; c < WAIT_NR; c++)
		if (c != WAIT_CHILD && c != WAIT_LOCK)
			off += (double)t->wait_ns[c];
	off += lock;
	m[DM_SAMPLES] = t->samples;
	m[DM_WALL] = wall_s;
	m[DM_ON_CPU] = ratio(user + system, counted);
	m[DM_USER] = ratio(user, counted);
	m[DM_SYSTEM] = ratio(system, counted);
	m[DM_RUNQ] = t->have_schedstat ? ratio(runq, counted) : NAN;
	m[DM_RUNQ_OF_RUNNABLE] = t->have_schedstat ? ratio(runq, user + system + runq) : NAN;
	m[DM_IO] = ratio((double)t->wait_ns[WAIT_IO], counted);
	m[DM_LOCK] = ratio(lock, counted);
	m[DM_SLEEP] = ratio((double)t->wait_ns[WAIT_SLEEP], counted);
	m[DM_NET] = ratio((double)t->wait_ns[WAIT_NET], counted);
	m[DM_OTHER] = ratio((double)t->wait_ns[WAIT_OTHER], counted);
	m[DM_OFF_CPU] = ratio(off, counted);
	m[DM_PARALLELISM] = ratio((user + system) / 1e9, wall_s);
	m[DM_MAJFLT_RATE] = ratio((double)t->majflt, wall_s);
	m[DM_MINFLT_RATE] = ratio((double)t->minflt, wall_s);
	m[DM_THROTTLED] = sys ? ratio(sys->throttled_s, wall_s) : NAN;
	m[DM_SWAP_RATE] = sys ? sys->swap_pages_per_s : NAN;
	m[DM_RECLAIM_RATE] = sys ? sys->scan_pages_per_s : NAN;
	/* no profile: the waiting alone, which is all that is known */
	m[DM_LOCK_CPU] = sys && !isnan(sys->lock_cpu_frac) ? sys->lock_cpu_frac * m[DM_ON_CPU] : NAN;
	m[DM_CONTENTION] = m[DM_LOCK] + (isnan(m[DM_LOCK_CPU]) ? 0 : m[DM_LOCK_CPU]);
	m[DM_THREADS] = t->max_threads;
}

int diag_is_lock_function(const char *name, void *unused)
{
	static const char *const parts[] = {
		"lll_lock", "lll_unlock", "mutex_lock", "mutex_unlock", "mutex_trylock", "rwlock_",
		"spin_lock", "spin_unlock", "futex", "sem_wait", "sem_post", "sem_timedwait",
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strstr(name, parts[i]))
			return 1;
	return 0;
}

static int cond_holds(const struct diag_cond *c, const double m[DM_NR])
{
	double v = m[c->metric];

	if (isnan(v))
		return 0;	/* unknown never decides */
	return c->op == DOP_LT ? v < c->threshold : v >= c->threshold;
}

const struct diag_rule *diag_decide(const double m[DM_NR])
{
	for (size_t i = 0; i < diag_nrules; i++) {
		const struct diag_rule *r = &diag_rules[i];
		size_t k;

		for (k = 0; k < r->ncond && cond_holds(&r->cond[k], m); k++)
			;
		if (k == r->ncond)
			return r;
	}
	return &diag_default_rule;
}

int diag_hot_shown(const struct diag_rule *rule, const double m[DM_NR])
{
	return rule->verdict == DV_CPU_BOUND || rule->verdict == DV_CPU_STARVED ||
	       rule->verdict == DV_LOCK_CONTENTION ||
	       (!isnan(m[DM_ON_CPU]) && m[DM_ON_CPU] >= DIAG_HOT_ON_CPU_MIN);
}
