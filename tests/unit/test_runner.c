/*
 * Tests of runner/process against the helper programs in tests/helpers
 * (found under $PERFENG_BUILD): exit statuses, signals, spawn errors,
 * timeouts that leave nothing of the group behind, the stderr tail, rusage,
 * output modes and interrupts. The counters and the wait without pidfd_open
 * are in test_runner_counters.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/counters.h"
#include "runner/process.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/stop.h"

#include "runner_fixture.h"

static void test_exit_codes(void **state)
{
	static const char *codes[] = { "0", "1", "3", "42", "127", "255" };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_int_equal(run_helper(&spec, &res, "pe-exit", codes[i], NULL), 0);
		assert_int_equal(res.status, RUN_EXITED);
		assert_int_equal(res.exit_code, atoi(codes[i]));
		assert_int_equal(res.signal, 0);
		assert_true(res.wall_ns > 0);
		assert_int_equal(res.err_len, 0);
		assert_string_equal(res.err_tail, "");
	}
	assert_no_children();
}

static void test_signals(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	assert_int_equal(run_helper(&spec, &res, "pe-kill-self", "9", NULL), 0);
	assert_int_equal(res.status, RUN_SIGNALED);
	assert_int_equal(res.signal, SIGKILL);
	assert_int_equal(run_helper(&spec, &res, "pe-kill-self", "15", NULL), 0);
	assert_int_equal(res.status, RUN_SIGNALED);
	assert_int_equal(res.signal, SIGTERM);
	assert_int_equal(run_helper(&spec, &res, "pe-kill-self", "11", NULL), 0);
	assert_int_equal(res.status, RUN_SIGNALED);
	assert_int_equal(res.signal, SIGSEGV);
	/* SIGCHLD does not kill: the helper goes on and exits 0. */
	assert_int_equal(run_helper(&spec, &res, "pe-kill-self", "17", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_no_children();
}

/* "SigIgn:\t0000000000001000" from /proc/PID/status text. */
static unsigned long long status_mask(const char *status, const char *field)
{
	const char *p = strstr(status, field);

	assert_non_null(p);
	return strtoull(p + strlen(field), NULL, 16);
}

/*
 * perfeng ignoring SIGINT and SIGPIPE, or blocking a signal, must not pass
 * that on to the command: cat shows its own dispositions and mask.
 */
static void test_child_signal_state(void **state)
{
	char *argv[] = { "cat", "/proc/self/status", NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_pipe;
	sigset_t usr1, old_mask;
	char buf[8192];
	int fd = tmpfile_fd();
	unsigned long long ignored;

	(void)state;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old_mask);

	spec.argv = argv;
	spec.output = RUN_OUT_FD;
	spec.stdout_fd = fd;
	assert_int_equal(runner_run(&spec, &res), 0);

	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);

	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	file_read(fd, buf, sizeof(buf));
	close(fd);
	ignored = status_mask(buf, "SigIgn:");
	assert_int_equal(ignored & (1ULL << (SIGINT - 1)), 0);
	assert_int_equal(ignored & (1ULL << (SIGPIPE - 1)), 0);
	assert_int_equal(status_mask(buf, "SigBlk:"), 0);
	assert_no_children();
}

static void test_not_found(void **state)
{
	char *argv[] = { "pe-no-such-command-4711", "x", NULL };
	char *argv_path[] = { "/nonexistent-dir-4711/cmd", NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	int fds = fd_count();

	(void)state;
	spec.argv = argv;
	assert_int_equal(runner_run(&spec, &res), -ENOENT);
	assert_string_equal(pe_errmsg(), "command not found: 'pe-no-such-command-4711'");
	spec.argv = argv_path;
	spec.output = RUN_OUT_PIPE;
	assert_int_equal(runner_run(&spec, &res), -ENOENT);
	assert_string_equal(pe_errmsg(), "command not found: '/nonexistent-dir-4711/cmd'");
	assert_int_equal(fd_count(), fds);
	assert_no_children();
}

static void test_not_executable(void **state)
{
	char path[] = "/tmp/pe-test-runner-noexec-XXXXXX";
	char *argv[] = { path, NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	char want[PATH_MAX + 64];
	int fds = fd_count();
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);

	spec.argv = argv;
	assert_int_equal(runner_run(&spec, &res), -EACCES);
	snprintf(want, sizeof(want), "cannot execute '%s': permission denied", path);
	assert_string_equal(pe_errmsg(), want);
	unlink(path);
	assert_int_equal(fd_count(), fds);
	assert_no_children();
}

/* A bare name found in PATH but not executable: also permission denied. */
static void test_not_executable_in_path(void **state)
{
	char dir[] = "/tmp/pe-test-runner-path-XXXXXX";
	char file[PATH_MAX], newpath[8192];
	char *argv[] = { "pe-noexec-4711", NULL };
	const char *oldpath = getenv("PATH");
	char *saved = oldpath ? strdup(oldpath) : NULL;
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	int fd, rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/pe-noexec-4711", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	snprintf(newpath, sizeof(newpath), "/nonexistent-dir-4711:%s:%s", dir, saved ? saved : "/usr/bin");
	setenv("PATH", newpath, 1);

	spec.argv = argv;
	rc = runner_run(&spec, &res);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
	unlink(file);
	rmdir(dir);
	assert_int_equal(rc, -EACCES);
	assert_string_equal(pe_errmsg(), "cannot execute 'pe-noexec-4711': permission denied");
	assert_no_children();
}

/*
 * execvp says EACCES for a missing command when a PATH directory cannot be
 * searched; that is still "command not found". In a child that is not root,
 * for whom the directory's mode counts.
 */
static void test_path_unsearchable_dir(void **state)
{
	char dir[] = "/tmp/pe-test-runner-path-XXXXXX";
	char newpath[8192];
	char *argv[] = { "pe-no-such-command-4711", NULL };
	const char *oldpath = getenv("PATH");
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0), 0);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir, oldpath ? oldpath : "/usr/bin");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct run_spec spec = SPEC_DEFAULT;
		struct run_result res;

		if (geteuid() == 0 && (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(1);
		setenv("PATH", newpath, 1);
		spec.argv = argv;
		if (runner_run(&spec, &res) != -ENOENT)
			_exit(2);
		if (strcmp(pe_errmsg(), "command not found: 'pe-no-such-command-4711'"))
			_exit(3);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(dir);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_no_children();
}

static void test_bad_spec(void **state)
{
	char *empty[] = { NULL };
	char *argv[] = { "true", NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	assert_int_equal(runner_run(&spec, &res), -EINVAL);
	spec.argv = empty;
	assert_int_equal(runner_run(&spec, &res), -EINVAL);
	spec.argv = argv;
	spec.output = RUN_OUT_FD;
	assert_int_equal(runner_run(&spec, &res), -EBADF);
	assert_non_null(strstr(pe_errmsg(), "'true'"));
	assert_no_children();
}

/*
 * The helper's child sleeps 60 s in the group: after the timeout neither it
 * nor the leader may exist, not even as a zombie, and nothing is ours to reap.
 */
static void test_timeout_kills_group(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	char buf[128];
	int leader = 0, child = 0;
	int fd = tmpfile_fd();

	(void)state;
	spec.output = RUN_OUT_FD;
	spec.stdout_fd = fd;
	spec.timeout_ns = 200 * NS_PER_MS;
	assert_int_equal(run_helper(&spec, &res, "pe-fork-linger", "5000", NULL), 0);
	assert_int_equal(res.status, RUN_TIMED_OUT);
	assert_true(res.wall_ns >= 200 * NS_PER_MS);
	assert_true(res.wall_ns < 3 * NS_PER_SEC);

	file_read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(sscanf(buf, "%d %d", &leader, &child), 2);
	assert_true(leader > 1 && child > 1);
	errno = 0;
	assert_int_equal(kill(-leader, 0), -1);
	assert_int_equal(errno, ESRCH);
	errno = 0;
	assert_int_equal(kill(child, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_no_children();
}

static void test_timeout_simple(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	spec.timeout_ns = 100 * NS_PER_MS;
	spec.output = RUN_OUT_PIPE;
	assert_int_equal(run_helper(&spec, &res, "pe-sleep", "5000", NULL), 0);
	assert_int_equal(res.status, RUN_TIMED_OUT);
	assert_true(res.wall_ns >= 100 * NS_PER_MS);
	assert_true(res.wall_ns < 3 * NS_PER_SEC);

	spec.timeout_ns = 10 * NS_PER_SEC;
	assert_int_equal(run_helper(&spec, &res, "pe-exit", "3", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 3);
	assert_no_children();
}

/*
 * A grandchild that keeps the stderr pipe open must not hold the run until
 * it exits: the run ends with its leader.
 */
static void test_lingering_pipe_holder(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	char buf[128];
	int leader = 0, child = 0;
	int fd = tmpfile_fd();

	(void)state;
	/* Become the orphan's parent so that the test can reap what it leaves. */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	spec.output = RUN_OUT_FD;
	spec.stdout_fd = fd;
	assert_int_equal(run_helper(&spec, &res, "pe-fork-linger", "20", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.wall_ns < 10 * NS_PER_SEC);

	file_read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(sscanf(buf, "%d %d", &leader, &child), 2);
	assert_int_equal(kill(child, 0), 0);	/* a normal exit kills nothing */
	assert_int_equal(kill(-leader, SIGKILL), 0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
	assert_no_children();
}

static void test_stderr_tail(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	assert_int_equal(run_helper(&spec, &res, "pe-stderr", "boom", "3"), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.err_len, 4);
	assert_string_equal(res.err_tail, "boom");

	/* Inherited stderr is not captured. */
	spec.output = RUN_OUT_INHERIT;
	assert_int_equal(run_helper(&spec, &res, "pe-stderr", "", "0"), 0);
	assert_int_equal(res.err_len, 0);
	assert_no_children();
}

/* Longer than a pipe's buffer, and a period (61) prime to 4096. */
static void test_stderr_tail_long(void **state)
{
	static const size_t lens[] = { 4095, 4096, 4097, 10000, 100000 };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	char *text = malloc(100001);

	(void)state;
	for (size_t i = 0; i < 100000; i++)
		text[i] = (char)('A' + i % 61);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t len = lens[k], want = len < RUN_ERR_TAIL ? len : RUN_ERR_TAIL;

		text[len] = '\0';
		assert_int_equal(run_helper(&spec, &res, "pe-stderr", text, "0"), 0);
		assert_int_equal(res.status, RUN_EXITED);
		assert_int_equal(res.exit_code, 0);
		assert_int_equal(res.err_len, want);
		assert_memory_equal(res.err_tail, text + len - want, want);
		assert_int_equal(res.err_tail[want], '\0');
		text[len] = (char)('A' + len % 61);
	}
	free(text);
	assert_no_children();
}

/* This process's resident set now, in KiB, from /proc/self/statm. */
static long self_rss_kb(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
	fclose(f);
	return (long)(resident * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * The max RSS is the command's own, not this process's peak: vfork+exec
 * folds our memory into the child's maximum, so after we once held 128 MiB
 * a 64 MiB command would read 128 MiB, or nothing, unless the runner resets
 * our peak first. A tiny command is told as a bound, our resident set at
 * the spawn (large under ASan), never as our old peak; pe-alloc's own
 * baseline is about 1 MiB.
 */
static void test_rusage_own_peak(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	size_t len = (size_t)128 << 20;
	long self;
	char *p;

	(void)state;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 1, len);
	munmap(p, len);

	assert_int_equal(run_helper(&spec, &res, "pe-alloc", "0", NULL), 0);
	self = self_rss_kb();
	if (res.maxrss_kb >= 0) {	/* smaller than pe-alloc: its own figure */
		assert_true(res.maxrss_kb < 8 * 1024);
	} else {
		assert_true(res.maxrss_at_most_kb > self - 2048);
		assert_true(res.maxrss_at_most_kb < self + 2048);
	}

	assert_int_equal(run_helper(&spec, &res, "pe-alloc", "64", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	if (self + 2048 < 64 * 1024) {
		assert_true(res.maxrss_kb >= 64 * 1024);
		assert_true(res.maxrss_kb < 64 * 1024 + 8 * 1024);
	}
}

static void test_rusage(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	assert_int_equal(run_helper(&spec, &res, "pe-alloc", "64", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.maxrss_kb >= 64 * 1024);
	assert_true(res.minflt >= 16000);

	assert_int_equal(res.maxrss_at_most_kb, res.maxrss_kb);

	assert_int_equal(run_helper(&spec, &res, "pe-spin", "200", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	/* CPU time, not wall: a busy machine slows it, never shortens it. The
	 * kernel may charge a tick of the spin to system time, so the sum. */
	assert_true(res.user_ns + res.sys_ns >= 150 * NS_PER_MS);
	assert_true(res.wall_ns >= res.user_ns / 2);

	assert_int_equal(run_helper(&spec, &res, "pe-sleep", "100", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_true(res.wall_ns >= 100 * NS_PER_MS);
	assert_true(res.nvcsw >= 1);
	assert_no_children();
}

static void test_output_modes(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	size_t n = 100003;
	char *buf = malloc(n + 2);
	int fd = tmpfile_fd();

	(void)state;
	/* 1 MiB into a pipe: drained while it runs, so no deadlock. */
	spec.output = RUN_OUT_PIPE;
	assert_int_equal(run_helper(&spec, &res, "pe-stdout", "1048576", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);

	spec.output = RUN_OUT_NULL;
	assert_int_equal(run_helper(&spec, &res, "pe-stdout", "1048576", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);

	spec.output = RUN_OUT_FD;
	spec.stdout_fd = fd;
	assert_int_equal(run_helper(&spec, &res, "pe-stdout", "100003", NULL), 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(file_read(fd, buf, n + 2), n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] != (char)('a' + i % 26))
			fail_msg("byte %zu is %d", i, buf[i]);
	close(fd);
	free(buf);
	assert_no_children();
}

static void test_stdin(void **state)
{
	char *argv[] = { "cat", NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	char buf[64];
	int in = tmpfile_fd(), out = tmpfile_fd();

	(void)state;
	assert_int_equal(write(in, "hello stdin\n", 12), 12);
	assert_int_equal(lseek(in, 0, SEEK_SET), 0);
	spec.argv = argv;
	spec.stdin_fd = in;
	spec.output = RUN_OUT_FD;
	spec.stdout_fd = out;
	assert_int_equal(runner_run(&spec, &res), 0);
	assert_int_equal(res.exit_code, 0);
	file_read(out, buf, sizeof(buf));
	assert_string_equal(buf, "hello stdin\n");

	/* Default stdin is /dev/null: cat reads EOF at once. */
	assert_int_equal(ftruncate(out, 0), 0);
	spec.stdin_fd = -1;
	assert_int_equal(runner_run(&spec, &res), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(file_read(out, buf, sizeof(buf)), 0);
	close(in);
	close(out);
	assert_no_children();
}

/* perfeng started with stdin and stderr closed: its pipes land on 0 and 2. */
static void test_closed_std_fds(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res, res2;
	int save0 = dup(0), save2 = dup(2);
	int rc;

	char *missing[] = { "pe-no-such-command-4711", NULL };
	int rc_missing;

	(void)state;
	assert_true(save0 >= 0 && save2 >= 0);
	close(0);
	close(2);
	rc = run_helper(&spec, &res, "pe-stderr", "boom", "5");
	spec.argv = missing;
	rc_missing = runner_run(&spec, &res2);
	dup2(save0, 0);
	dup2(save2, 2);
	close(save0);
	close(save2);
	assert_int_equal(rc, 0);
	assert_int_equal(res.status, RUN_EXITED);
	assert_int_equal(res.exit_code, 5);
	assert_string_equal(res.err_tail, "boom");
	assert_int_equal(rc_missing, -ENOENT);
	assert_no_children();
}

static void *interrupt_later(void *arg)
{
	int own_thread = *(int *)arg;
	sigset_t all;

	/* Unless asked, let the main thread take it, as a terminal's ^C would. */
	if (!own_thread) {
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, NULL);
	}
	sleep_ms(100);
	if (own_thread)
		pthread_kill(pthread_self(), SIGINT);
	else
		kill(getpid(), SIGINT);
	return NULL;
}

static void interrupt_run(int own_thread)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	pthread_t t;

	stop_signal = 0;
	stop_catch();
	assert_int_equal(pthread_create(&t, NULL, interrupt_later, &own_thread), 0);
	assert_int_equal(run_helper(&spec, &res, "pe-sleep", "5000", NULL), 0);
	pthread_join(t, NULL);
	assert_int_equal(res.status, RUN_INTERRUPTED);
	assert_int_equal(stop_signal, SIGINT);
	assert_true(res.wall_ns >= 90 * NS_PER_MS);
	assert_true(res.wall_ns < 2 * NS_PER_SEC);
	stop_signal = 0;
	stop_release();
	assert_no_children();
}

static void test_interrupt(void **state)
{
	(void)state;
	interrupt_run(0);
}

/* The handler ran on another thread: the wait still notices the flag. */
static void test_interrupt_other_thread(void **state)
{
	(void)state;
	interrupt_run(1);
}

static void test_interrupt_already_set(void **state)
{
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;

	(void)state;
	stop_signal = SIGTERM;
	assert_int_equal(run_helper(&spec, &res, "pe-sleep", "5000", NULL), 0);
	stop_signal = 0;
	assert_int_equal(res.status, RUN_INTERRUPTED);
	assert_true(res.wall_ns < 2 * NS_PER_SEC);
	assert_no_children();
}

static void test_fds_closed(void **state)
{
	char *missing[] = { "pe-no-such-command-4711", NULL };
	struct run_spec spec = SPEC_DEFAULT;
	struct run_result res;
	struct counters c;
	int fds = fd_count();

	(void)state;
	counters_probe(&c);
	for (int mode = RUN_OUT_NULL; mode <= RUN_OUT_INHERIT; mode++) {
		spec.output = (enum run_output)mode;
		spec.counters = mode == RUN_OUT_PIPE ? &c : NULL;
		assert_int_equal(run_helper(&spec, &res, "pe-exit", "0", NULL), 0);
		spec.timeout_ns = 50 * NS_PER_MS;
		assert_int_equal(run_helper(&spec, &res, "pe-sleep", "2000", NULL), 0);
		assert_int_equal(res.status, RUN_TIMED_OUT);
		spec.timeout_ns = 0;
		spec.argv = missing;
		assert_int_equal(runner_run(&spec, &res), -ENOENT);
	}
	counters_close(&c);
	assert_int_equal(fd_count(), fds);
	assert_no_children();
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_child_signal_state),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_not_executable_in_path),
		cmocka_unit_test(test_path_unsearchable_dir),
		cmocka_unit_test(test_bad_spec),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_timeout_simple),
		cmocka_unit_test(test_lingering_pipe_holder),
		cmocka_unit_test(test_stderr_tail),
		cmocka_unit_test(test_stderr_tail_long),
		cmocka_unit_test(test_rusage),
		cmocka_unit_test(test_rusage_own_peak),
		cmocka_unit_test(test_output_modes),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_closed_std_fds),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_interrupt_other_thread),
		cmocka_unit_test(test_interrupt_already_set),
		cmocka_unit_test(test_fds_closed),
	};

	return cmocka_run_group_tests_name("runner", tests, group_setup, NULL);
}
