#include "store/findmax_save.h"

#include <stdio.h>

#include "sys/env.h"

int findmax_save(struct store *st, const char *name, const char *invocation, const char *version,
		 const char *const *tags, size_t ntags, const struct findmax_opts *fo,
		 const struct findmax_result *res, int64_t started, int64_t ended, int64_t *id)
{
	struct store_run run = { 0 };
	struct store_metric *m;
	char tag[sizeof(fo->slos[0].text) + 8];
	int rc;

	env_fill_run(&run, "find-max", name, started, ended, version, invocation);
	for (size_t i = 0; i < fo->nslos; i++) {
		snprintf(tag, sizeof(tag), "slo:%s", fo->slos[i].text);
		store_run_add_tag(&run, tag);
	}
	for (size_t t = 0; t < ntags; t++)
		store_run_add_tag(&run, tags[t]);
	m = store_run_add_metric(&run, "max_rate", "req/s", 1);
	store_metric_set_samples(m, &res->knee, 1);
	if (res->first_fail > 0) {
		m = store_run_add_metric(&run, "first_failing", "req/s", 1);
		store_metric_set_samples(m, &res->first_fail, 1);
	}
	rc = store_save(st, &run);
	*id = run.id;
	store_run_release(&run);
	return rc;
}
