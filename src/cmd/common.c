#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "runner/process.h"
#include "store/store.h"
#include "store/totals_save.h"
#include "util/options.h"

/* -1: decide by the terminal and NO_COLOR; else what cmd_color_set said. */
static int color_forced = -1;

void cmd_color_set(int on)
{
	color_forced = on;
}

int cmd_color_fd(int fd)
{
	const char *nc = getenv("NO_COLOR");

	if (color_forced >= 0)
		return color_forced;
	return isatty(fd) && !(nc && *nc);
}

int cmd_color_stderr(void)
{
	return cmd_color_fd(STDERR_FILENO);
}

void cmd_usage_env(FILE *f, unsigned which)
{
	static const struct {
		unsigned flag;
		const char *name, *help;
	} vars[] = {
		{ 0, "NO_COLOR", "set and not empty: no colour in errors, warnings and tables" },
		{ CMD_ENV_STORE, "PERFENG_STORE", "the results store when --store is not given" },
		{ CMD_ENV_STORE, "XDG_DATA_HOME", "without either, the store is $XDG_DATA_HOME/perfeng/results.db "
						  "(default ~/.local/share)" },
		{ CMD_ENV_JIT, "PERFENG_JIT_DIR", "directory of the perf-PID.map files of JIT code (default /tmp)" },
		{ CMD_ENV_NVML, "PERFENG_NVML_LIB", "the NVML library to load for GPUs (default libnvidia-ml.so.1)" },
		{ CMD_ENV_HEAP, "PERFENG_HEAP_LIB", "the heap interposer to preload (default libperfeng-heap.so beside perfeng)" },
		{ CMD_ENV_LOCKS, "PERFENG_LOCKS_LIB", "the lock interposer to preload (default libperfeng-locks.so beside perfeng)" },
	};

	if (options_help_json())
		return;
	fputs("\nEnvironment:\n", f);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!vars[i].flag || (which & vars[i].flag))
			fprintf(f, "    %-22s %s\n", vars[i].name, vars[i].help);
}

int cmd_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(cmd_color_stderr() ? "perfeng: \033[1;31merror:\033[0m " : "perfeng: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cmd_say_saved(const struct store *st, long long id, const char *name)
{
	fprintf(stderr, "perfeng: saved as run %lld (%s) in %s\n", id, name, store_location(st));
}

void cmd_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(cmd_color_stderr() ? "perfeng: \033[1;33mwarning:\033[0m " : "perfeng: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cmd_warn_traced(const struct run_result *res, size_t images_without_maps, unsigned long long lost)
{
	if (res->status == RUN_SIGNALED && res->signal == SIGKILL)
		cmd_warn("the command was killed by SIGKILL, which cannot be caught: what its threads had not "
			 "written yet (up to 256 KiB of events each) is missing from the figures");
	else if (res->status != RUN_EXITED || res->exit_code)
		cmd_warn("the command %s: the figures are what it did until then",
			 res->status == RUN_EXITED ? "exited non-zero" : "did not exit normally");
	if (images_without_maps)
		cmd_warn("%zu process image%s ended without writing its memory map (killed by a signal?): "
			 "their frames are addresses", images_without_maps, images_without_maps == 1 ? "" : "s");
	if (lost)
		cmd_warn("%llu events were lost (the interposer could not write them): the figures are short", lost);
}

int cmd_save_totals(const char *spec, const struct totals_save *in)
{
	struct store *st;
	int64_t id;
	int rc;

	if (store_open(spec, &st) < 0)
		return -1;
	rc = totals_save(st, in, &id);
	if (!rc)
		cmd_say_saved(st, (long long)id, in->name);
	store_close(st);
	return rc;
}
