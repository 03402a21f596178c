/*
 * Tests of the C++ demangler's use (src/prof/demangle.c). Every expected
 * name is what binutils' c++filt 2.40 prints for the same symbol, an
 * independent implementation of the Itanium C++ ABI's mangling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "prof/demangle.h"

static void check(const char *mangled, const char *want)
{
	char *got = demangle(mangled);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_cxx(void **state)
{
	(void)state;
	if (!demangle_available())
		skip();	/* no libstdc++.so.6: names stay mangled, as documented */
	check("_ZN4demo4spin3runEv", "demo::spin::run()");
	check("_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)");
	check("_ZN4demo4workEi.cold", "demo::work(int) [clone .cold]");
	check("_ZN4demo4spin3runEv.isra.0", "demo::spin::run() [clone .isra.0]");
	check("_ZL6helperv", "helper()");
	check("_ZNK3Foo3getEv", "Foo::get() const");
	check("_Z1fv", "f()");
	check("_ZN3foo3barE", "foo::bar");
}

static void test_not_mangled(void **state)
{
	(void)state;
	check("main", NULL);		/* C names are left alone */
	check("_Zfoo", NULL);		/* "_Z" but not a mangling: c++filt prints it unchanged */
	check("", NULL);
	check(NULL, NULL);
	check("Z1fv", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cxx),
		cmocka_unit_test(test_not_mangled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
