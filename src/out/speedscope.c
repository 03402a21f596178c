/*
 * speedscope's JSON file format (see speedscope.h): shared.frames holds
 * each distinct frame once; the one "sampled" profile lists each stack
 * with self weight, root first, as indices into it, with its weight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "out/speedscope.h"
#include "util/error.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* A JSON string of a name that may not be valid UTF-8 (bad bytes become U+FFFD). */
static json_t *name_json(const char *s)
{
	char *fixed = utf8_sanitize(s);
	json_t *j = json_string(fixed ? fixed : s);

	free(fixed);
	return j ? j : json_string("?");
}

static const char *unit_of(const struct profile *p)
{
	if (p->unit && !strcmp(p->unit, "bytes"))
		return "bytes";
	return p->unit && !strcmp(p->unit, "nanoseconds") ? "nanoseconds" : "none";
}

int speedscope_write(FILE *f, const struct profile *p, const char *title)
{
	struct profile_flat *v;
	size_t n = profile_flatten(p, &v);
	size_t *idx = xmalloc(n * sizeof(*idx));	/* frame index per flat node */
	size_t *stack = xmalloc(n * sizeof(*stack));
	struct frame_ids ids;
	json_t *doc = json_object(), *frames = json_array(), *samples = json_array();
	json_t *weights = json_array(), *prof = json_object(), *shared = json_object();
	json_t *profiles = json_array();
	int rc = 0;

	frame_ids_init(&ids, n);
	for (size_t i = 1; i < n; i++) {
		const struct frame *fr = &v[i].node->frame;
		int is_new;

		idx[i] = frame_ids_get(&ids, fr, &is_new) - 1;
		if (is_new) {
			json_t *o = json_object();

			json_object_set_new(o, "name", name_json(fr->name));
			if (fr->file) {
				json_object_set_new(o, "file", name_json(fr->file));
				if (fr->line)
					json_object_set_new(o, "line", json_integer(fr->line));
			} else if (fr->module) {
				json_object_set_new(o, "file", name_json(fr->module));
			}
			json_array_append_new(frames, o);
		}
	}
	for (size_t i = 1; i < n; i++) {
		json_t *s;
		size_t depth = 0;

		if (!v[i].node->self)
			continue;
		for (size_t j = i; j; j = v[j].parent)
			stack[depth++] = idx[j];
		s = json_array();
		while (depth--)
			json_array_append_new(s, json_integer((json_int_t)stack[depth]));
		json_array_append_new(samples, s);
		json_array_append_new(weights, json_integer((json_int_t)v[i].node->self));
	}
	json_object_set_new(shared, "frames", frames);
	json_object_set_new(prof, "type", json_string("sampled"));
	json_object_set_new(prof, "name", name_json(title ? title : "perfeng"));
	json_object_set_new(prof, "unit", json_string(unit_of(p)));
	json_object_set_new(prof, "startValue", json_integer(0));
	/* the root's self weight (empty stacks) is not a sample speedscope can show */
	json_object_set_new(prof, "endValue", json_integer((json_int_t)(p->root.total - p->root.self)));
	json_object_set_new(prof, "samples", samples);
	json_object_set_new(prof, "weights", weights);
	json_array_append_new(profiles, prof);
	json_object_set_new(doc, "$schema", json_string("https://www.speedscope.app/file-format-schema.json"));
	json_object_set_new(doc, "shared", shared);
	json_object_set_new(doc, "profiles", profiles);
	json_object_set_new(doc, "name", name_json(title ? title : "perfeng"));
	json_object_set_new(doc, "activeProfileIndex", json_integer(0));
	json_object_set_new(doc, "exporter", json_string("perfeng"));
	if (json_dumpf(doc, f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF || ferror(f))
		rc = pe_error("write error: %s", strerror(errno));
	json_decref(doc);
	frame_ids_release(&ids);
	free(stack);
	free(idx);
	free(v);
	return rc;
}
