#include "store/totals_save.h"

#include "sys/env.h"

int totals_save(struct store *st, const struct totals_save *in, int64_t *id)
{
	struct store_run run = { 0 };
	int rc;

	env_fill_run(&run, in->kind, in->name, in->started, in->ended, in->version, in->invocation);
	for (size_t i = 0; i < in->ntags; i++)
		store_run_add_tag(&run, in->tags[i]);
	for (size_t i = 0; i < in->n; i++)
		store_metric_set_samples(store_run_add_metric(&run, in->totals[i].name, in->totals[i].unit, 0),
					 &in->totals[i].value, 1);
	rc = store_save(st, &run);
	*id = run.id;
	store_run_release(&run);
	return rc;
}
