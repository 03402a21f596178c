/*
 * The Model Context Protocol server behind `perfeng mcp`: JSON-RPC 2.0
 * messages, one per line, in and out (the stdio transport). It negotiates
 * the protocol revision in initialize (2025-11-25, and the earlier
 * 2025-06-18 and 2025-03-26), lists and calls the tools of src/mcp/tools.h
 * (each call runs perfeng itself with --json, bounded in time, with
 * progress notifications when the client gives a token, and stopped by
 * notifications/cancelled), and serves saved runs and this session's
 * flame graphs as resources. Malformed messages get the standard JSON-RPC
 * errors; a failing command is a tool error (isError) with its message;
 * nothing a client sends stops the server but the end of its input.
 */
#ifndef PE_MCP_SERVER_H
#define PE_MCP_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define MCP_PROTOCOL_LATEST "2025-11-25"
#define MCP_MAX_LINE (4u << 20)

struct mcp_server;

struct mcp_server_opts {
	const char *self;			/* the perfeng binary to run for tool calls */
	const char *const *allowed_hosts;	/* load targets besides loopback (--allow-host) */
	size_t nallowed;
	const char *version;			/* perfeng's, for serverInfo */
	int in_fd;				/* where messages come from (read during calls too) */
	FILE *out;				/* where responses and notifications go */
	/*
	 * The option table of a command (`perfeng COMMAND --help=json`, parsed);
	 * NULL: ask self. A new reference, or NULL with pe_error().
	 */
	json_t *(*help)(const char *command);
	int no_exec;				/* tool calls stop after checking their arguments (fuzzing) */
};

struct mcp_server *mcp_server_new(const struct mcp_server_opts *o);
void mcp_server_free(struct mcp_server *s);

/* Handles one message (a line without its newline), writing what it answers. */
void mcp_server_handle(struct mcp_server *s, const char *line, size_t len);

/*
 * Reads and handles messages from o->in_fd until it ends. Returns 0 at the
 * end of input, -1 with pe_error() when it cannot be read.
 */
int mcp_server_run(struct mcp_server *s);

#endif
