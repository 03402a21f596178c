#include "util/options.h"

#include <string.h>

#include "util/error.h"
#include "util/units.h"
#include "util/xalloc.h"

void string_list_add(struct string_list *l, const char *s)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = s;
}

static const struct option *options__find_long(const struct option *opts,
					       const char *name, size_t len, int *negated)
{
	*negated = 0;
	for (const struct option *o = opts; o->type != OPTT_END; o++) {
		if (!o->long_name)
			continue;
		if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	}
	if (len > 3 && !strncmp(name, "no-", 3)) {
		for (const struct option *o = opts; o->type != OPTT_END; o++) {
			if (o->type == OPTT_FLAG && o->long_name &&
			    strlen(o->long_name) == len - 3 &&
			    !strncmp(o->long_name, name + 3, len - 3)) {
				*negated = 1;
				return o;
			}
		}
	}
	return NULL;
}

static const struct option *options__find_short(const struct option *opts, int c)
{
	for (const struct option *o = opts; o->type != OPTT_END; o++)
		if (o->short_name == c && o->type != OPTT_GROUP)
			return o;
	return NULL;
}

static void options__name(const struct option *o, char *buf, size_t n)
{
	if (o->long_name)
		snprintf(buf, n, "--%s", o->long_name);
	else
		snprintf(buf, n, "-%c", o->short_name);
}

static int options__nargs(const struct option *o)
{
	if (o->type == OPTT_FLAG)
		return 0;
	if (o->type == OPTT_CALLBACK)
		return o->nargs;
	return 1;
}

/* Stores args into o->value; the message names the option on failure. */
static int options__apply(const struct option *o, const char **args, int negated)
{
	char name[64];
	int rc = 0;

	options__name(o, name, sizeof(name));
	switch (o->type) {
	case OPTT_FLAG:
		*(int *)o->value = !negated;
		return 0;
	case OPTT_UINT:
		rc = parse_uint(args[0], o->value);
		break;
	case OPTT_STRING:
		*(const char **)o->value = args[0];
		return 0;
	case OPTT_LIST:
		string_list_add(o->value, args[0]);
		return 0;
	case OPTT_DURATION:
		rc = parse_duration_ns(args[0], o->value);
		break;
	case OPTT_SIZE:
		rc = parse_size(args[0], o->value);
		break;
	case OPTT_PERCENT:
		rc = parse_percent(args[0], o->value);
		break;
	case OPTT_CALLBACK:
		rc = o->cb(o, args);
		break;
	default:
		break;
	}
	if (rc < 0)
		return pe_error("option '%s': %s", name, pe_errmsg());
	return 0;
}

static int options__help_json;

int options_help_json(void)
{
	return options__help_json;
}

int options_parse(int argc, char **argv, const struct option *opts, int *nposp)
{
	int npos = 0, i = 1;

	while (i < argc) {
		char *arg = argv[i];
		const struct option *o;
		const char *args[4] = { 0 };
		int negated = 0, need, got = 0;
		char name[64];

		if (!strcmp(arg, "--")) {
			for (i++; i < argc; i++)
				argv[npos++] = argv[i];
			break;
		}
		if (arg[0] != '-' || !arg[1]) {
			argv[npos++] = arg;
			i++;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return OPT_HELP;
		if (!strcmp(arg, "--help=json")) {
			options__help_json = 1;
			return OPT_HELP;
		}
		i++;
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

			o = options__find_long(opts, arg + 2, len, &negated);
			if (!o)
				return pe_error("unknown option '%.*s'", (int)len + 2, arg);
			need = negated ? 0 : options__nargs(o);
			if (eq) {
				if (!need)
					return pe_error("option '--%.*s' takes no value", (int)len, arg + 2);
				args[got++] = eq + 1;
			}
		} else {
			o = options__find_short(opts, arg[1]);
			if (!o)
				return pe_error("unknown option '-%c'", arg[1]);
			need = options__nargs(o);
			if (arg[2]) {
				if (!need) {
					/* bundled flags: -iq */
					for (const char *c = arg + 2; *c; c++) {
						const struct option *b = options__find_short(opts, *c);
						if (!b)
							return pe_error("unknown option '-%c' in '%s'", *c, arg);
						if (b->type != OPTT_FLAG)
							return pe_error("option '-%c' takes a value; give it apart from '%s'",
									*c, arg);
						*(int *)b->value = 1;
					}
				} else {
					args[got++] = arg + 2;
				}
			}
		}
		options__name(o, name, sizeof(name));
		while (got < need) {
			if (i >= argc)
				return pe_error("option '%s' needs %d value%s (%s)", name,
						need, need > 1 ? "s" : "", o->argh ? o->argh : "value");
			args[got++] = argv[i++];
		}
		if (options__apply(o, args, negated) < 0)
			return -1;
	}
	argv[npos] = NULL;
	*nposp = npos;
	return 0;
}

/* s as a JSON string. */
static void options__json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void options__usage_json(FILE *f, const char *usage, const struct option *opts)
{
	static const char *const types[] = {
		[OPTT_FLAG] = "flag", [OPTT_UINT] = "uint", [OPTT_STRING] = "string",
		[OPTT_DURATION] = "duration", [OPTT_SIZE] = "size", [OPTT_PERCENT] = "percent",
		[OPTT_CALLBACK] = "callback", [OPTT_LIST] = "list",
	};
	const char *group = "";
	int first = 1;

	fputs("{\"usage\": ", f);
	options__json_str(f, usage);
	fputs(", \"options\": [", f);
	for (const struct option *o = opts; o->type != OPTT_END; o++) {
		char sh[2] = { (char)o->short_name, 0 };

		if (o->type == OPTT_GROUP) {
			group = o->help;
			continue;
		}
		fputs(first ? "{\"long\": " : ", {\"long\": ", f);
		first = 0;
		options__json_str(f, o->long_name ? o->long_name : "");
		fputs(", \"short\": ", f);
		options__json_str(f, sh);
		fprintf(f, ", \"type\": \"%s\", \"arg\": ", types[o->type]);
		options__json_str(f, o->argh ? o->argh : "");
		fprintf(f, ", \"nargs\": %d, \"help\": ", o->type == OPTT_FLAG ? 0 : options__nargs(o));
		options__json_str(f, o->help);
		fputs(", \"group\": ", f);
		options__json_str(f, group);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

void options_usage(FILE *f, const char *usage, const struct option *opts)
{
	if (options__help_json) {
		options__usage_json(f, usage, opts);
		return;
	}
	fprintf(f, "usage: %s\n", usage);
	for (const struct option *o = opts; o->type != OPTT_END; o++) {
		char lhs[128];
		int n = 0;

		if (o->type == OPTT_GROUP) {
			fprintf(f, "\n%s\n", o->help);
			continue;
		}
		if (o->short_name && o->long_name)
			n = snprintf(lhs, sizeof(lhs), "-%c, --%s", o->short_name, o->long_name);
		else if (o->long_name)
			n = snprintf(lhs, sizeof(lhs), "    --%s", o->long_name);
		else
			n = snprintf(lhs, sizeof(lhs), "-%c", o->short_name);
		if (o->argh && n > 0 && (size_t)n < sizeof(lhs))
			snprintf(lhs + n, sizeof(lhs) - (size_t)n, " %s", o->argh);
		if (strlen(lhs) > 26)
			fprintf(f, "    %s\n%32s%s\n", lhs, "", o->help);
		else
			fprintf(f, "    %-26s  %s\n", lhs, o->help);
	}
}
