#include "out/load_metrics.h"

#include <math.h>

#include "out/openmetrics.h"

/* Bucket bounds of the latency histogram, seconds: 100 us .. 10 s. */
static const double load_metrics_bounds[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

void load_metrics_render(struct om_writer *w, const struct load_metrics_view *v)
{
	static const char *const classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	enum { NB = sizeof(load_metrics_bounds) / sizeof(load_metrics_bounds[0]) };
	const struct load_counts *c = v->counts;
	const struct hdr *h = v->latency;
	uint64_t cum[NB];
	double qv[4], sum = h->total ? hdr_mean(h) * (double)h->total / 1e6 : 0;
	struct om_label l;

	om_family(w, "perfeng_load_requests", OM_COUNTER, "Requests sent.");
	om_counter(w, "perfeng_load_requests", NULL, 0, (double)c->sent);
	om_family(w, "perfeng_load_responses", OM_COUNTER, "Responses received, by status class.");
	for (int k = 1; k <= 6; k++) {	/* 1xx..5xx, then the others */
		l = (struct om_label){ "class", classes[k % 6] };
		om_counter(w, "perfeng_load_responses", &l, 1, (double)c->status[k % 6]);
	}
	om_family(w, "perfeng_load_errors", OM_COUNTER,
		  "Requests that failed, by kind (4xx and 5xx responses are in perfeng_load_responses).");
	for (int e = 0; e < LOAD_ERR_NR; e++) {
		l = (struct om_label){ "kind", load_err_name(e) };
		om_counter(w, "perfeng_load_errors", &l, 1, (double)c->errors[e]);
	}
	om_family(w, "perfeng_load_bytes", OM_COUNTER, "Bytes read from and written to the service.");
	l = (struct om_label){ "direction", "in" };
	om_counter(w, "perfeng_load_bytes", &l, 1, (double)c->bytes_in);
	l = (struct om_label){ "direction", "out" };
	om_counter(w, "perfeng_load_bytes", &l, 1, (double)c->bytes_out);

	for (int i = 0; i < NB; i++)
		cum[i] = (uint64_t)hdr_count_at_or_below(h, (int64_t)(load_metrics_bounds[i] * 1e6 + 0.5));
	om_family(w, "perfeng_load_latency_seconds", OM_HISTOGRAM,
		  "Response latency (from the intended time in the open model), at the HdrHistogram's 0.1% precision.");
	om_histogram(w, "perfeng_load_latency_seconds", NULL, 0, load_metrics_bounds, cum, NB,
		     (uint64_t)h->total, sum);
	for (int i = 0; i < 4; i++)
		qv[i] = h->total ? (double)hdr_value_at_percentile(h, qs[i] * 100) / 1e6 : NAN;
	om_family(w, "perfeng_load_latency_quantiles_seconds", OM_SUMMARY,
		  "Response latency quantiles of the run so far, from its HdrHistogram.");
	om_summary(w, "perfeng_load_latency_quantiles_seconds", NULL, 0, qs, qv, 4, (uint64_t)h->total, sum);

	om_family(w, "perfeng_load_rate", OM_GAUGE, "Responses per second in the last second.");
	om_sample(w, "perfeng_load_rate", NULL, 0, v->rate);
	om_family(w, "perfeng_load_target_rate", OM_GAUGE, "The open model's target rate (0: closed model).");
	om_sample(w, "perfeng_load_target_rate", NULL, 0, v->target);
	om_family(w, "perfeng_load_elapsed_seconds", OM_GAUGE, "Seconds of the run reported so far.");
	om_sample(w, "perfeng_load_elapsed_seconds", NULL, 0, v->elapsed);
	om_eof(w);
}
