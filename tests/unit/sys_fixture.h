/*
 * One sample of a fixture root under tests/fixtures/sys/ (see its
 * README.md), for the USE engine's tests (test_sys.c) and its renderers'
 * (test_use_metrics.c). Unit tests run from the repository root.
 */
#ifndef PE_TEST_SYS_FIXTURE_H
#define PE_TEST_SYS_FIXTURE_H

#include "sys/use.h"
#include "util/xalloc.h"

#define FIX "tests/fixtures/sys/"

/* The caller frees the sample; t_ns replaces its time so that intervals are exact. */
static struct sys_sample *sample_root(const char *root, uint64_t t_ns)
{
	struct sys_source src;
	struct sys_sample *s = xcalloc(1, sizeof(*s));

	assert_int_equal(sys_source_init(&src, root, 0), 0);
	assert_int_equal(sys_sample(&src, s), 0);
	sys_source_release(&src);
	s->t_ns = t_ns;
	return s;
}

#endif
