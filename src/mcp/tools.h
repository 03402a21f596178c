/*
 * The tools `perfeng mcp` offers: each is one perfeng command run with
 * --json. A tool's input schema is made from the command's own option
 * table (its `--help=json`, the table that parses the command line), plus
 * the positional arguments the tool declares, so the tools cannot drift
 * from the CLI. A call's arguments become the command's argv here; running
 * it is src/mcp/server.c's job. Pure functions: no process is started.
 */
#ifndef PE_MCP_TOOLS_H
#define PE_MCP_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* What kind of positional argument a tool takes. */
enum mcp_pos {
	MCP_POS_NONE,
	MCP_POS_STRINGS,	/* bench: "commands", one or more strings */
	MCP_POS_ARGV,		/* profile, diagnose: "command", the program and its arguments, after "--" */
	MCP_POS_URL,		/* load: "url" */
	MCP_POS_TWO,		/* compare: "old" and "new" */
	MCP_POS_ONE,		/* history "name", run_show "run", model "file" */
	MCP_POS_OBSERVE,	/* observe: "interval" (string) and "count" (integer) */
};

struct mcp_tool {
	const char *name;		/* the tool's name: "bench", "runs_list", ... */
	const char *title;
	const char *command;		/* the perfeng command */
	const char *verb;		/* a first argument ("list", "show") or NULL */
	enum mcp_pos pos;
	const char *pos_name;		/* the positional property's name */
	const char *pos_help;
	const char *description;
	const char *const *hidden;	/* options not offered (NULL-terminated), besides json and help */
	uint64_t default_limit_s;	/* the bound on one call's wall time unless max_seconds says less */
	uint64_t max_limit_s;
	const char *bound_option;	/* an option set to the bound when not given ("duration"), or NULL */
};

/* The tools, and their count. */
extern const struct mcp_tool mcp_tools[];
extern const size_t mcp_ntools;

const struct mcp_tool *mcp_tool_find(const char *name);

/*
 * The tool's entry of tools/list: name, title, description, inputSchema
 * made from help (the parsed `perfeng COMMAND --help=json`), and the
 * outputSchema of every tool's structured result. NULL with pe_error()
 * when help is not such an object.
 */
json_t *mcp_tool_describe(const struct mcp_tool *t, const json_t *help);

/* A call's argv (NULL-terminated, strings owned by the array) and its bounds. */
struct mcp_call {
	char **argv;
	size_t argc;
	uint64_t limit_s;		/* SIGINT to the command after this long */
	int wants_shell;		/* bench/profile: the call asked for a shell */
	const char *url;		/* load: the target (points into the arguments) */
};

/*
 * Builds the command line for a call of t with arguments (a JSON object, or
 * NULL for none) against help (the command's option table): self (the
 * perfeng binary) as argv[0], the command, --json, each argument as its
 * option, the positional arguments last. Returns 0, or -1 with pe_error()
 * naming the argument that is unknown, of the wrong type or out of range,
 * as a message for the agent (a tool error, not a protocol error).
 */
int mcp_tool_argv(const struct mcp_tool *t, const json_t *help, const json_t *arguments, const char *self,
		  struct mcp_call *call);

void mcp_call_release(struct mcp_call *call);

/*
 * Whether url's host is loopback (127.0.0.0/8, ::1, localhost) or one of
 * the n allowed hosts (compared without case). 1 or 0; -1 with pe_error()
 * when url is not an http:// or https:// URL with a host.
 */
int mcp_url_allowed(const char *url, const char *const *allowed, size_t n);

#endif
