#include "mcp/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "mcp/tools.h"
#include "runner/process.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* JSON-RPC 2.0 error codes, and MCP's for an unknown resource. */
enum {
	RPC_PARSE_ERROR = -32700,
	RPC_INVALID_REQUEST = -32600,
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,
	RPC_INTERNAL_ERROR = -32603,
	MCP_RESOURCE_NOT_FOUND = -32002,
};

#define MCP_TICK_NS (200 * NS_PER_MS)
#define MCP_MAX_FLAMEGRAPHS 64
#define MCP_MAX_CANCELLED 16

static const char *const mcp_versions[] = { MCP_PROTOCOL_LATEST, "2025-06-18", "2025-03-26" };

/* The tool call in progress, which messages read meanwhile may ping or cancel. */
struct mcp_active {
	json_t *id;
	json_t *progress_token;
	const char *tool;
	uint64_t start_ns, limit_ns, last_progress_ns;
	pid_t pid;
	int cancelled, stopped;
};

struct mcp_server {
	struct mcp_server_opts o;
	json_t *help[16];		/* the option table of each tool's command, by tool index, read once */
	struct strbuf in;		/* bytes read and not yet handled */
	int in_eof, skipping;		/* skipping: the rest of a line over MCP_MAX_LINE */
	char **queue;			/* messages read during a call, handled after it */
	size_t nqueue;
	struct mcp_active *active;
	char tmpdir[64];
	char *flamegraphs[MCP_MAX_FLAMEGRAPHS];
	size_t nflamegraphs;
	/* the results of cancelled calls (what was measured until then), oldest dropped */
	char *cancelled[MCP_MAX_CANCELLED];
	size_t ncancelled;	/* ever: the n-th is perfeng://cancelled/n */
};

struct mcp_server *mcp_server_new(const struct mcp_server_opts *o)
{
	struct mcp_server *s = xcalloc(1, sizeof(*s));

	s->o = *o;
	return s;
}

void mcp_server_free(struct mcp_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < sizeof(s->help) / sizeof(s->help[0]); i++)
		json_decref(s->help[i]);
	for (size_t i = 0; i < s->nqueue; i++)
		free(s->queue[i]);
	free(s->queue);
	for (size_t i = 0; i < s->nflamegraphs; i++) {
		unlink(s->flamegraphs[i]);
		free(s->flamegraphs[i]);
	}
	for (size_t i = 0; i < MCP_MAX_CANCELLED; i++)
		free(s->cancelled[i]);
	if (s->tmpdir[0])
		rmdir(s->tmpdir);
	strbuf_release(&s->in);
	free(s);
}

/* --- output --------------------------------------------------------------------------------- */

/* Writes one message and a newline; takes the reference. */
static void mcp__send(struct mcp_server *s, json_t *msg)
{
	json_object_set_new(msg, "jsonrpc", json_string("2.0"));
	json_dumpf(msg, s->o.out, JSON_COMPACT | JSON_REAL_PRECISION(17));
	fputc('\n', s->o.out);
	fflush(s->o.out);
	json_decref(msg);
}

static void mcp__error(struct mcp_server *s, const json_t *id, int code, const char *message);

static void mcp__result(struct mcp_server *s, const json_t *id, json_t *result)
{
	if (!result) {	/* a result that could not be built (jansson refuses a string that is not UTF-8) */
		mcp__error(s, id, RPC_INTERNAL_ERROR, "internal error: the result could not be encoded");
		return;
	}
	mcp__send(s, json_pack("{sOso}", "id", id, "result", result));
}

static void mcp__error(struct mcp_server *s, const json_t *id, int code, const char *message)
{
	mcp__send(s, json_pack("{sOs{siss}}", "id", id ? id : json_null(), "error", "code", code, "message", message));
}

/* --- the command runs ------------------------------------------------------------------------ */

/* What `self ARGV...` printed and how it ended. */
struct mcp_run {
	struct run_result res;
	struct strbuf out;
	int started;
};

static void mcp__queue(struct mcp_server *s, const char *line, size_t len);
static int mcp__next_line(struct mcp_server *s, int timeout_ms, char **line, size_t *len);

/* A message read while a call runs: ping and cancel now, the rest after the call. */
static void mcp__during_call(struct mcp_server *s, const char *line, size_t len)
{
	json_t *m = json_loadb(line, len, 0, NULL);
	const char *method = json_string_value(json_object_get(m, "method"));
	struct mcp_active *a = s->active;

	if (method && !strcmp(method, "ping") && json_object_get(m, "id")) {
		mcp__result(s, json_object_get(m, "id"), json_object());
	} else if (method && !strcmp(method, "notifications/cancelled")) {
		json_t *rid = json_object_get(json_object_get(m, "params"), "requestId");

		if (a && rid && json_equal(rid, a->id) && !a->cancelled) {
			a->cancelled = 1;
			if (a->pid > 0)
				kill(-a->pid, SIGINT);	/* the command stops as at Ctrl-C */
		}
	} else {
		mcp__queue(s, line, len);
	}
	json_decref(m);
}

static void mcp__tick(void *arg, pid_t pid, uint64_t now)
{
	struct mcp_server *s = arg;
	struct mcp_active *a = s->active;
	char *line;
	size_t len;

	if (!a)
		return;
	a->pid = pid;
	while (mcp__next_line(s, 0, &line, &len) > 0) {
		mcp__during_call(s, line, len);
		free(line);
	}
	if (s->in_eof && !a->cancelled) {	/* the client is gone: nobody will read the result */
		a->cancelled = 1;
		kill(-pid, SIGINT);
	}
	if (!a->stopped && now - a->start_ns >= a->limit_ns) {
		a->stopped = 1;
		kill(-pid, SIGINT);
	}
	if (a->progress_token && now - a->last_progress_ns >= NS_PER_SEC) {
		char msg[128];
		double el = (double)(now - a->start_ns) / 1e9;

		a->last_progress_ns = now;
		snprintf(msg, sizeof(msg), "%s running: %.0f s of at most %.0f s", a->tool, el,
			 (double)a->limit_ns / 1e9);
		mcp__send(s, json_pack("{sss{sOsfsfss}}", "method", "notifications/progress", "params", "progressToken",
				       a->progress_token, "progress", el, "total", (double)a->limit_ns / 1e9,
				       "message", msg));
	}
}

/* Makes the session's directory for flame graphs and outputs once. */
static int mcp__tmpdir(struct mcp_server *s)
{
	if (s->tmpdir[0])
		return 0;
	snprintf(s->tmpdir, sizeof(s->tmpdir), "/tmp/perfeng-mcp.XXXXXX");
	if (!mkdtemp(s->tmpdir)) {
		s->tmpdir[0] = '\0';
		return pe_error("cannot make a temporary directory: %s", strerror(errno));
	}
	return 0;
}

/* Runs argv to its end (or the active call's bound), its standard output into r->out. */
static int mcp__run(struct mcp_server *s, char *const *argv, uint64_t limit_s, struct mcp_run *r)
{
	char path[96];
	int fd, rc;
	struct run_spec spec = { .argv = argv, .stdin_fd = -1, .output = RUN_OUT_FD, .tick = mcp__tick,
				 .tick_arg = s, .tick_ns = MCP_TICK_NS };
	char buf[65536];
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (mcp__tmpdir(s) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/out.XXXXXX", s->tmpdir);
	fd = mkstemp(path);
	if (fd < 0)
		return pe_error("cannot make a temporary file: %s", strerror(errno));
	unlink(path);
	spec.stdout_fd = fd;
	spec.timeout_ns = (limit_s + 15) * NS_PER_SEC;	/* SIGINT at the limit; SIGKILL if that is ignored */
	rc = runner_run(&spec, &r->res);
	if (rc == 0) {
		r->started = 1;
		lseek(fd, 0, SEEK_SET);
		while ((n = read(fd, buf, sizeof(buf))) > 0 && r->out.len < (64u << 20))
			strbuf_add(&r->out, buf, (size_t)n);
	}
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* JSON Lines as an array; NULL when a line is not JSON or there is none. */
static json_t *mcp__parse_lines(const char *p, const char *end)
{
	json_t *arr = json_array();

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		json_t *line;

		if (len) {
			line = json_loadb(p, len, JSON_DECODE_ANY, NULL);
			if (!line) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, line);
		}
		p += len + 1;
	}
	if (!json_array_size(arr)) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/*
 * The command's --json output: one document, or JSON Lines as an array.
 * What profile and diagnose run writes to the same standard output comes
 * before perfeng's JSON (which is printed once the workload has ended): the
 * document is then the rest from the first line that starts one, and
 * *skipped says how many bytes came before it. NULL when there is none.
 */
static json_t *mcp__parse_output(const struct strbuf *out, size_t *skipped)
{
	const char *p = strbuf_str(out), *end = p + out->len;
	json_t *doc;

	*skipped = 0;
	for (const char *q = p; q < end; q = memchr(q, '\n', (size_t)(end - q)), q = q ? q + 1 : end) {
		if (*q != '{' && *q != '[')
			continue;
		doc = json_loadb(q, (size_t)(end - q), JSON_DECODE_ANY, NULL);
		if (!doc)
			doc = mcp__parse_lines(q, end);
		if (doc) {
			*skipped = (size_t)(q - p);
			return doc;
		}
	}
	return NULL;
}

/* The command line as one string, for the result. */
static char *mcp__join(char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "perfeng");
	for (size_t i = 1; argv[i]; i++) {
		strbuf_addch(&sb, ' ');
		if (argv[i][strcspn(argv[i], " \t'\"\\$`*?&|;<>()")])
			strbuf_addf(&sb, "'%s'", argv[i]);
		else
			strbuf_addstr(&sb, argv[i]);
	}
	return strbuf_detach(&sb);
}

/* The last lines of the command's standard error, without the "perfeng: error: " prefix. */
static const char *mcp__err(const struct run_result *res)
{
	const char *e = res->err_tail;
	const char *p = strstr(e, "perfeng: error: ");

	return p ? p + 16 : e;
}

/* --- tools ----------------------------------------------------------------------------------- */

/* The option table of tool t's command, read once from `self COMMAND --help=json`. */
static const json_t *mcp__help(struct mcp_server *s, const struct mcp_tool *t)
{
	size_t i = (size_t)(t - mcp_tools);
	struct mcp_run r;
	char *argv[] = { (char *)s->o.self, (char *)t->command, (char *)"--help=json", NULL };

	if (s->help[i])
		return s->help[i];
	if (s->o.help) {
		s->help[i] = s->o.help(t->command);
		return s->help[i];
	}
	if (mcp__run(s, argv, 10, &r) == 0 && r.res.status == RUN_EXITED && r.res.exit_code == 0)
		s->help[i] = json_loadb(strbuf_str(&r.out), r.out.len, 0, NULL);
	strbuf_release(&r.out);
	if (!s->help[i])
		pe_error("cannot read the options of 'perfeng %s'", t->command);
	return s->help[i];
}

static void mcp__tools_list(struct mcp_server *s, const json_t *id)
{
	json_t *tools = json_array();

	for (size_t i = 0; i < mcp_ntools; i++) {
		const json_t *help = mcp__help(s, &mcp_tools[i]);
		json_t *d = help ? mcp_tool_describe(&mcp_tools[i], help) : NULL;

		if (!d) {
			json_decref(tools);
			mcp__error(s, id, RPC_INTERNAL_ERROR, pe_errmsg());
			return;
		}
		json_array_append_new(tools, d);
	}
	mcp__result(s, id, json_pack("{so}", "tools", tools));
}

/* Text that may not be UTF-8 (a command's stderr cut anywhere) as a JSON string. */
static json_t *mcp__text(const char *s)
{
	char *clean = utf8_sanitize(s);
	json_t *j = json_string(clean ? clean : s);

	free(clean);
	return j;
}

/* A tool error: isError with the message, for the agent to read. */
static json_t *mcp__tool_error(const char *msg)
{
	return json_pack("{s[{ssso}]sb}", "content", "type", "text", "text", mcp__text(msg), "isError", 1);
}

/* The result of a finished command: its JSON as structuredContent, or a tool error. */
static json_t *mcp__tool_result(const struct mcp_run *r, char *const *argv, const struct mcp_active *a)
{
	size_t skipped;
	json_t *out = mcp__parse_output(&r->out, &skipped), *sc, *res;
	int code = r->res.status == RUN_EXITED ? r->res.exit_code : 130;
	char *cl = mcp__join(argv), *text;

	if (!out || (code != 0 && code != 1 && code != 130)) {
		char msg[RUN_ERR_TAIL + 64];

		size_t l;

		snprintf(msg, sizeof(msg), "%s", r->res.err_len ? mcp__err(&r->res) : "the command printed no result");
		for (l = strlen(msg); l && (msg[l - 1] == '\n' || msg[l - 1] == ' '); l--)
			msg[l - 1] = '\0';
		json_decref(out);
		free(cl);
		return mcp__tool_error(msg);
	}
	sc = json_pack("{sisososs}", "exit_code", code, "result", out, "stderr", mcp__text(r->res.err_tail),
		       "command_line", cl);
	if (skipped) {	/* the workload's own output, up to 4 KiB of its end */
		size_t from = skipped > 4096 ? skipped - 4096 : 0;
		char *w = xmalloc(skipped - from + 1);

		memcpy(w, strbuf_str(&r->out) + from, skipped - from);
		w[skipped - from] = '\0';
		json_object_set_new(sc, "workload_output", mcp__text(w));
		free(w);
	}
	if (a->stopped)
		json_object_set_new(sc, "stopped", json_string("max_seconds: stopped as at Ctrl-C; the result is what was measured until then"));
	text = json_dumps(sc, JSON_COMPACT);
	res = json_pack("{s[{ssss}]sosb}", "content", "type", "text", "text", text, "structuredContent", sc, "isError", 0);
	free(text);
	free(cl);
	return res;
}

/* profile's flame graph goes to the session's directory unless output is given: a resource. */
static json_t *mcp__profile_args(struct mcp_server *s, const json_t *args, char **svg)
{
	json_t *copy = args ? json_deep_copy(args) : json_object();
	char path[128];

	*svg = NULL;
	if (json_object_get(copy, "output") || s->nflamegraphs == MCP_MAX_FLAMEGRAPHS || mcp__tmpdir(s) < 0)
		return copy;
	snprintf(path, sizeof(path), "%s/flamegraph-%zu.svg", s->tmpdir, s->nflamegraphs + 1);
	json_object_set_new(copy, "output", json_pack("[s]", path));
	*svg = xstrdup(path);
	return copy;
}

static void mcp__tools_call(struct mcp_server *s, const json_t *id, const json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	const struct mcp_tool *t = name ? mcp_tool_find(name) : NULL;
	const json_t *help;
	json_t *args, *res;
	struct mcp_call call;
	struct mcp_active a = { 0 };
	struct mcp_run r;
	char *svg = NULL;
	int allowed;

	if (!t) {
		mcp__error(s, id, RPC_INVALID_PARAMS, name ? "unknown tool" : "tools/call needs params.name");
		return;
	}
	help = mcp__help(s, t);
	if (!help) {
		mcp__result(s, id, mcp__tool_error(pe_errmsg()));
		return;
	}
	args = !strcmp(t->name, "profile") ? mcp__profile_args(s, json_object_get(params, "arguments"), &svg)
					   : json_incref(json_object_get(params, "arguments"));
	if (mcp_tool_argv(t, help, args, s->o.self, &call) < 0) {
		mcp__result(s, id, mcp__tool_error(pe_errmsg()));
		goto out;
	}
	if (call.url && (allowed = mcp_url_allowed(call.url, s->o.allowed_hosts, s->o.nallowed)) != 1) {
		char msg[512];

		snprintf(msg, sizeof(msg), "load targets only loopback (127.0.0.1, ::1, localhost) unless the server "
			 "was started with --allow-host HOST: '%s' is not allowed", call.url);
		mcp__result(s, id, mcp__tool_error(allowed < 0 ? pe_errmsg() : msg));
		goto out;
	}
	if (s->o.no_exec) {
		mcp__result(s, id, mcp__tool_error("not run: this server only checks arguments"));
		goto out;
	}
	a.id = (json_t *)id;
	a.progress_token = json_object_get(json_object_get(params, "_meta"), "progressToken");
	a.tool = t->name;
	a.start_ns = clock_now_ns();
	a.last_progress_ns = a.start_ns;
	a.limit_ns = call.limit_s * NS_PER_SEC;
	s->active = &a;
	if (mcp__run(s, call.argv, call.limit_s, &r) < 0)
		res = mcp__tool_error(pe_errmsg());
	else
		res = mcp__tool_result(&r, call.argv, &a);
	s->active = NULL;
	strbuf_release(&r.out);
	if (svg && !access(svg, R_OK)) {
		s->flamegraphs[s->nflamegraphs++] = svg;
		svg = NULL;
		json_object_set_new(json_object_get(res, "structuredContent") ? json_object_get(res, "structuredContent") : res,
				    "flamegraph", json_sprintf("perfeng://flamegraphs/%zu", s->nflamegraphs));
	}
	if (a.cancelled) {
		/*
		 * The protocol: a cancelled request gets no response. What the
		 * command measured until it stopped is kept as a resource.
		 */
		json_t *sc = json_object_get(res, "structuredContent");
		size_t k = s->ncancelled++ % MCP_MAX_CANCELLED;

		free(s->cancelled[k]);
		s->cancelled[k] = sc ? json_dumps(sc, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : NULL;
		json_decref(res);
	}
	else
		mcp__result(s, id, res);
out:
	free(svg);
	json_decref(args);
	mcp_call_release(&call);
}

/* --- resources ------------------------------------------------------------------------------- */

static void mcp__resources_list(struct mcp_server *s, const json_t *id)
{
	char *argv[] = { (char *)s->o.self, (char *)"runs", (char *)"list", (char *)"--json", (char *)"--limit=200", NULL };
	json_t *list = json_array(), *runs = NULL, *run;
	struct mcp_run r = { 0 };
	size_t i;

	if (!s->o.no_exec && mcp__run(s, argv, 30, &r) == 0 && r.res.status == RUN_EXITED && r.res.exit_code == 0)
		runs = json_loadb(strbuf_str(&r.out), r.out.len, 0, NULL);
	strbuf_release(&r.out);
	json_array_foreach(runs, i, run) {
		json_int_t rid = json_integer_value(json_object_get(run, "id"));
		const char *name = json_string_value(json_object_get(run, "name"));
		const char *kind = json_string_value(json_object_get(run, "kind"));
		const char *when = json_string_value(json_object_get(run, "started"));

		json_array_append_new(list, json_pack("{s:o,s:o,s:o,s:s}", "uri", json_sprintf("perfeng://runs/%lld", (long long)rid),
						      "name", json_sprintf("run %lld: %s", (long long)rid, name ? name : "?"),
						      "description", json_sprintf("a saved %s run of %s", kind ? kind : "?",
										  when ? when : "?"),
						      "mimeType", "application/json"));
	}
	json_decref(runs);
	for (i = 0; i < s->nflamegraphs; i++)
		json_array_append_new(list, json_pack("{s:o,s:o,s:s}", "uri", json_sprintf("perfeng://flamegraphs/%zu", i + 1),
						      "name", json_sprintf("flame graph %zu of this session", i + 1),
						      "mimeType", "image/svg+xml"));
	for (i = s->ncancelled > MCP_MAX_CANCELLED ? s->ncancelled - MCP_MAX_CANCELLED : 0; i < s->ncancelled; i++)
		if (s->cancelled[i % MCP_MAX_CANCELLED])
			json_array_append_new(list, json_pack("{s:o,s:o,s:s,s:s}", "uri", json_sprintf("perfeng://cancelled/%zu", i + 1),
							      "name", json_sprintf("cancelled call %zu of this session", i + 1),
							      "description", "what a cancelled tool call measured until it stopped",
							      "mimeType", "application/json"));
	mcp__result(s, id, json_pack("{so}", "resources", list));
}

static void mcp__resources_read(struct mcp_server *s, const json_t *id, const json_t *params)
{
	const char *uri = json_string_value(json_object_get(params, "uri"));
	struct strbuf text = STRBUF_INIT;
	const char *mime = "application/json";
	char *end;
	long long n;

	if (!uri) {
		mcp__error(s, id, RPC_INVALID_PARAMS, "resources/read needs params.uri");
		return;
	}
	if (!strncmp(uri, "perfeng://runs/", 15) && (n = strtoll(uri + 15, &end, 10)) > 0 && !*end &&
	    !s->o.no_exec) {
		char num[32], *argv[] = { (char *)s->o.self, (char *)"runs", (char *)"show", num, (char *)"--json", NULL };
		struct mcp_run r;

		snprintf(num, sizeof(num), "%lld", n);
		if (mcp__run(s, argv, 30, &r) == 0 && r.res.status == RUN_EXITED && r.res.exit_code == 0)
			strbuf_add(&text, strbuf_str(&r.out), r.out.len);
		strbuf_release(&r.out);
	} else if (!strncmp(uri, "perfeng://flamegraphs/", 22) && (n = strtoll(uri + 22, &end, 10)) > 0 && !*end &&
		   (size_t)n <= s->nflamegraphs) {
		mime = "image/svg+xml";
		if (strbuf_read_file(&text, s->flamegraphs[n - 1], 64u << 20) < 0)
			strbuf_reset(&text);
	} else if (!strncmp(uri, "perfeng://cancelled/", 20) && (n = strtoll(uri + 20, &end, 10)) > 0 && !*end &&
		   (size_t)n <= s->ncancelled && (size_t)n + MCP_MAX_CANCELLED > s->ncancelled &&
		   s->cancelled[(n - 1) % MCP_MAX_CANCELLED]) {
		strbuf_addstr(&text, s->cancelled[(n - 1) % MCP_MAX_CANCELLED]);
	}
	if (!text.len) {
		mcp__send(s, json_pack("{sOs{sissso}}", "id", id, "error", "code", MCP_RESOURCE_NOT_FOUND, "message",
				       "resource not found", "data", json_pack("{ss}", "uri", uri)));
		return;
	}
	mcp__result(s, id, json_pack("{s[{ssssss%}]}", "contents", "uri", uri, "mimeType", mime, "text",
				     strbuf_str(&text), text.len));
	strbuf_release(&text);
}

/* --- dispatch -------------------------------------------------------------------------------- */

static void mcp__initialize(struct mcp_server *s, const json_t *id, const json_t *params)
{
	const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
	const char *v = MCP_PROTOCOL_LATEST;

	for (size_t i = 0; asked && i < sizeof(mcp_versions) / sizeof(mcp_versions[0]); i++)
		if (!strcmp(asked, mcp_versions[i]))
			v = mcp_versions[i];
	mcp__result(s, id, json_pack("{sss{s{sb}s{sbsb}}s{ssssss}ss}", "protocolVersion", v, "capabilities", "tools",
				     "listChanged", 0, "resources", "subscribe", 0, "listChanged", 0, "serverInfo", "name",
				     "perfeng", "title", "perfeng, a performance engineer's toolkit", "version",
				     s->o.version ? s->o.version : "", "instructions",
				     "perfeng measures, profiles and diagnoses programs and services. Start with diagnose "
				     "for a slow program, bench to time commands, load for an HTTP service, compare to "
				     "judge a change. Every call is bounded by max_seconds."));
}

void mcp_server_handle(struct mcp_server *s, const char *line, size_t len)
{
	json_error_t err;
	json_t *m = json_loadb(line, len, 0, &err), *id;
	const char *method;
	const json_t *params;

	if (!m) {
		mcp__error(s, NULL, RPC_PARSE_ERROR, "parse error: not JSON");
		return;
	}
	id = json_object_get(m, "id");
	method = json_string_value(json_object_get(m, "method"));
	params = json_object_get(m, "params");
	if (!json_is_object(m) || !json_is_string(json_object_get(m, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(m, "jsonrpc")), "2.0") ||
	    (id && !json_is_string(id) && !json_is_integer(id)) || (params && !json_is_object(params))) {
		mcp__error(s, json_is_string(id) || json_is_integer(id) ? id : NULL, RPC_INVALID_REQUEST,
			   "invalid request: a JSON-RPC 2.0 object (batches are not part of MCP)");
		goto out;
	}
	if (!method) {	/* a response to us: the server sends no requests, so there is none to match */
		if (!json_object_get(m, "result") && !json_object_get(m, "error"))
			mcp__error(s, id, RPC_INVALID_REQUEST, "invalid request: no method");
		goto out;
	}
	if (!id)	/* a notification: initialized, cancelled (of nothing running), progress */
		goto out;
	if (!strcmp(method, "initialize"))
		mcp__initialize(s, id, params);
	else if (!strcmp(method, "ping"))
		mcp__result(s, id, json_object());
	else if (!strcmp(method, "tools/list"))
		mcp__tools_list(s, id);
	else if (!strcmp(method, "tools/call"))
		mcp__tools_call(s, id, params);
	else if (!strcmp(method, "resources/list"))
		mcp__resources_list(s, id);
	else if (!strcmp(method, "resources/read"))
		mcp__resources_read(s, id, params);
	else if (!strcmp(method, "resources/templates/list"))
		mcp__result(s, id, json_pack("{s[{ssssssss}]}", "resourceTemplates", "uriTemplate", "perfeng://runs/{id}",
					     "name", "a saved run", "description", "a run of the results store by its id",
					     "mimeType", "application/json"));
	else
		mcp__error(s, id, RPC_METHOD_NOT_FOUND, "method not found");
out:
	json_decref(m);
}

/* --- input ----------------------------------------------------------------------------------- */

static void mcp__queue(struct mcp_server *s, const char *line, size_t len)
{
	char *copy = xmalloc(len + 1);

	memcpy(copy, line, len);
	copy[len] = '\0';
	s->queue = xrealloc(s->queue, (s->nqueue + 1) * sizeof(*s->queue));
	s->queue[s->nqueue++] = copy;
}

/*
 * The next whole line of input, waiting up to timeout_ms for it (-1:
 * forever). Returns 1 with *line (free it), 0 when none came in time, -1 at
 * the end of input. A line over MCP_MAX_LINE is answered as a parse error
 * and skipped.
 */
static int mcp__next_line(struct mcp_server *s, int timeout_ms, char **line, size_t *len)
{
	for (;;) {
		char *nl = s->in.len ? memchr(s->in.buf, '\n', s->in.len) : NULL;
		char buf[65536];
		struct pollfd p = { .fd = s->o.in_fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t l = (size_t)(nl - s->in.buf);
			int skip = s->skipping;

			s->skipping = 0;
			*line = xmalloc(l + 1);
			memcpy(*line, s->in.buf, l);
			(*line)[l] = '\0';
			memmove(s->in.buf, nl + 1, s->in.len - l - 1);
			s->in.len -= l + 1;
			s->in.buf[s->in.len] = '\0';
			*len = l && (*line)[l - 1] == '\r' ? l - 1 : l;
			if (!skip)
				return 1;
			free(*line);
			continue;
		}
		if (s->in.len > MCP_MAX_LINE) {
			if (!s->skipping)
				mcp__error(s, NULL, RPC_PARSE_ERROR, "parse error: a message over 4 MiB");
			s->skipping = 1;
			strbuf_reset(&s->in);
		}
		if (s->in_eof)
			return -1;
		n = poll(&p, 1, timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		n = read(s->o.in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			s->in_eof = 1;
			if (s->in.len && !s->skipping)
				strbuf_addch(&s->in, '\n');	/* a last message without its newline */
			continue;
		}
		strbuf_add(&s->in, buf, (size_t)n);
	}
}

int mcp_server_run(struct mcp_server *s)
{
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		char *line;
		size_t len;
		int rc;

		while (s->nqueue) {	/* what came in during the last call, in order */
			char *q = s->queue[0];

			memmove(s->queue, s->queue + 1, (s->nqueue - 1) * sizeof(*s->queue));
			s->nqueue--;
			mcp_server_handle(s, q, strlen(q));
			free(q);
		}
		rc = mcp__next_line(s, -1, &line, &len);
		if (rc < 0)
			return 0;
		if (rc > 0) {
			if (len)
				mcp_server_handle(s, line, len);
			free(line);
		}
	}
}
