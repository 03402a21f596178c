/*
 * What the runner's unit tests share (test_runner.c, test_runner_counters.c):
 * the helper programs' path, a run of one of them, and checks for children
 * and file descriptors left behind. Included after cmocka.h.
 */
#ifndef PE_TEST_RUNNER_FIXTURE_H
#define PE_TEST_RUNNER_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/process.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#define SPEC_DEFAULT { .stdin_fd = -1, .output = RUN_OUT_NULL, .stdout_fd = -1 }

static inline void helper_path(char *buf, size_t len, const char *name)
{
	const char *build = getenv("PERFENG_BUILD");

	if (!build)
		fail_msg("PERFENG_BUILD is not set (the build directory, as the Makefile sets it)");
	snprintf(buf, len, "%s/tests/helpers/%s", build, name);
}

/* Runs helper NAME with up to two arguments under *spec. */
static inline int run_helper(struct run_spec *spec, struct run_result *res, const char *name,
		      const char *a1, const char *a2)
{
	char path[PATH_MAX];
	char *argv[] = { path, (char *)a1, a1 ? (char *)a2 : NULL, NULL };
	int rc;

	helper_path(path, sizeof(path), name);
	spec->argv = argv;
	rc = runner_run(spec, res);
	spec->argv = NULL;
	return rc;
}

/* Nothing left to reap: no zombie of ours on any path. */
static inline void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static inline int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* An anonymous temporary file: already unlinked, read back with pread. */
static inline int tmpfile_fd(void)
{
	char path[] = "/tmp/pe-test-runner-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static inline size_t file_read(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return (size_t)n;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline int group_setup(void **state)
{
	char path[PATH_MAX];

	(void)state;
	if (!getenv("PERFENG_BUILD")) {
		fprintf(stderr, "# PERFENG_BUILD is not set\n");
		return -1;
	}
	helper_path(path, sizeof(path), "pe-exit");
	if (access(path, X_OK) < 0) {
		fprintf(stderr, "# missing helper %s (make build-tests)\n", path);
		return -1;
	}
	return 0;
}

#endif
