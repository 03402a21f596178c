#include "runner/preload.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/error.h"
#include "util/stop.h"
#include "util/xalloc.h"

char *preload_find(const char *name, const char *env_var)
{
	const char *env = getenv(env_var);
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	if (env && *env) {
		if (access(env, R_OK))
			return pe_error("%s '%s': %s", env_var, env, strerror(errno)), NULL;
		return xstrdup(env);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return pe_error("cannot find perfeng's own binary (/proc/self/exe)"), NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	*slash = '\0';
	path = xmalloc(strlen(self) + strlen(name) + 2);
	sprintf(path, "%s/%s", self, name);
	if (access(path, R_OK)) {
		pe_error("no %s next to perfeng (%s): build it with make, or set %s", name, self, env_var);
		free(path);
		return NULL;
	}
	return path;
}

void preload_env_set(const char *lib, const char *out, int follow, struct preload_saved *saved)
{
	const char *had = getenv("LD_PRELOAD");
	char pid[32];
	size_t n = strlen(lib) + (had ? strlen(had) : 0) + 2;
	char *preload = xmalloc(n);

	saved->ld_preload = had ? xstrdup(had) : NULL;
	snprintf(preload, n, "%s%s%s", lib, had && *had ? ":" : "", had ? had : "");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LD_PRELOAD", preload, 1);
	setenv("PERFENG_TRACE_OUT", out, 1);
	setenv("PERFENG_TRACE_PARENT", pid, 1);
	setenv("PERFENG_TRACE_FOLLOW", follow ? "1" : "0", 1);
	free(preload);
}

void preload_env_restore(struct preload_saved *saved)
{
	if (saved->ld_preload)
		setenv("LD_PRELOAD", saved->ld_preload, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv("PERFENG_TRACE_OUT");
	unsetenv("PERFENG_TRACE_PARENT");
	unsetenv("PERFENG_TRACE_FOLLOW");
	free(saved->ld_preload);
	saved->ld_preload = NULL;
}

int preload_run(const char *lib_name, const char *lib_env, char **argv, int follow, int json,
		struct preload_run *pr)
{
	struct run_spec spec = { .argv = argv, .stdin_fd = STDIN_FILENO, .output = RUN_OUT_INHERIT };
	struct preload_saved saved;
	char *lib = preload_find(lib_name, lib_env);
	int fd, rc;

	memset(pr, 0, sizeof(*pr));
	if (!lib)
		return -1;
	snprintf(pr->events, sizeof(pr->events), "/tmp/perfeng-trace.XXXXXX");
	fd = mkstemp(pr->events);
	if (fd < 0) {
		pr->events[0] = '\0';
		free(lib);
		return pe_error("cannot make a temporary file: %s", strerror(errno));
	}
	close(fd);
	if (json) {
		spec.output = RUN_OUT_FD;
		spec.stdout_fd = STDERR_FILENO;
	}
	pr->started = clock_realtime_us();
	preload_env_set(lib, pr->events, follow, &saved);
	stop_catch();
	rc = runner_run(&spec, &pr->res);
	stop_release();
	preload_env_restore(&saved);
	pr->ended = clock_realtime_us();
	free(lib);
	return rc < 0 ? -1 : 0;
}

void preload_run_done(struct preload_run *pr)
{
	if (pr->events[0])
		unlink(pr->events);
	pr->events[0] = '\0';
}
