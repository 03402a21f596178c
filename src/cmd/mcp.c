/*
 * perfeng mcp: perfeng's commands as tools for AI agents, over the Model
 * Context Protocol's stdio transport (src/mcp/server.c). Options: which
 * hosts besides loopback `load` may target.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "mcp/server.h"
#include "util/error.h"
#include "util/options.h"

static const char mcp_usage[] = "perfeng mcp [--allow-host <HOST>]...";

int cmd_mcp(int argc, char **argv)
{
	struct string_list hosts = { 0 };
	struct option opts[] = {
		OPT_LIST(0, "allow-host", &hosts, "<HOST>", "let the load tool target HOST besides loopback (repeatable)"),
		OPT_END(),
	};
	struct mcp_server_opts so = { 0 };
	struct mcp_server *s;
	char self[PATH_MAX];
	ssize_t n;
	int npos, rc = options_parse(argc, argv, opts, &npos);

	if (rc == OPT_HELP) {
		options_usage(stdout, mcp_usage, opts);
		cmd_usage_env(stdout, CMD_ENV_STORE);
		if (!options_help_json())
			printf("\nSpeaks JSON-RPC 2.0, one message a line, on standard input and output; see docs/mcp.md.\n");
		free(hosts.v);
		return PE_EXIT_OK;
	}
	if (!rc && npos)
		rc = pe_error("mcp takes no arguments");
	if (rc < 0) {
		fprintf(stderr, "perfeng mcp: %s\nsee 'perfeng mcp --help'\n", pe_errmsg());
		free(hosts.v);
		return PE_EXIT_USAGE;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		free(hosts.v);
		return cmd_fail(PE_EXIT_RUNTIME, "cannot find perfeng's own binary (/proc/self/exe)");
	}
	self[n] = '\0';
	so.self = self;
	so.allowed_hosts = hosts.v;
	so.nallowed = hosts.n;
	so.version = perfeng_version;
	so.in_fd = STDIN_FILENO;
	so.out = stdout;
	s = mcp_server_new(&so);
	rc = mcp_server_run(s);
	mcp_server_free(s);
	free(hosts.v);
	if (rc < 0)
		return cmd_fail(PE_EXIT_RUNTIME, "%s", pe_errmsg());
	return PE_EXIT_OK;
}
