/*
 * Tests of the runner with perf counters (src/runner/counters.c): what the
 * probe says of each counter, counts read around a run of a helper, no
 * descriptor left behind when the command cannot start; and the runner
 * without pidfd_open (a seccomp filter refuses it), on its fallback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runner/counters.h"
#include "util/clock.h"

#include "runner_fixture.h"

static void test_counters_probe(void **state)
{
	struct counters c;
	int any = 0;

	(void)state;
	counters_probe(&c);
	for (int i = 0; i < CTR_NR; i++) {
		assert_int_equal(c.fd[i], -1);
		assert_true(c.supported[i] == 0 || c.supported[i] == 1);
		if (c.supported[i])
			assert_string_equal(c.why[i], "");
		else
			assert_true(c.why[i][0] != '\0');
		any |= c.supported[i];
		print_message("# %-16s %s\n", counter_name(i),
			      c.supported[i] ? "supported" : c.why[i]);
	}
	assert_int_equal(c.enabled, any);
	/* Under exclude_kernel these would read 0: they must say n/a instead. */
	if (c.exclude_kernel) {
		assert_false(c.supported[CTR_CONTEXT_SWITCHES]);
		assert_false(c.supported[CTR_CPU_MIGRATIONS]);
		assert_non_null(strstr(c.why[CTR_CONTEXT_SWITCHES], "kernel"));
	}
	assert_string_equal(counter_name(CTR_TASK_CLOCK), "task-clock");
	assert_string_equal(counter_name(CTR_CACHE_MISSES), "cache-misses");
	if (geteuid() != 0) {
		FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
		int paranoid = 0;

		if (f && fscanf(f, "%d", &paranoid) == 1 && paranoid >= 2)
			assert_int_equal(c.exclude_kernel, 1);
		if (f)
			fclose(f);
	}
}

static void test_counters_run(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	struct counters c;
	double cpu, task;

	(void)state;
	counters_probe(&c);
	if (!c.supported[CTR_TASK_CLOCK]) {
		print_message("# task-clock: %s\n", c.why[CTR_TASK_CLOCK]);
		skip();
	}
	spec.counters = &c;
	assert_int_equal(run_helper(&spec, &res, "pe-spin", "200", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(c.opened);

	assert_true(c.valid[CTR_TASK_CLOCK]);
	cpu = (double)(res.user_ns + res.sys_ns);
	task = (double)c.value[CTR_TASK_CLOCK];
	assert_true(task >= 0.5 * cpu && task <= 2 * cpu);
	if (c.supported[CTR_PAGE_FAULTS]) {
		assert_true(c.valid[CTR_PAGE_FAULTS]);
		assert_true(c.value[CTR_PAGE_FAULTS] > 0);
	}
	if (c.supported[CTR_CYCLES]) {
		assert_true(c.valid[CTR_CYCLES]);
		assert_true(c.value[CTR_CYCLES] > 0);
	} else {
		assert_false(c.valid[CTR_CYCLES]);
		assert_true(c.why[CTR_CYCLES][0] != '\0');
	}
	for (int i = 0; i < CTR_NR; i++)
		if (!c.supported[i])
			assert_false(c.valid[i]);
	print_message("# pe-spin 200: task-clock %.1f ms, user+sys %.1f ms, page-faults %llu\n",
		      task / 1e6, cpu / 1e6, (unsigned long long)c.value[CTR_PAGE_FAULTS]);

	/* A sleep switches out at least once; a count of 0 would be a lie. */
	assert_int_equal(run_helper(&spec, &res, "pe-sleep", "50", NULL), 0);
	if (c.supported[CTR_CONTEXT_SWITCHES]) {
		assert_true(c.valid[CTR_CONTEXT_SWITCHES]);
		assert_true(c.value[CTR_CONTEXT_SWITCHES] >= 1);
	}

	/* Counting starts at exec: pe-alloc's faults. */
	assert_int_equal(run_helper(&spec, &res, "pe-alloc", "64", NULL), 0);
	if (c.supported[CTR_PAGE_FAULTS]) {
		assert_true(c.valid[CTR_PAGE_FAULTS]);
		assert_true(c.value[CTR_PAGE_FAULTS] >= 16000);
	}

	/*
	 * Children started without counters (hooks) inherit the counters too;
	 * their counts fold in outside the next run's window and must not
	 * appear in it: 200 ms of spinning, then a run of pe-exit.
	 */
	spec.counters = NULL;
	assert_int_equal(run_helper(&spec, &res, "pe-spin", "200", NULL), 0);
	spec.counters = &c;
	assert_int_equal(run_helper(&spec, &res, "pe-exit", "0", NULL), 0);
	assert_true(c.valid[CTR_TASK_CLOCK]);
	assert_true(c.value[CTR_TASK_CLOCK] < 50 * NS_PER_MS);

	/*
	 * Every run counts, not only the first: with all events inherited the
	 * kernel would swap the parent's and the child's contexts and the
	 * counts would stop after one child (see counters_anchor).
	 */
	for (int k = 0; k < 5; k++) {
		assert_int_equal(run_helper(&spec, &res, "pe-spin", "20", NULL), 0);
		assert_true(c.valid[CTR_TASK_CLOCK]);
		assert_true(c.value[CTR_TASK_CLOCK] >= 10 * NS_PER_MS);
	}

	counters_close(&c);
	for (int i = 0; i < CTR_NR; i++)
		assert_int_equal(c.fd[i], -1);
	assert_int_equal(c.anchor_fd, -1);
	assert_no_children();
}

static void test_counters_spawn_error(void **state)
{
	char *argv[] = { "pe-no-such-command-4711", NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	struct counters c;
	int fds = fd_count();

	(void)state;
	counters_probe(&c);
	spec.argv = argv;
	spec.counters = &c;
	assert_int_equal(runner_run(&spec, &res), -ENOENT);
	for (int i = 0; i < CTR_NR; i++)
		assert_false(c.valid[i]);
	counters_close(&c);
	for (int i = 0; i < CTR_NR; i++)
		assert_int_equal(c.fd[i], -1);
	assert_int_equal(fd_count(), fds);
	assert_no_children();
}

#ifdef TEST_AUDIT_ARCH
/* Makes pidfd_open fail with ENOSYS in this process, as before Linux 5.3. */
static int deny_pidfd_open(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In a child process, whose exit status is the number of the failed check. */
static int no_pidfd_checks(void)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	if (deny_pidfd_open() < 0)
		return 1;
	if (syscall(SYS_pidfd_open, getpid(), 0) != -1 || errno != ENOSYS)
		return 2;
	if (run_helper(&spec, &res, "pe-exit", "7", NULL) || res.status != RUN_EXITED ||
	    res.exit_code != 7)
		return 3;
	if (run_helper(&spec, &res, "pe-sleep", "50", NULL) || res.status != RUN_EXITED ||
	    res.wall_ns < 50 * NS_PER_MS || res.wall_ns > 2 * NS_PER_SEC)
		return 4;
	if (run_helper(&spec, &res, "pe-stderr", "boom", "4") || res.exit_code != 4 ||
	    strcmp(res.err_tail, "boom"))
		return 5;
	spec.timeout_ns = 100 * NS_PER_MS;
	if (run_helper(&spec, &res, "pe-sleep", "5000", NULL) || res.status != RUN_TIMED_OUT ||
	    res.wall_ns > 2 * NS_PER_SEC)
		return 6;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		return 7;
	return 0;
}

static void test_no_pidfd_fallback(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(no_pidfd_checks());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_no_children();
}
#else
static void test_no_pidfd_fallback(void **state)
{
	(void)state;
	skip();
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_probe),
		cmocka_unit_test(test_counters_run),
		cmocka_unit_test(test_counters_spawn_error),
		cmocka_unit_test(test_no_pidfd_fallback),
	};

	return cmocka_run_group_tests_name("runner counters", tests, group_setup, NULL);
}
