/*
 * The environment a measurement ran in, recorded next to every result so that
 * two results can be told apart: CPU model, cores, frequency governor,
 * kernel, load average, perfeng version, and the git state of the working
 * directory.
 */
#ifndef PE_ENV_H
#define PE_ENV_H

#include <stdint.h>

struct env_info {
	char cpu_model[128];	/* "n/a" when /proc/cpuinfo has none */
	int cores;		/* online CPUs */
	char governor[32];	/* cpufreq governor of cpu0, "n/a" without cpufreq */
	char kernel[128];	/* uname -sr */
	char hostname[64];
	double loadavg_before[3];
	double loadavg_after[3];
	char git_commit[72];	/* SHA-1 or SHA-256; "" when the directory is no git work tree */
	char git_branch[128];
	int git_dirty;		/* -1 unknown */
};

/*
 * Fills everything but loadavg_after; the git state only with with_git (it
 * costs a git process, a millisecond or more). Never fails: missing facts
 * read "n/a".
 */
void env_collect(struct env_info *e, int with_git);

/* Reads /proc/loadavg into la[3]; returns 0 or -1. */
int env_loadavg(double la[3]);

struct strbuf;
struct store_run;

/*
 * Starts a run to save, as every measuring command records it: kind, name,
 * start and end (Unix microseconds), perfeng's version and command line,
 * and the host and git facts collected now (env_collect with git, the load
 * average at the end). Strings are copied into the run.
 */
void env_fill_run(struct store_run *run, const char *kind, const char *name, int64_t started,
		  int64_t ended, const char *version, const char *command_line);

/*
 * Runs `git --no-optional-locks ARGS` in the current directory (stdin and
 * stderr on /dev/null) and collects its standard output into out. Returns
 * git's exit status, or -1 when it could not run or was killed.
 */
int env_git(const char *const args[], struct strbuf *out);

/* Parsers of the files, split out so they can be tested and fuzzed on text. */
int env_parse_cpuinfo_model(const char *text, char *out, unsigned n);
int env_parse_loadavg(const char *text, double la[3]);

#endif
