/*
 * A table-driven command-line parser, after git's parse-options: one table
 * both parses argv and prints the usage text, so --help cannot drift from
 * what is accepted. Parsing never prints; errors come back as -1 with
 * pe_error() set, and OPT_HELP when -h/--help was given.
 */
#ifndef PE_OPTIONS_H
#define PE_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPTT_END = 0,
	OPTT_GROUP,	/* a heading in the usage text */
	OPTT_FLAG,	/* int, set to 1 (or 0 for --no-NAME) */
	OPTT_UINT,	/* uint64_t */
	OPTT_STRING,	/* const char *, pointing into argv */
	OPTT_DURATION,	/* uint64_t nanoseconds */
	OPTT_SIZE,	/* uint64_t bytes: "8192", "16k", "1M" */
	OPTT_PERCENT,	/* double fraction */
	OPTT_CALLBACK,	/* cb(opt, args) with nargs arguments */
	OPTT_LIST,	/* struct string_list: each use appends its value */
};

/* The values of a repeatable option, pointing into argv; free(v) when done. */
struct string_list {
	const char **v;
	size_t n, alloc;
};

void string_list_add(struct string_list *l, const char *s);

struct option;
typedef int (*option_cb)(const struct option *opt, const char **args);

struct option {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;	/* name(s) of the argument(s) in the usage text */
	const char *help;
	option_cb cb;
	int nargs;		/* for OPTT_CALLBACK: arguments taken (0..3) */
};

#define OPT_END() { OPTT_END, 0, NULL, NULL, NULL, NULL, NULL, 0 }
#define OPT_GROUP(h) { OPTT_GROUP, 0, NULL, NULL, NULL, (h), NULL, 0 }
#define OPT_FLAG(s, l, v, h) { OPTT_FLAG, (s), (l), (v), NULL, (h), NULL, 0 }
#define OPT_UINT(s, l, v, a, h) { OPTT_UINT, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_STRING(s, l, v, a, h) { OPTT_STRING, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_DURATION(s, l, v, a, h) { OPTT_DURATION, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_SIZE(s, l, v, a, h) { OPTT_SIZE, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_PERCENT(s, l, v, a, h) { OPTT_PERCENT, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_LIST(s, l, v, a, h) { OPTT_LIST, (s), (l), (v), (a), (h), NULL, 1 }
#define OPT_CALLBACK(s, l, v, a, h, cb, n) { OPTT_CALLBACK, (s), (l), (v), (a), (h), (cb), (n) }

#define OPT_HELP 1

/*
 * Parses argv[1..argc-1] (argv[0] is the command name). Options and
 * positional arguments may be mixed; "--" ends options. On success returns 0
 * and moves the positional arguments to argv[0..*nposp-1]. Returns OPT_HELP
 * for -h/--help (and --help=json), or -1 with pe_error() set.
 */
int options_parse(int argc, char **argv, const struct option *opts, int *nposp);

/*
 * Writes "usage: <usage>" and the option table to f; after --help=json,
 * the same as one JSON object on one line instead, for programs that build
 * on the command line (perfeng mcp's tool schemas):
 *   {"usage": "...", "options": [{"long": "runs", "short": "r",
 *    "type": "uint", "arg": "<N>", "nargs": 1, "help": "...",
 *    "group": "..."}, ...]}
 * type is flag, uint, string, duration, size, percent, list or callback.
 */
void options_usage(FILE *f, const char *usage, const struct option *opts);

/*
 * 1 after options_parse() saw --help=json: a command then prints nothing but
 * options_usage()'s JSON (cmd_usage_env and the help's prose stay quiet).
 */
int options_help_json(void);

#endif
