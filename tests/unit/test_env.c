/*
 * Tests of sys/env: the /proc parsers on fixture texts copied from real
 * machines, and env_collect's git state in repositories made for the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/env.h"
#include "util/error.h"

/* An excerpt of /proc/cpuinfo on x86-64 (two CPUs). */
static const char cpuinfo_x86[] =
	"processor\t: 0\n"
	"vendor_id\t: GenuineIntel\n"
	"cpu family\t: 6\n"
	"model\t\t: 85\n"
	"model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n"
	"stepping\t: 7\n"
	"cpu MHz\t\t: 2494.140\n"
	"cache size\t: 28160 KB\n"
	"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep\n"
	"\n"
	"processor\t: 1\n"
	"vendor_id\t: GenuineIntel\n"
	"model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\n"
	"\n";

/* arm64 (Graviton 2): no "model name", and "processor" is lowercase. */
static const char cpuinfo_arm64[] =
	"processor\t: 0\n"
	"BogoMIPS\t: 243.75\n"
	"Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics cpuid\n"
	"CPU implementer\t: 0x41\n"
	"CPU architecture: 8\n"
	"CPU variant\t: 0x3\n"
	"CPU part\t: 0xd0c\n"
	"CPU revision\t: 1\n"
	"\n";

/* 32-bit ARM (Raspberry Pi): "Hardware" at the end of the file. */
static const char cpuinfo_arm32[] =
	"processor\t: 0\n"
	"model name\t: \n"
	"BogoMIPS\t: 38.40\n"
	"CPU part\t: 0xd03\n"
	"\n"
	"Hardware\t: BCM2835\n"
	"Revision\t: a02082\n";

static void test_cpuinfo_x86(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(env_parse_cpuinfo_model(cpuinfo_x86, out, sizeof(out)), 0);
	assert_string_equal(out, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
}

static void test_cpuinfo_arm64_has_no_model(void **state)
{
	char out[128] = "unchanged";

	(void)state;
	assert_int_equal(env_parse_cpuinfo_model(cpuinfo_arm64, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_non_null(strstr(pe_errmsg(), "model name"));
}

static void test_cpuinfo_arm32_hardware(void **state)
{
	char out[128];

	(void)state;
	/* The empty "model name" does not count; "Hardware" is the next best. */
	assert_int_equal(env_parse_cpuinfo_model(cpuinfo_arm32, out, sizeof(out)), 0);
	assert_string_equal(out, "BCM2835");
}

static void test_cpuinfo_empty(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(env_parse_cpuinfo_model("", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(env_parse_cpuinfo_model("\n\n", out, sizeof(out)), -1);
	assert_int_equal(env_parse_cpuinfo_model(":::", out, sizeof(out)), -1);
	assert_int_equal(env_parse_cpuinfo_model("model name", out, sizeof(out)), -1);
	assert_int_equal(env_parse_cpuinfo_model("model name:   \t", out, sizeof(out)), -1);
}

static void test_cpuinfo_edges(void **state)
{
	char out[8];
	char big[64];

	(void)state;
	/* No newline at the end; blanks around the value go, inner runs squeeze. */
	assert_int_equal(env_parse_cpuinfo_model("model name :  AMD   EPYC\t 7R13 ",
						 big, sizeof(big)), 0);
	assert_string_equal(big, "AMD EPYC 7R13");
	/* Cut short to fit, and terminated. */
	assert_int_equal(env_parse_cpuinfo_model(cpuinfo_x86, out, sizeof(out)), 0);
	assert_string_equal(out, "Intel(R");
	assert_int_equal(env_parse_cpuinfo_model(cpuinfo_x86, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(env_parse_cpuinfo_model(cpuinfo_x86, out, 0), -1);
	/* Keys match whole: "model name2" is not "model name". */
	assert_int_equal(env_parse_cpuinfo_model("model name2: x\n", big, sizeof(big)), -1);
	/* MIPS and POWER. */
	assert_int_equal(env_parse_cpuinfo_model("system type\t\t: MT7621\ncpu model\t\t: MIPS 1004Kc V2.15\n",
						 big, sizeof(big)), 0);
	assert_string_equal(big, "MIPS 1004Kc V2.15");
	assert_int_equal(env_parse_cpuinfo_model("processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\n",
						 big, sizeof(big)), 0);
	assert_string_equal(big, "POWER9 (raw), altivec supported");
	/* CRLF and control characters do not reach the result. */
	assert_int_equal(env_parse_cpuinfo_model("model name: a\x01" "b\r\n", big, sizeof(big)), 0);
	assert_string_equal(big, "a?b");
}

static void test_cpuinfo_huge_line(void **state)
{
	size_t n = 1 << 20;
	char *text = malloc(n + 64);
	char out[32];

	(void)state;
	memset(text, 'x', n);
	strcpy(text + n, "\nmodel name: M\n");
	assert_int_equal(env_parse_cpuinfo_model(text, out, sizeof(out)), 0);
	assert_string_equal(out, "M");
	/* A value longer than the buffer, and no newline before the NUL. */
	memcpy(text, "model name: ", 12);
	text[n] = '\0';
	assert_int_equal(env_parse_cpuinfo_model(text, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	free(text);
}

static void test_loadavg(void **state)
{
	double la[3] = { -1, -1, -1 };

	(void)state;
	assert_int_equal(env_parse_loadavg("0.52 0.58 0.59 1/123 4567\n", la), 0);
	assert_true(la[0] == 0.52 && la[1] == 0.58 && la[2] == 0.59);
	/* Without the rest, without a newline, large loads. */
	assert_int_equal(env_parse_loadavg("12.00 7 130.25", la), 0);
	assert_true(la[0] == 12.0 && la[1] == 7.0 && la[2] == 130.25);
}

static void test_loadavg_malformed(void **state)
{
	static const char *const bad[] = {
		"", "\n", "0.52", "0.52 0.58", "0.52 0.58\n0.59", "a b c",
		"0.52 0.58 x", "-0.52 0.58 0.59", "0.52 0.58 0.59x", "0.52,0.58,0.59",
		" 0.52 0.58 0.59", "0x1 0 0", "inf 0 0", "nan 0 0", "1. 2 3", ".5 1 1",
		"0.52  0.58 0.59garbage",
	};
	double la[3] = { 7, 8, 9 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (env_parse_loadavg(bad[i], la) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(pe_errmsg(), "loadavg"));
		/* Nothing is written on failure. */
		assert_true(la[0] == 7 && la[1] == 8 && la[2] == 9);
	}
}

static void test_loadavg_proc(void **state)
{
	double la[3] = { -1, -1, -1 };

	(void)state;
	assert_int_equal(env_loadavg(la), 0);
	assert_true(la[0] >= 0 && la[1] >= 0 && la[2] >= 0);
}

/* --- env_collect and git ------------------------------------------------ */

struct gitfix {
	char cwd[PATH_MAX];
	char dir[64];
	int have_git;
};

/* Runs a shell command in the current directory; returns its exit status. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* The first line of a shell command's output, without the newline. */
static void sh_line(const char *cmd, char *out, size_t n)
{
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	pclose(f);
}

#define GIT "git -c user.name=perfeng -c user.email=perfeng@example.invalid " \
	    "-c commit.gpgsign=false -c init.defaultBranch=main "

/*
 * Each test gets a fresh directory under /tmp and runs in it. Git must not
 * find a repository above it (the build tree may sit under /tmp) nor follow
 * a GIT_DIR from the environment (a test run from a git hook).
 */
static int setup(void **state)
{
	struct gitfix *f = calloc(1, sizeof(*f));

	if (!f || !getcwd(f->cwd, sizeof(f->cwd)))
		return -1;
	strcpy(f->dir, "/tmp/perfeng-env-XXXXXX");
	if (!mkdtemp(f->dir) || chdir(f->dir) < 0)
		return -1;
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
	f->have_git = sh("git --version >/dev/null 2>&1") == 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct gitfix *f = *state;
	int rc = 0;

	if (chdir(f->cwd) < 0)
		rc = -1;
	if (sh("rm -rf '%s'", f->dir) != 0)
		rc = -1;
	free(f);
	return rc;
}

static void test_collect_facts(void **state)
{
	struct env_info e;

	(void)state;
	memset(&e, 0x55, sizeof(e));
	pe_error("earlier error");
	env_collect(&e, 1);
	/* Missing facts (no cpufreq here) leave the caller's last message alone. */
	assert_string_equal(pe_errmsg(), "earlier error");
	assert_true(e.cpu_model[0] != '\0' && strlen(e.cpu_model) < sizeof(e.cpu_model));
	assert_int_equal(e.cores, sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(e.governor[0] != '\0' && strlen(e.governor) < sizeof(e.governor));
	if (access("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", R_OK) != 0)
		assert_string_equal(e.governor, "n/a");
	assert_true(strncmp(e.kernel, "Linux ", 6) == 0);
	assert_true(e.hostname[0] != '\0' && strlen(e.hostname) < sizeof(e.hostname));
	assert_true(e.loadavg_before[0] >= 0 && e.loadavg_before[1] >= 0 &&
		    e.loadavg_before[2] >= 0);
	assert_true(e.loadavg_after[0] == 0 && e.loadavg_after[1] == 0 &&
		    e.loadavg_after[2] == 0);
}

static void test_collect_outside_repo(void **state)
{
	struct env_info e;

	(void)state;
	env_collect(&e, 1);
	assert_string_equal(e.git_commit, "");
	assert_string_equal(e.git_branch, "");
	assert_int_equal(e.git_dirty, -1);
}

static int is_hex40(const char *s)
{
	for (int i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[40] == '\0';
}

static void test_collect_in_repo(void **state)
{
	struct gitfix *f = *state;
	struct env_info e;
	char head[128];

	if (!f->have_git)
		skip();
	assert_int_equal(sh(GIT "init -q . && " GIT "symbolic-ref HEAD refs/heads/perf/topic"), 0);

	/* A repository without commits: a branch, a clean tree, no commit. */
	env_collect(&e, 1);
	assert_string_equal(e.git_commit, "");
	assert_string_equal(e.git_branch, "perf/topic");
	assert_int_equal(e.git_dirty, 0);

	assert_int_equal(sh("echo one > tracked && " GIT "add tracked && "
			    GIT "commit -q -m first"), 0);
	sh_line("git rev-parse HEAD", head, sizeof(head));
	env_collect(&e, 1);
	assert_true(is_hex40(e.git_commit));
	assert_string_equal(e.git_commit, head);
	assert_string_equal(e.git_branch, "perf/topic");
	{
		/* without with_git, no git process and no git state, even in a repository */
		struct env_info quick;

		env_collect(&quick, 0);
		assert_string_equal(quick.git_commit, "");
		assert_int_equal(quick.git_dirty, -1);
	}
	assert_int_equal(e.git_dirty, 0);

	/* Untracked files leave the tree clean ... */
	assert_int_equal(sh("echo x > untracked"), 0);
	env_collect(&e, 1);
	assert_int_equal(e.git_dirty, 0);

	/* ... a modified tracked file makes it dirty. */
	assert_int_equal(sh("echo two >> tracked"), 0);
	env_collect(&e, 1);
	assert_int_equal(e.git_dirty, 1);
	assert_string_equal(e.git_commit, head);

	/* Detached HEAD: the commit, and no branch. */
	assert_int_equal(sh(GIT "commit -q -a -m second && " GIT "checkout -q --detach"), 0);
	sh_line("git rev-parse HEAD", head, sizeof(head));
	env_collect(&e, 1);
	assert_string_equal(e.git_commit, head);
	assert_string_equal(e.git_branch, "");
	assert_int_equal(e.git_dirty, 0);

	/* A subdirectory of the work tree is in the repository too. */
	assert_int_equal(sh("mkdir sub"), 0);
	assert_int_equal(chdir("sub"), 0);
	env_collect(&e, 1);
	assert_string_equal(e.git_commit, head);
	assert_int_equal(chdir(".."), 0);
}

static void test_collect_without_git(void **state)
{
	struct env_info e;
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct gitfix *f = *state;

	if (!f->have_git)
		skip();
	assert_int_equal(sh(GIT "init -q ."), 0);
	/* With no git on PATH, a repository reads as unknown, and nothing fails. */
	setenv("PATH", "/nonexistent", 1);
	env_collect(&e, 1);
	if (path)
		setenv("PATH", path, 1);
	else
		unsetenv("PATH");
	free(path);
	assert_string_equal(e.git_commit, "");
	assert_string_equal(e.git_branch, "");
	assert_int_equal(e.git_dirty, -1);
	assert_true(e.cores > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuinfo_x86),
		cmocka_unit_test(test_cpuinfo_arm64_has_no_model),
		cmocka_unit_test(test_cpuinfo_arm32_hardware),
		cmocka_unit_test(test_cpuinfo_empty),
		cmocka_unit_test(test_cpuinfo_edges),
		cmocka_unit_test(test_cpuinfo_huge_line),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_loadavg_malformed),
		cmocka_unit_test(test_loadavg_proc),
		cmocka_unit_test_setup_teardown(test_collect_facts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collect_outside_repo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collect_in_repo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collect_without_git, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
