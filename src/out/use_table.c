/*
 * Text and JSON renderings of USE rows and summaries. The compact table is
 * driven by one column table so the header, the values and the docs'
 * column list cannot drift apart.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "out/json.h"
#include "out/use_table.h"

enum kind { K_PCT, K_RATIO, K_RATE };

enum col_id {
	C_CPU_U, C_CPU_S, C_CPU_PSI, C_MEM_U, C_MEM_S, C_MEM_PSI, C_MEM_E,
	C_DISK_U, C_DISK_S, C_DISK_PSI, C_NET_U, C_NET_S, C_NET_E,
	C_FD_U, C_FS_U, C_CG_U, C_CG_S, C_GPU_U, C_GPU_S, C_GPU_E,
};

struct col {
	enum col_id id;
	const char *name;
	int width;
	enum kind kind;
	enum use_res res;
	int group_start;	/* print a '|' before it */
};

static const struct col cols[] = {
	{ C_CPU_U, "cpu%", 4, K_PCT, USE_CPU, 1 },
	{ C_CPU_S, "runq", 4, K_RATIO, USE_CPU, 0 },
	{ C_CPU_PSI, "cpsi", 4, K_PCT, USE_CPU, 0 },
	{ C_MEM_U, "mem%", 4, K_PCT, USE_MEM, 1 },
	{ C_MEM_S, "scan/s", 6, K_RATE, USE_MEM, 0 },
	{ C_MEM_PSI, "mpsi", 4, K_PCT, USE_MEM, 0 },
	{ C_MEM_E, "oom", 3, K_RATE, USE_MEM, 0 },
	{ C_DISK_U, "dsk%", 4, K_PCT, USE_DISK, 1 },
	{ C_DISK_S, "aqu", 4, K_RATIO, USE_DISK, 0 },
	{ C_DISK_PSI, "dpsi", 4, K_PCT, USE_DISK, 0 },
	{ C_NET_U, "net%", 4, K_PCT, USE_NET, 1 },
	{ C_NET_S, "drop/s", 6, K_RATE, USE_NET, 0 },
	{ C_NET_E, "err/s", 5, K_RATE, USE_NET, 0 },
	{ C_FD_U, "fd%", 4, K_PCT, USE_FD, 1 },
	{ C_FS_U, "fs%", 4, K_PCT, USE_FS, 0 },
	{ C_CG_U, "cgm%", 4, K_PCT, USE_CGROUP, 1 },
	{ C_CG_S, "thr%", 4, K_PCT, USE_CGROUP, 0 },
	{ C_GPU_U, "gpu%", 4, K_PCT, USE_GPU, 1 },
	{ C_GPU_S, "pwr%", 4, K_PCT, USE_GPU, 0 },
	{ C_GPU_E, "ecc", 3, K_RATE, USE_GPU, 0 },
};

#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static double col_value(const struct use_row *r, enum col_id id)
{
	switch (id) {
	case C_CPU_U: return r->r[USE_CPU].u;
	case C_CPU_S: return r->r[USE_CPU].s;
	case C_CPU_PSI: return r->cpu_psi;
	case C_MEM_U: return r->r[USE_MEM].u;
	case C_MEM_S: return r->r[USE_MEM].s;
	case C_MEM_PSI: return r->mem_psi;
	case C_MEM_E: return r->r[USE_MEM].e;
	case C_DISK_U: return r->r[USE_DISK].u;
	case C_DISK_S: return r->r[USE_DISK].s;
	case C_DISK_PSI: return r->disk_psi;
	case C_NET_U: return r->r[USE_NET].u;
	case C_NET_S: return r->r[USE_NET].s;
	case C_NET_E: return r->r[USE_NET].e;
	case C_FD_U: return r->r[USE_FD].u;
	case C_FS_U: return r->r[USE_FS].u;
	case C_CG_U: return r->r[USE_CGROUP].u;
	case C_CG_S: return r->r[USE_CGROUP].s;
	case C_GPU_U: return r->r[USE_GPU].u;
	case C_GPU_S: return r->r[USE_GPU].s;
	case C_GPU_E: return r->r[USE_GPU].e;
	}
	return NAN;
}

/* A rate in at most 5 characters: "0", "2.5", "812", "12.3k", "4.1M". */
static char *fmt_rate(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (v == 0)
		snprintf(buf, n, "0");
	else if (v < 10)
		snprintf(buf, n, "%.1f", v);
	else if (v < 1e3)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e5)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v < 1e8)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.0fG", v / 1e9);
	return buf;
}

static char *fmt_val(char *buf, size_t n, double v, enum kind k)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (k == K_PCT)	/* 3 characters: "0.5", "9.9", "42", "100" */
		snprintf(buf, n, v * 100 < 9.95 ? "%.1f" : "%.0f", v * 100);
	else if (k == K_RATIO)	/* 4 characters: "0.50", "12.5", "123" */
		snprintf(buf, n, v < 9.995 ? "%.2f" : v < 99.95 ? "%.1f" : "%.0f", v);
	else
		fmt_rate(buf, n, v);
	return buf;
}

static int col_shown(const struct use_table *t, const struct col *c)
{
	return t->gpu || c->res != USE_GPU;
}

void use_table_header(const struct use_table *t)
{
	fprintf(t->f, "%6s", "time");
	for (size_t i = 0; i < NCOLS; i++)
		if (col_shown(t, &cols[i]))
			fprintf(t->f, "%s%*s", cols[i].group_start ? " |" : " ", cols[i].width, cols[i].name);
	fputc('\n', t->f);
}

void use_table_row(const struct use_table *t, const struct use_row *r)
{
	char buf[32];

	double secs = (double)(r->t_ns - t->t0_ns) / 1e9;

	/* six characters: tenths up to 2.7 hours, whole seconds up to 11 days */
	fprintf(t->f, secs < 9999.95 ? "%6.1f" : "%6.0f", secs);
	for (size_t i = 0; i < NCOLS; i++) {
		const struct col *c = &cols[i];

		if (!col_shown(t, c))
			continue;
		fmt_val(buf, sizeof(buf), col_value(r, c->id), c->kind);
		int hi = t->color && r->r[c->res].saturated;

		fprintf(t->f, "%s%s%*s%s", c->group_start ? " |" : " ", hi ? "\033[1;31m" : "",
			c->width, buf, hi ? "\033[0m" : "");
	}
	fputc('\n', t->f);
}

void use_table_detail(const struct use_table *t, const struct use_row *r)
{
	char a[16], b[16], c[16], d[16], e[16], g[16];	/* one per value of a line */

	for (uint32_t i = 0; i < r->ncpu; i++) {
		const struct use_cpu_detail *x = &r->cpu[i];

		fprintf(t->f, "    cpu%-4u busy %5s%%  usr %5s%%  sys %5s%%  iowait %5s%%  steal %5s%%\n", i,
			fmt_val(a, 16, x->busy, K_PCT), fmt_val(b, 16, x->user, K_PCT),
			fmt_val(c, 16, x->system, K_PCT), fmt_val(d, 16, x->iowait, K_PCT),
			fmt_val(e, 16, x->steal, K_PCT));
	}
	for (uint32_t i = 0; i < r->ndisk; i++) {
		const struct use_disk_detail *x = &r->disk[i];

		fprintf(t->f, "    disk %-15s util %5s%%  aqu %5s  await %7.2f ms  r/s %5s  w/s %5s  "
			"rKiB/s %5s  wKiB/s %5s\n", x->name, fmt_val(a, 16, x->util, K_PCT),
			fmt_val(b, 16, x->aqu, K_RATIO), x->await_ms, fmt_rate(c, 16, x->r_s),
			fmt_rate(d, 16, x->w_s), fmt_rate(e, 16, x->rkb_s), fmt_rate(g, 16, x->wkb_s));
	}
	for (uint32_t i = 0; i < r->nnet; i++) {
		const struct use_net_detail *x = &r->net[i];

		fprintf(t->f, "    net  %-15s util %5s%%  rxKiB/s %5s  txKiB/s %5s  drop/s %5s  err/s %5s\n",
			x->name, fmt_val(a, 16, x->util, K_PCT), fmt_rate(b, 16, x->rx_kb_s),
			fmt_rate(c, 16, x->tx_kb_s), fmt_rate(d, 16, x->drops_s), fmt_rate(e, 16, x->errs_s));
	}
	for (uint32_t i = 0; i < r->nfs; i++)
		fprintf(t->f, "    fs   %-15s used %5s%%  inodes %5s%%\n", r->fs[i].mount,
			fmt_val(a, 16, r->fs[i].used, K_PCT), fmt_val(b, 16, r->fs[i].inodes, K_PCT));
	for (uint32_t i = 0; i < r->ngpu; i++) {
		const struct use_gpu_detail *x = &r->gpu[i];

		fprintf(t->f, "    gpu%-2u %-20s util %5s%%  mem %5s%%  power %5s%%  clock %5s%%  "
			"throttle 0x%llx  ecc/s %s\n", i, x->name, fmt_val(a, 16, x->util, K_PCT),
			fmt_val(b, 16, x->mem, K_PCT), fmt_val(c, 16, x->power, K_PCT),
			fmt_val(d, 16, x->clock, K_PCT), (unsigned long long)x->throttle,
			fmt_rate(e, 16, x->ecc_s));
	}
}

void use_table_proc(const struct use_table *t, const struct use_row *r)
{
	const struct use_proc_detail *p = &r->proc;
	char a[16], b[16], c[16], d[16], e[16], g[16], h[16], k[16];	/* one per value */

	if (!r->has_proc)
		return;
	if (!p->alive) {
		fprintf(t->f, "    pid %d: exited\n", (int)p->pid);
		return;
	}
	fprintf(t->f, "    pid %d: cpu %s%%  runq-delay %s ms/s  rss %.1f MiB  faults %s/s (major %s/s)  "
		"io r %s w %s KiB/s  cs %s/s (invol %s/s)  threads %llu  fds %llu\n",
		(int)p->pid, fmt_val(a, 16, p->cpu, K_PCT), fmt_val(b, 16, p->run_delay_ms_s, K_RATIO),
		p->rss_mib, fmt_rate(c, 16, p->minflt_s), fmt_rate(d, 16, p->majflt_s),
		fmt_rate(e, 16, p->read_kb_s), fmt_rate(g, 16, p->write_kb_s),
		fmt_rate(h, 16, p->vcs_s), fmt_rate(k, 16, p->ivcs_s),
		(unsigned long long)p->threads, (unsigned long long)p->fds);
}

static json_t *val_json(const struct use_val *v)
{
	return json_pack("{s:o,s:o,s:o,s:b}", "u", json_num(v->u), "s", json_num(v->s), "e",
			 json_num(v->e), "saturated", v->saturated != 0);
}

static void set_num(json_t *o, const char *k, double v)
{
	json_object_set_new(o, k, json_num(v));
}

json_t *use_row_json(const struct use_row *r, uint64_t t0_ns, int verbose)
{
	json_t *o = json_object(), *res[USE_NRES], *a;

	set_num(o, "t", (double)(r->t_ns - t0_ns) / 1e9);
	set_num(o, "interval", r->interval_s);
	json_object_set_new(o, "counters_reset", json_boolean(r->counters_reset));
	for (int i = 0; i < USE_NRES; i++) {
		res[i] = val_json(&r->r[i]);
		json_object_set_new(o, use_res_name((enum use_res)i), res[i]);
	}
	set_num(res[USE_CPU], "runq", r->cpu_runq);
	set_num(res[USE_CPU], "psi", r->cpu_psi);
	set_num(res[USE_CPU], "sched_wait", r->sched_wait);
	set_num(res[USE_MEM], "swap", r->mem_swap);
	set_num(res[USE_MEM], "scan_s", r->mem_scan_s);
	set_num(res[USE_MEM], "steal_s", r->mem_steal_s);
	set_num(res[USE_MEM], "swapio_s", r->mem_swapio_s);
	set_num(res[USE_MEM], "psi", r->mem_psi);
	set_num(res[USE_DISK], "psi", r->disk_psi);
	set_num(res[USE_NET], "rx_mb_s", r->net_rx_mb_s);
	set_num(res[USE_NET], "tx_mb_s", r->net_tx_mb_s);
	set_num(res[USE_NET], "retrans_s", r->net_retrans_s);
	if (verbose) {
		a = json_array();
		for (uint32_t i = 0; i < r->ncpu; i++)
			json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o}",
				"busy", json_num(r->cpu[i].busy), "user", json_num(r->cpu[i].user),
				"system", json_num(r->cpu[i].system), "iowait", json_num(r->cpu[i].iowait),
				"steal", json_num(r->cpu[i].steal)));
		json_object_set_new(res[USE_CPU], "cpus", a);
	}
	a = json_array();
	for (uint32_t i = 0; i < r->ndisk; i++) {
		const struct use_disk_detail *x = &r->disk[i];

		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "name", x->name,
			"util", json_num(x->util), "aqu", json_num(x->aqu), "await_ms", json_num(x->await_ms),
			"r_s", json_num(x->r_s), "w_s", json_num(x->w_s), "rkb_s", json_num(x->rkb_s),
			"wkb_s", json_num(x->wkb_s)));
	}
	json_object_set_new(res[USE_DISK], "devices", a);
	a = json_array();
	for (uint32_t i = 0; i < r->nnet; i++) {
		const struct use_net_detail *x = &r->net[i];

		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "name", x->name,
			"util", json_num(x->util), "rx_kb_s", json_num(x->rx_kb_s),
			"tx_kb_s", json_num(x->tx_kb_s), "drops_s", json_num(x->drops_s),
			"errs_s", json_num(x->errs_s)));
	}
	json_object_set_new(res[USE_NET], "interfaces", a);
	a = json_array();
	for (uint32_t i = 0; i < r->nfs; i++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:o}", "mount", r->fs[i].mount,
			"used", json_num(r->fs[i].used), "inodes", json_num(r->fs[i].inodes)));
	json_object_set_new(res[USE_FS], "mounts", a);
	set_num(res[USE_CGROUP], "mem", r->cg_mem);
	set_num(res[USE_CGROUP], "throttled", r->cg_throttled);
	set_num(res[USE_CGROUP], "oom_kill_s", r->cg_oom);
	a = json_array();
	for (uint32_t i = 0; i < r->ngpu; i++) {
		const struct use_gpu_detail *x = &r->gpu[i];

		json_array_append_new(a, json_pack("{s:s,s:o,s:o,s:o,s:o,s:I,s:o}", "name", x->name,
			"util", json_num(x->util), "mem", json_num(x->mem), "power", json_num(x->power),
			"clock", json_num(x->clock), "throttle", (json_int_t)x->throttle,
			"ecc_s", json_num(x->ecc_s)));
	}
	json_object_set_new(res[USE_GPU], "devices", a);
	if (r->has_proc) {
		const struct use_proc_detail *p = &r->proc;

		json_object_set_new(o, "process", json_pack(
			"{s:i,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "pid", (int)p->pid,
			"alive", p->alive, "cpu", json_num(p->cpu), "run_delay_ms_s",
			json_num(p->run_delay_ms_s), "rss_mib", json_num(p->alive ? p->rss_mib : NAN),
			"minflt_s", json_num(p->minflt_s), "majflt_s", json_num(p->majflt_s),
			"read_kb_s", json_num(p->read_kb_s), "write_kb_s", json_num(p->write_kb_s),
			"vcs_s", json_num(p->vcs_s), "ivcs_s", json_num(p->ivcs_s),
			"threads", (json_int_t)p->threads, "fds", (json_int_t)p->fds));
	}
	return o;
}

/* How each resource's S figure reads in the summary. */
static const struct { const char *unit; enum kind kind; } s_unit[USE_NRES] = {
	[USE_CPU] = { "runnable/CPU", K_RATIO }, [USE_MEM] = { "pages scanned/s", K_RATE },
	[USE_DISK] = { "queue (aqu)", K_RATIO }, [USE_NET] = { "drops/s", K_RATE },
	[USE_FD] = { "-", K_RATIO }, [USE_FS] = { "inodes used %", K_PCT },
	[USE_CGROUP] = { "periods throttled %", K_PCT }, [USE_GPU] = { "power/limit %", K_PCT },
};

void use_summary_print(FILE *f, const struct use_summary *sum)
{
	char a[16], b[16], c[16], d[16], e[16], g[16], h[16];

	fprintf(f, "summary: %llu intervals, %.1f s\n", (unsigned long long)sum->intervals, sum->seconds);
	fprintf(f, "%-8s %7s %7s %7s %7s %7s %7s %6s  %s\n", "resource", "U mean", "U max", "S mean",
		"S max", "E mean", "E max", "sat%", "S is");
	for (int r = 0; r < USE_NRES; r++) {
		const struct use_stat *st = &sum->r[r];

		if (!st->n)
			continue;
		fprintf(f, "%-8s %7s %7s %7s %7s %7s %7s %6s  %s\n", use_res_name((enum use_res)r),
			fmt_val(a, 16, sum->u_mean[r], K_PCT), fmt_val(b, 16, st->nu ? st->u_max : NAN, K_PCT),
			fmt_val(c, 16, sum->s_mean[r], s_unit[r].kind),
			fmt_val(d, 16, st->ns ? st->s_max : NAN, s_unit[r].kind),
			fmt_rate(e, 16, sum->e_mean[r]), fmt_rate(g, 16, st->ne ? st->e_max : NAN),
			fmt_val(h, 16, sum->sat_share[r], K_PCT), s_unit[r].unit);
	}
}

json_t *use_summary_json(const struct use_summary *sum)
{
	json_t *o = json_pack("{s:I,s:o}", "intervals", (json_int_t)sum->intervals, "seconds",
			      json_num(sum->seconds));

	for (int r = 0; r < USE_NRES; r++) {
		const struct use_stat *st = &sum->r[r];

		if (!st->n)
			continue;
		json_object_set_new(o, use_res_name((enum use_res)r), json_pack(
			"{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "u_mean", json_num(sum->u_mean[r]),
			"u_max", json_num(st->nu ? st->u_max : NAN), "s_mean", json_num(sum->s_mean[r]),
			"s_max", json_num(st->ns ? st->s_max : NAN), "e_mean", json_num(sum->e_mean[r]),
			"e_max", json_num(st->ne ? st->e_max : NAN), "saturated_share",
			json_num(sum->sat_share[r])));
	}
	return o;
}
