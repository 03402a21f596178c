/*
 * Profiles in the results store (see persist.h). The blob is ours:
 * "PEPROF1\n", the uncompressed length (8 bytes, little endian), then zlib
 * data of a header line "unit<TAB>event<TAB>period_ns<TAB>samples<TAB>lost"
 * followed by the folded stacks.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "prof/folded.h"
#include "prof/persist.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define MAGIC "PEPROF1\n"
#define MAX_RAW ((size_t)1 << 31)	/* 2 GiB of folded text: more is not a blob we wrote */

int profile_blob_encode(const struct profile *p, void **out, size_t *len)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	uLongf zlen;
	unsigned char *blob;
	int rc;

	if (!f)
		return pe_error("cannot encode the profile: %s", strerror(errno));
	fprintf(f, "%s\t%s\t%llu\t%llu\t%llu\n", p->unit ? p->unit : "samples",
		p->event ? p->event : "", (unsigned long long)p->period_ns,
		(unsigned long long)p->samples, (unsigned long long)p->lost);
	rc = folded_write(f, p);
	if (fclose(f) || rc < 0) {
		free(text);
		return pe_error("cannot encode the profile");
	}
	zlen = compressBound(tlen);
	blob = xmalloc(16 + zlen);
	memcpy(blob, MAGIC, 8);
	for (int i = 0; i < 8; i++)
		blob[8 + i] = (unsigned char)((uint64_t)tlen >> (8 * i));
	if (compress2(blob + 16, &zlen, (const Bytef *)text, tlen, 6) != Z_OK) {
		free(text);
		free(blob);
		return pe_error("cannot compress the profile");
	}
	free(text);
	*out = blob;
	*len = 16 + zlen;
	return 0;
}

/* The unit as one of the static strings profile.h promises. */
static const char *unit_static(const char *u, size_t n)
{
	if (n == 11 && !memcmp(u, "nanoseconds", 11))
		return "nanoseconds";
	if (n == 6 && !memcmp(u, "events", 6))
		return "events";
	return "samples";
}

int profile_blob_decode(struct profile *p, const void *blob, size_t len)
{
	const unsigned char *b = blob;
	uint64_t raw = 0;
	uLongf rlen;
	char *text, *nl, *field[5];
	struct prof_read_stats st = { 0 };
	int rc;

	if (len < 16 || memcmp(b, MAGIC, 8))
		return pe_error("not a perfeng profile blob");
	for (int i = 0; i < 8; i++)
		raw |= (uint64_t)b[8 + i] << (8 * i);
	if (raw > MAX_RAW || !raw)
		return pe_error("damaged profile blob (length %llu)", (unsigned long long)raw);
	rlen = (uLongf)raw;
	text = xmalloc(raw + 1);
	if (uncompress((Bytef *)text, &rlen, b + 16, len - 16) != Z_OK || rlen != raw) {
		free(text);
		return pe_error("damaged profile blob (cannot decompress it)");
	}
	text[raw] = '\0';
	nl = memchr(text, '\n', raw);
	field[0] = text;
	for (int i = 1; i < 5; i++) {
		field[i] = field[i - 1] ? memchr(field[i - 1], '\t', nl ? (size_t)(nl - field[i - 1]) : 0) : NULL;
		if (field[i])
			*field[i]++ = '\0';
	}
	if (!nl || !field[4]) {
		free(text);
		return pe_error("damaged profile blob (no header)");
	}
	*nl = '\0';
	p->unit = unit_static(field[0], strlen(field[0]));
	if (*field[1] && !p->event)
		p->event = profile_intern(p, field[1], strlen(field[1]));
	if (!p->period_ns)
		p->period_ns = strtoull(field[2], NULL, 10);
	rc = folded_read(p, nl + 1, raw - (size_t)(nl + 1 - text), 0, &st);
	/* folded_read counts stacks; the samples they stood for are in the header */
	p->samples = p->samples - st.stacks + strtoull(field[3], NULL, 10);
	p->lost += strtoull(field[4], NULL, 10);
	free(text);
	return rc < 0 ? pe_error("damaged profile blob: %s", pe_errmsg()) : 0;
}

static struct store_metric *find_metric(struct store_run *run, const char *name)
{
	for (size_t i = 0; i < run->nmetrics; i++)
		if (!strcmp(run->metrics[i].name, name))
			return &run->metrics[i];
	return NULL;
}

int profile_store_save(struct store *st, struct store_run *run, const struct profile *p, size_t top)
{
	struct profile_func *fs;
	size_t n = profile_top(p, top, &fs);
	struct strbuf name = STRBUF_INIT;
	struct store_metric *m;
	double total = (double)p->root.total, x;
	void *blob;
	size_t blob_len;

	if (profile_blob_encode(p, &blob, &blob_len) < 0) {
		free(fs);
		return -1;
	}
	/* sorted by self weight: the rest, from the first with none, are no one's hot spot */
	for (size_t i = 0; i < n && fs[i].self; i++) {
		x = total > 0 ? 100.0 * (double)fs[i].self / total : 0;
		strbuf_reset(&name);
		strbuf_addf(&name, "%s%s", PROFILE_STORE_SELF_PREFIX, fs[i].name);
		if ((m = find_metric(run, name.buf))) {
			x += m->mean;
		} else {
			m = store_run_add_metric(run, name.buf, "%", 0);
		}
		store_metric_set_samples(m, &x, 1);
	}
	x = total;
	m = store_run_add_metric(run, PROFILE_STORE_METRIC, p->unit ? p->unit : "samples", 0);
	store_metric_set_samples(m, &x, 1);
	m->blob = blob;
	m->blob_len = blob_len;
	strbuf_release(&name);
	free(fs);
	return store_save(st, run);
}

int profile_store_load(struct store *st, const char *ref, struct profile *p)
{
	struct store_run run = { 0 };
	const struct store_metric *m;
	int64_t id;
	int rc;

	if (store_resolve(st, ref, &id) < 0 || store_get(st, id, &run) < 0)
		return -1;
	m = find_metric(&run, PROFILE_STORE_METRIC);
	if (!m || !m->blob) {
		pe_error("run '%s' has no saved profile (it is a '%s' run)", ref,
			 run.kind ? run.kind : "?");
		store_run_release(&run);
		return -1;
	}
	rc = profile_blob_decode(p, m->blob, m->blob_len);
	if (rc < 0)
		pe_error("run '%s': %s", ref, pe_errmsg());
	store_run_release(&run);
	return rc;
}
