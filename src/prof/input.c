/*
 * Whole-file input for the profile readers (see input.h). A regular file is
 * mapped; a pipe (or a file that cannot be mapped) is read into a buffer
 * that grows by doubling.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prof/input.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static int slurp(int fd, const char *name, char **out, size_t *len)
{
	struct stat sb;
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		cap = (size_t)sb.st_size + 1;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return pe_error("cannot read '%s': %s", name, strerror(errno));
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

int profile_read_buf(struct profile *p, const char *buf, size_t len, const char *name,
		     const struct profile_input_opts *o, struct prof_read_stats *st,
		     enum profile_input_format *fmt_out)
{
	static const struct profile_input_opts defaults = { 0 };
	enum profile_input_format fmt;

	if (!o)
		o = &defaults;
	fmt = o->format;
	if (fmt == PROFILE_IN_AUTO)
		fmt = perfscript_detect(buf, len) ? PROFILE_IN_PERFSCRIPT : PROFILE_IN_FOLDED;
	if (fmt_out)
		*fmt_out = fmt;
	if (fmt == PROFILE_IN_PERFSCRIPT) {
		if (perfscript_read(p, buf, len, &o->perf, st) < 0)
			return pe_error("'%s', %s", name, pe_errmsg());
		if (!st->stacks)
			return pe_error("'%s': no stacks in this perf script text%s", name,
					st->filtered ? " for the event chosen" :
					"; was it recorded with -g (call graphs)?");
		return 0;
	}
	if (folded_read(p, buf, len, o->skip_bad, st) < 0)
		return pe_error("'%s', %s", name, pe_errmsg());
	if (!st->stacks)
		return pe_error("'%s': no stacks (expected folded stacks 'a;b;c 42' or perf script text)",
				name);
	return 0;
}

int profile_read_file(struct profile *p, const char *path, const struct profile_input_opts *o,
		      struct prof_read_stats *st, enum profile_input_format *fmt_out)
{
	int is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0;
	struct stat sb;
	int rc;

	if (fd < 0)
		return pe_error("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		/* A file is mapped, not copied: the readers only read, front to back. */
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);

		if (m != MAP_FAILED) {
			if (!is_stdin)
				close(fd);
			madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
			rc = profile_read_buf(p, m, (size_t)sb.st_size, name, o, st, fmt_out);
			munmap(m, (size_t)sb.st_size);
			return rc;
		}
	}
	rc = slurp(fd, name, &buf, &len);
	if (!is_stdin)
		close(fd);
	if (rc < 0)
		return rc;
	rc = profile_read_buf(p, buf, len, name, o, st, fmt_out);
	free(buf);
	return rc;
}

void profile_input_notes(const struct profile *p, const struct prof_read_stats *st,
			 const char *name, struct strbuf *sb)
{
	if (st->skipped)
		strbuf_addf(sb, "'%s': %llu line%s not understood and skipped (the first is line %llu)\n",
			    name, (unsigned long long)st->skipped, st->skipped == 1 ? "" : "s",
			    (unsigned long long)st->first_bad_line);
	if (st->truncated)
		strbuf_addf(sb, "'%s': %llu stack%s deeper than %d frames, cut\n", name,
			    (unsigned long long)st->truncated, st->truncated == 1 ? "" : "s",
			    PROFILE_MAX_DEPTH);
	if (st->cut_off)
		strbuf_addf(sb, "'%s': the last sample is cut off (no blank line after it) and left out: "
			    "the input ends inside a line\n", name);
	if (st->filtered)
		strbuf_addf(sb, "'%s': kept the samples of '%s'; %llu sample%s of other events "
			    "(such as '%s') left out; choose one with --event\n", name,
			    p->event ? p->event : "?", (unsigned long long)st->filtered,
			    st->filtered == 1 ? "" : "s", st->other_event ? st->other_event : "?");
}
