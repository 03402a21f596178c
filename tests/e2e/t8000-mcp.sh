#!/bin/bash
# perfeng mcp: the Model Context Protocol server, driven by the official
# TypeScript SDK's client (@modelcontextprotocol/sdk 1.32.2, installed from
# npm into tests/helpers/mcp-js by `npm ci`; tests/helpers/mcp-js/drive.mjs):
# the tools and their schemas (compiled by ajv), calls of bench, compare,
# model, diagnose, profile, observe and load checked against the CLI's
# --json for the same inputs, progress notifications, a cancel mid-way
# through a long load, resources, tool errors. Then the protocol by hand:
# version negotiation, malformed messages and a client that goes away.
. "$(dirname "$0")/lib.sh"

HTTPD=$H/pe-httpd
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }
js_deps mcp-js @modelcontextprotocol/sdk
SPID=
trap '_rc=$?; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT
httpd_start
export PERFENG_STORE=$T/store.db
printf 'load,throughput\n1,64.9\n18,995.9\n36,1652.4\n72,1853.2\n108,1828.9\n144,1775.0\n216,1702.2\n' >"$T/spec.csv"
mkdir "$T/o"

# no perfeng load left running (bounded wait: the cancelled run ends on SIGINT)
no_load_left() {
	for _ in $(seq 1 100); do
		pgrep -f "$PERFENG_BIN load --json" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

OUT=$T/o BURN=$H/pe-burn HEAP=$H/pe-heap LOCKS=$H/pe-locks URL=$U/ CSV=$T/spec.csv timeout -k 5 240 node "$JS/drive.mjs" >"$T/drive.out" 2>"$T/drive.err"
is "$?" 0 "the SDK client's session ends normally" || diag "$(tail -20 "$T/drive.err")"
O=$T/o
jq_is "$O/steps.json" '[to_entries[] | select(.value != "ok") | .key]' '["unknown_tool"]' "every step but the unknown tool succeeded"

# --- connect and tools ----------------------------------------------------------------------------
jq_is "$O/connect.json" '.server.name' '"perfeng"' "initialize: serverInfo names perfeng"
jq_ok "$O/connect.json" '.capabilities.tools and .capabilities.resources' "it offers tools and resources"
jq_is "$O/tools.json" '.names' '["bench","load","profile","diagnose","heap","locks","observe","compare","history","runs_list","run_show","report","model"]' \
	"tools/list: the tools"
jq_is "$O/tools.json" '.bad' '[]' "every input and output schema compiles (ajv)"
# the schemas come from the commands' option tables (--help=json), so they cannot drift
"$PERFENG_BIN" bench --help=json >"$T/bench-help.json"
jq_is "$T/bench-help.json" '.usage' '"perfeng bench [options] <command>..."' "bench --help=json: the usage"
is "$(jq -r '.tools[] | select(.name == "bench") | .inputSchema.properties.warmup.description' "$O/tools.json")" \
	"$(jq -r '.options[] | select(.long == "warmup") | .help' "$T/bench-help.json") (perfeng's --warmup <N>)" \
	"bench's warmup: the option table's help text"
jq_is "$O/tools.json" '[.tools[] | select(.name == "bench") | .inputSchema.properties | has("json", "quiet", "runs", "export-json", "commands", "max_seconds")]' \
	'[false,false,true,true,true,true]' "bench: the table's options but json and quiet, the commands, max_seconds"
jq_is "$O/tools.json" '[.tools[] | select(.name == "load") | .inputSchema.properties | has("metrics", "requests-file", "rate", "url")]' \
	'[false,false,true,true]' "load: no --metrics server, no requests file (its hosts are not checked)"
jq_is "$O/tools.json" '.tools[] | select(.name == "load") | .inputSchema.properties.max_seconds.maximum' 300 "load: at most 300 s a call"
jq_is "$O/tools.json" '[.tools[] | .inputSchema.additionalProperties] | unique' '[false]' "no tool takes arguments it does not know"

# --- calls, against the CLI's --json -----------------------------------------------------------------
jq_is "$O/bench.json" '.isError' false "bench: a result"
jq_is "$O/bench.json" '.structuredContent.result.results[0].times | length' 5 "bench runs: 5"
jq_is "$O/bench.json" '.structuredContent.command_line' '"perfeng bench --json --runs=5 --save=mcp -N true"' \
	"bench: the command line, without a shell (-N)"
"$PERFENG_BIN" bench --json -N -r 5 true >"$T/bench-cli.json" 2>/dev/null
is "$(jq -c '.structuredContent.result | [paths | map(tostring) | join(".")] | map(select(test("\\.[0-9]+($|\\.)") | not)) | sort' "$O/bench.json")" \
	"$(jq -c '[paths | map(tostring) | join(".")] | map(select(test("\\.[0-9]+($|\\.)") | not)) | sort' "$T/bench-cli.json")" \
	"bench: the same JSON as the CLI's (every key)"
is "$(jq -S -c .structuredContent.result "$O/compare.json")" \
	"$("$PERFENG_BIN" compare --json 'mcp@latest~1' mcp@latest 2>/dev/null | jq -S -c .)" "compare: exactly the CLI's JSON"
is "$(jq -S -c .structuredContent.result "$O/model.json")" "$("$PERFENG_BIN" model --json "$T/spec.csv" | jq -S -c .)" \
	"model: exactly the CLI's JSON"
# a spinning thread: cpu-bound, or cpu-starved when the tests beside it take the CPUs
jq_ok "$O/diagnose.json" '.structuredContent.result.verdict.name | IN("cpu-bound", "cpu-starved")' "diagnose pe-burn: a CPU verdict"
"$PERFENG_BIN" diagnose --json -- "$H/pe-burn" 1 100 >"$T/diag-cli.json" 2>/dev/null
is "$(jq -c '.structuredContent.result | keys' "$O/diagnose.json")" "$(jq -c 'keys' "$T/diag-cli.json")" \
	"diagnose: the keys of the CLI's JSON"
jq_is "$O/profile.json" '.result.structuredContent.result.top_functions[0].function' '"burn"' "profile pe-burn: burn on top"
jq_ok "$O/profile.json" '.result.structuredContent.workload_output | test("^cpu_ms [0-9]+\n$")' \
	"what the program printed (cpu_ms N) is kept apart from perfeng's JSON"
jq_is "$O/profile.json" '.svg_mime' '"image/svg+xml"' "its flame graph is a resource, image/svg+xml"
like "$(jq -r .svg_start "$O/profile.json")" '^<\?xml' "and reads as an SVG document"
jq_ok "$O/observe.json" '.structuredContent.result | type == "array" and length >= 2' "observe 2 intervals: its JSON Lines as an array"
jq_is "$O/heap.json" '.structuredContent.result | [.allocations, .leaked_bytes]' '[1115,3000]' "heap pe-heap: its exact counts"
jq_is "$O/locks.json" '.structuredContent.result | [.acquisitions, .locks[0].kind]' '[21,"mutex"]' "locks pe-locks 2 10: 21 acquisitions of a mutex"
jq_is "$O/load.json" '.structuredContent.result.requests' 200 "load -n 200: 200 requests"
jq_is "$O/load.json" '.structuredContent.result.responses' 200 "and 200 responses"

# --- progress and cancel ----------------------------------------------------------------------------
jq_ok "$O/cancel.json" '.progress | length >= 2' "a long load sends progress notifications"
jq_ok "$O/cancel.json" '.progress | (.[1].progress > .[0].progress) and (.[0].total == 30)' \
	"progress grows, out of the 30 s bound"
like "$(jq -r .err "$O/cancel.json")" 'enough' "the client cancelled the call"
jq_is "$O/cancel.json" '.after' '{}' "the server answers a ping after the cancel"
ok "the cancelled load is stopped: no perfeng load left" no_load_left
jq_is "$O/cancel.json" '.kept.exit_code' 130 "what it measured is kept as perfeng://cancelled/1: stopped as at Ctrl-C (130)"
jq_ok "$O/cancel.json" '.kept.result.responses > 0 and .kept.result.requests >= .kept.result.responses' \
	"with the responses counted until the cancel"

# --- tool errors ---------------------------------------------------------------------------------------
jq_is "$O/load_refused.json" '.isError' true "load to a host not allowed: a tool error"
like "$(jq -r '.content[0].text' "$O/load_refused.json")" "load targets only loopback .*192\.0\.2\.1" "which says why"
like "$(jq -r '.content[0].text' "$O/bad_type.json")" "argument 'commands' is required: an array" "a wrong argument type: said"
like "$(jq -r '.content[0].text' "$O/bad_arg.json")" "tool bench has no argument 'nonsense'" "an unknown argument: said"
jq_is "$O/unknown_tool.json" '.code' -32602 "an unknown tool: JSON-RPC invalid params (-32602)"

# --- resources ----------------------------------------------------------------------------------------
jq_ok "$O/resources.json" '[.resources[].uri] | index("perfeng://runs/1") and index("perfeng://flamegraphs/1")' \
	"resources/list: the saved runs and the flame graph"
is "$(jq -r '.read.contents[0].text' "$O/resources.json" | jq -S -c .)" "$("$PERFENG_BIN" runs show 1 --json | jq -S -c .)" \
	"resources/read perfeng://runs/1: exactly runs show 1 --json"
jq_is "$O/resources.json" '.missing.code' -32002 "an unknown run: resource not found (-32002)"

# --- the protocol by hand --------------------------------------------------------------------------------
# rpc LINES...: each line to perfeng mcp, its answers (one JSON per line) into $T/rpc.out
rpc() { printf '%s\n' "$@" | timeout -k 5 30 "$PERFENG_BIN" mcp >"$T/rpc.out" 2>"$T/rpc.err"; }
init() { printf '{"jsonrpc":"2.0","id":%s,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' "$1" "$2"; }
rpc "$(init 1 2025-06-18)" "$(init 2 2025-03-26)" "$(init 3 2025-11-25)" "$(init 4 1999-01-01)"
is "$(jq -r .result.protocolVersion "$T/rpc.out" | tr '\n' ' ')" "2025-06-18 2025-03-26 2025-11-25 2025-11-25 " \
	"initialize: the client's revision when supported, else the latest"
rpc 'not json' '[{"jsonrpc":"2.0","id":1,"method":"ping"}]' '{"id":2,"method":"ping"}' '{"jsonrpc":"2.0","id":3,"method":"nope"}' \
	'{"jsonrpc":"2.0","method":"nope/notification"}' '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}' \
	'{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"bench","arguments":[1]}}' \
	'{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"x"}' \
	'{"jsonrpc":"2.0","id":"last","method":"ping"}'
is "$?" 0 "malformed input does not stop the server: exit 0 at the end of input"
is "$(jq -c '[.id, .error.code]' "$T/rpc.out" | tr '\n' ' ')" \
	'[null,-32700] [null,-32600] [2,-32600] [3,-32601] [null,-32600] [5,null] [6,-32600] ["last",null] ' \
	"parse error, batch, no jsonrpc, unknown method, bad id, bad params: the standard codes; no answer to a notification"
jq_is "$T/rpc.out" 'select(.id == 5) | .result.isError' true "arguments that are not an object: a tool error"
jq_is "$T/rpc.out" 'select(.id == "last") | .result' '{}' "and the last ping is answered"
# a client that goes away in the middle of a long call: the load is stopped, the server ends
# (the client stays until the load is seen running, so the check below can fail)
load_running() { for _ in $(seq 1 100); do pgrep -f "$PERFENG_BIN load --json" >/dev/null && return 0; sleep 0.1; done; return 1; }
(printf '%s\n' "$(init 1 2025-11-25)" \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"load\",\"arguments\":{\"url\":\"$U/\",\"duration\":\"60s\"}}}"
	load_running && touch "$T/seen") | timeout -k 5 30 "$PERFENG_BIN" mcp >"$T/gone.out" 2>"$T/gone.err"
is "$?" 0 "a client gone mid-call: the server ends (exit 0), not after the 60 s load"
ok "the load was running while the client was there" test -f "$T/seen"
ok "and it is stopped once the client is gone" no_load_left
# a message over 4 MiB is a parse error, and the next one is served
{ printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"'; head -c 5000000 /dev/zero | tr '\0' a; printf '"}}\n'
  printf '{"jsonrpc":"2.0","id":2,"method":"ping"}\n'; } | timeout -k 5 30 "$PERFENG_BIN" mcp >"$T/big.out" 2>&1
is "$(jq -c '[.id, .error.code]' "$T/big.out" | tr '\n' ' ')" '[null,-32700] [2,null] ' "a message over 4 MiB: a parse error, then the next is answered"
run_pe mcp extra
rc_is 2 "mcp takes no arguments: exit 2"

done_testing
