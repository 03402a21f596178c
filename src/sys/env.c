#include "sys/env.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* /proc/cpuinfo of a large machine is a few hundred KiB; more is not cpuinfo. */
#define ENV_MAX_FILE (4u << 20)

/*
 * Keys that name the CPU, best first: x86 ("model name"), 32-bit ARM and some
 * arm64 kernels ("Hardware", "Processor"), MIPS ("cpu model"), POWER ("cpu"),
 * RISC-V ("uarch"). Matching is exact and case-sensitive, so x86's
 * "processor : 0" and "cpu MHz" do not match.
 */
static const char *const env__model_keys[] = {
	"model name", "Hardware", "cpu model", "Processor", "cpu", "uarch",
};

static int env__isblank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Finds "key : value" on a line of text (a line ends at '\n' or the NUL) and
 * copies the value, with runs of blanks squeezed to one space, into out[n]
 * (n > 0). Returns 0, or -1 when no line has the key with a non-empty value.
 */
static int env__find_value(const char *text, const char *key, char *out, unsigned n)
{
	size_t keylen = strlen(key);
	const char *line = text;

	while (*line) {
		const char *eol = strchrnul(line, '\n');
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		const char *k_end, *v, *v_end;
		unsigned len = 0;

		if (!colon)
			goto next;
		k_end = colon;
		while (k_end > line && env__isblank((unsigned char)k_end[-1]))
			k_end--;
		if ((size_t)(k_end - line) != keylen || memcmp(line, key, keylen))
			goto next;
		v = colon + 1;
		v_end = eol;
		while (v < v_end && env__isblank((unsigned char)*v))
			v++;
		while (v_end > v && env__isblank((unsigned char)v_end[-1]))
			v_end--;
		if (v == v_end)
			goto next;
		for (; v < v_end && len + 1 < n; v++) {
			unsigned char c = (unsigned char)*v;

			if (env__isblank(c)) {
				if (out[len - 1] == ' ')	/* len > 0: v starts non-blank */
					continue;
				c = ' ';
			} else if (c < 0x20 || c == 0x7f) {
				c = '?';
			}
			out[len++] = (char)c;
		}
		out[len] = '\0';
		return 0;
next:
		if (!*eol)
			break;
		line = eol + 1;
	}
	return -1;
}

int env_parse_cpuinfo_model(const char *text, char *out, unsigned n)
{
	if (!n)
		return pe_error("no room for the cpu model");
	for (size_t i = 0; i < ARRAY_SIZE(env__model_keys); i++)
		if (!env__find_value(text, env__model_keys[i], out, n))
			return 0;
	out[0] = '\0';
	return pe_error("cpuinfo names no cpu model (no 'model name' line)");
}

/*
 * Parses one non-negative decimal "12.34" at *pp and advances *pp past it.
 * Written out instead of strtod(), which follows LC_NUMERIC and accepts hex,
 * "inf" and "nan" that /proc/loadavg never holds.
 */
static int env__parse_decimal(const char **pp, double *out)
{
	const char *p = *pp;
	double v = 0, scale = 1;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			scale /= 10;
			v += (*p++ - '0') * scale;
		}
	}
	if (!isfinite(v))
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

int env_parse_loadavg(const char *text, double la[3])
{
	const char *p = text;
	double v[3];

	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != ' ' && *p != '\t')
				goto bad;
			while (*p == ' ' || *p == '\t')
				p++;
		}
		if (env__parse_decimal(&p, &v[i]) < 0)
			goto bad;
	}
	/* The rest ("1/123 4567") is not ours, but the third field must end. */
	if (*p && *p != ' ' && *p != '\t' && *p != '\n')
		goto bad;
	memcpy(la, v, sizeof(v));
	return 0;
bad:
	return pe_error("loadavg: cannot parse '%.*s'", (int)strcspn(text, "\n") < 40 ?
			(int)strcspn(text, "\n") : 40, text);
}

/*
 * Reads all of path (up to ENV_MAX_FILE) into sb, which the caller releases.
 * /proc files report size 0, so this reads until end of file.
 */
static int env__read_file(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return pe_error("cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		ssize_t r;

		strbuf_grow(sb, 4096);
		r = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return pe_error("cannot read '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		sb->len += (size_t)r;
		sb->buf[sb->len] = '\0';
		if (sb->len >= ENV_MAX_FILE)
			break;
	}
	close(fd);
	return 0;
}

int env_loadavg(double la[3])
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	rc = env__read_file("/proc/loadavg", &sb);
	if (!rc)
		rc = env_parse_loadavg(strbuf_str(&sb), la);
	strbuf_release(&sb);
	return rc;
}

/* Copies src into dst[n], cut short if need be (these are labels). */
static void env__copy(char *dst, size_t n, const char *src)
{
	if (snprintf(dst, n, "%s", src) < 0)
		dst[0] = '\0';
}

static void env__chomp(char *s)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == '\n' || env__isblank((unsigned char)s[len - 1])))
		s[--len] = '\0';
}

int env_git(const char *const args[], struct strbuf *out)
{
	char *argv[16];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int fds[2], rc, status, argc = 0;
	pid_t pid;

	strbuf_reset(out);
	argv[argc++] = (char *)"git";
	/* Never take index.lock in a repository someone is working in. */
	argv[argc++] = (char *)"--no-optional-locks";
	for (int i = 0; args[i] && argc < (int)ARRAY_SIZE(argv) - 1; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	/* dup2 first: a pipe end may itself be fd 0 or 2 when those were closed. */
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	/* Whatever perfeng blocks or ignores (SIGPIPE for sockets), git must not. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, "git", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return -1;
	}
	for (;;) {
		char buf[4096];
		ssize_t r = read(fds[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		strbuf_add(out, buf, (size_t)r);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int env__is_commit(const char *s)
{
	size_t len = strspn(s, "0123456789abcdef");

	return !s[len] && (len == 40 || len == 64);
}

/*
 * One git process for commit, branch and dirty flag: `status --porcelain=v2
 * --branch` prints "# branch.oid <commit>" ("(initial)" before the first
 * commit), "# branch.head <name>" ("(detached)"), then a line per changed
 * tracked file. Spawning git costs a millisecond or more; three of them
 * were most of a short benchmark's fixed cost.
 */
static void env__git_state(struct env_info *e)
{
	static const char *const args[] = {
		"status", "--porcelain=v2", "--branch", "--untracked-files=no", NULL
	};
	struct strbuf out = STRBUF_INIT;
	char *line, *nl;

	e->git_commit[0] = '\0';
	e->git_branch[0] = '\0';
	e->git_dirty = -1;

	/* status fails outside a work tree (and without git): nothing to record. */
	if (env_git(args, &out) != 0) {
		strbuf_release(&out);
		return;
	}
	e->git_dirty = 0;
	for (line = out.buf; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "# branch.oid ", 13)) {
			if (env__is_commit(line + 13))
				env__copy(e->git_commit, sizeof(e->git_commit), line + 13);
		} else if (!strncmp(line, "# branch.head ", 14)) {
			if (strcmp(line + 14, "(detached)"))
				env__copy(e->git_branch, sizeof(e->git_branch), line + 14);
		} else if (line[0] != '#') {
			e->git_dirty = 1;
		}
	}
	strbuf_release(&out);
}

void env_collect(struct env_info *e, int with_git)
{
	struct strbuf sb = STRBUF_INIT;
	struct utsname u;
	char saved_err[1024];
	long ncpu;

	/* A fact that is missing is no error: keep the caller's last message. */
	env__copy(saved_err, sizeof(saved_err), pe_errmsg());
	memset(e, 0, sizeof(*e));

	if (env__read_file("/proc/cpuinfo", &sb) < 0 ||
	    env_parse_cpuinfo_model(strbuf_str(&sb), e->cpu_model, sizeof(e->cpu_model)) < 0)
		env__copy(e->cpu_model, sizeof(e->cpu_model), "n/a");
	strbuf_reset(&sb);

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	e->cores = ncpu > 0 ? (int)ncpu : 0;

	if (env__read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", &sb) == 0) {
		env__copy(e->governor, sizeof(e->governor), strbuf_str(&sb));
		env__chomp(e->governor);
	}
	if (!e->governor[0])
		env__copy(e->governor, sizeof(e->governor), "n/a");
	strbuf_release(&sb);

	/* "Linux 6.1.0-13-amd64"; a longer one is cut short, which is fine. */
	if (uname(&u) < 0 ||
	    snprintf(e->kernel, sizeof(e->kernel), "%s %s", u.sysname, u.release) < 0)
		env__copy(e->kernel, sizeof(e->kernel), "n/a");

	/* gethostname() need not terminate a truncated name. */
	if (gethostname(e->hostname, sizeof(e->hostname) - 1) < 0 || !e->hostname[0])
		env__copy(e->hostname, sizeof(e->hostname), "n/a");
	e->hostname[sizeof(e->hostname) - 1] = '\0';

	if (env_loadavg(e->loadavg_before) < 0)
		memset(e->loadavg_before, 0, sizeof(e->loadavg_before));

	e->git_dirty = -1;
	if (with_git)
		env__git_state(e);
	pe_error("%s", saved_err);
}

void env_fill_run(struct store_run *run, const char *kind, const char *name, int64_t started,
		  int64_t ended, const char *version, const char *command_line)
{
	struct env_info e;

	env_collect(&e, 1);
	env_loadavg(e.loadavg_after);
	run->kind = xstrdup(kind);
	run->name = xstrdup(name);
	run->started = started;
	run->ended = ended;
	run->version = xstrdup(version);
	run->command_line = xstrdup(command_line);
	run->hostname = xstrdup(e.hostname);
	run->cpu_model = xstrdup(e.cpu_model);
	run->governor = xstrdup(e.governor);
	run->kernel = xstrdup(e.kernel);
	run->cores = e.cores;
	run->loadavg_before = e.loadavg_before[0];
	run->loadavg_after = e.loadavg_after[0];
	run->git_commit = xstrdup(e.git_commit);
	run->git_branch = xstrdup(e.git_branch);
	run->git_dirty = e.git_dirty;
}
