/*
 * Service-level objectives as users write them on the command line:
 * "p99<200ms", "p50<=20ms", "error_rate<0.1%", "rps>1000", "max<1s",
 * "mean<5ms". A list of them is checked against a result's metrics and gives
 * a pass/fail table and the exit code of the command.
 */
#ifndef PE_SLO_H
#define PE_SLO_H

#include <stdint.h>

enum slo_op { SLO_LT, SLO_LE, SLO_GT, SLO_GE };
enum slo_kind { SLO_TIME, SLO_RATIO, SLO_RATE };

struct slo {
	char metric[16];	/* "p99", "p99.9", "p50", "max", "mean", "error_rate", "rps" */
	double percentile;	/* for pNN: 0..100; else -1 */
	enum slo_op op;
	enum slo_kind kind;
	double threshold;	/* seconds for times, a fraction for error_rate, per second for rps */
	char text[64];		/* as given */
};

/* Parses one objective; returns 0 or -1 with pe_error() naming it and what is expected. */
int slo_parse(const char *s, struct slo *o);

/* Whether value meets the objective. */
int slo_met(const struct slo *o, double value);

struct hdr;

/*
 * The objective's metric for a load result: latencies from h (microseconds),
 * error_rate as errors over sent, rps as responses over secs. NAN when
 * there is nothing to measure it on.
 */
double slo_value(const struct slo *o, const struct hdr *h, double secs, uint64_t sent,
		 uint64_t responses, uint64_t errors);

#endif
