#!/bin/bash
# pe-httpd, the server the load generator's tests run against
# (tests/helpers/pe-httpd.c): every path's behaviour through curl and through
# raw sockets, keep-alive and pipelining, /stats, and a summary that counts
# exactly the requests this script made. No assertion on speed: a short wrk
# run only reports the requests/s it saw.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is not installed (scripts/install-deps.sh)"
HTTPD=$H/pe-httpd
[ -x "$HTTPD" ] || { echo "Bail out! no $HTTPD (make build-tests)"; exit 1; }

# Every server this script starts is killed on any exit.
SERVERS=
trap '_rc=$?; for _p in $SERVERS; do kill -KILL "$_p" 2>/dev/null; done; (exit $_rc); _tap_exit' EXIT

# start_server NAME ARGS...: starts pe-httpd -p 0 ARGS, stdout in $T/NAME.out and
# stderr in $T/NAME.err; sets SPID, and PORT from its first line (empty if none in 10 s).
start_server() {
	local name=$1
	shift
	"$HTTPD" -p 0 -T 120 "$@" >"$T/$name.out" 2>"$T/$name.err" &
	SPID=$!
	SERVERS="$SERVERS $SPID"
	PORT=
	wait_for 10 grep -q '^port [0-9][0-9]*$' "$T/$name.out" && PORT=$(sed -n '1s/^port //p' "$T/$name.out")
}

running() { # PID: it has not exited (a zombie has)
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
}

exited() { ! running "$SPID"; }

# wait_server SECONDS: waits for $SPID to exit, killing it after SECONDS; its status in SRC.
wait_server() {
	wait_for "$1" exited || kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" && SRC=0 || SRC=$?
}

# stop_server NAME: SIGTERM; the status in SRC, the summary line in $T/NAME.json.
stop_server() {
	kill -TERM "$SPID" 2>/dev/null
	wait_server 10
	tail -n 1 "$T/$1.out" >"$T/$1.json"
}

pattern() { # N: the first N bytes of any body, "abc...xyz" repeated
	yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1"
}

CURL=(curl -sS --noproxy '*' --max-time 10)
# get PATH [CURL-ARGS...]: GETs PATH; the body in $T/body and $BODY, curl's
# -w output (by default the status code) in $CODE, curl's exit status in $CRC.
get() {
	local path=$1
	shift
	CODE=$("${CURL[@]}" -o "$T/body" -w '%{http_code}' "$@" "http://127.0.0.1:$PORT$path" 2>"$T/curl.err") && CRC=0 || CRC=$?
	BODY=$(cat "$T/body" 2>/dev/null)
}

# raw REQUEST: sends REQUEST (backslash escapes as printf %b) on one
# connection and keeps all the bytes until the server closes (5 s at most)
# in $T/raw; the exit status (124: the server did not close) in $RRC.
raw() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1; printf "%b" "$1" >&3; cat <&3' \
		"$PORT" "$1" >"$T/raw" 2>/dev/null && RRC=0 || RRC=$?
}

# raw_is REQUEST EXPECTED DESC: the bytes raw REQUEST gets are exactly EXPECTED (%b escapes).
raw_is() {
	raw "$1"
	printf '%b' "$2" >"$T/expected"
	if [ "$RRC" = 0 ] && cmp -s "$T/raw" "$T/expected"; then
		pass "$3"
	else
		fail "$3" "exit status: $RRC" "got:" "$(od -c "$T/raw" | head -12)" "expected:" "$(od -c "$T/expected" | head -12)"
	fi
}

# made PATH-CLASS REQUESTS RESPONSES CONNECTIONS: what the server must count for a step.
declare -A PREQ PRESP
REQS=0 RESPS=0 CONNS=0
made() {
	PREQ[$1]=$((${PREQ[$1]:-0} + $2))
	PRESP[$1]=$((${PRESP[$1]:-0} + $3))
	REQS=$((REQS + $2)) RESPS=$((RESPS + $3)) CONNS=$((CONNS + $4))
}

# --- start ----------------------------------------------------------------------------
start_server main
[ -n "$PORT" ] || { echo "Bail out! pe-httpd -p 0 printed no port: $(cat "$T/main.err")"; exit 1; }
like "$(head -n 1 "$T/main.out")" '^port [0-9]+$' "-p 0: the first line on stdout is 'port N'"

# --- well-formed responses ---------------------------------------------------------------
get /
is "$CODE $BODY" "200 ok" "GET /: 200, body ok"
made default 1 1 1
get /no/such/path
is "$CODE $BODY" "200 ok" "an unknown path: 200, body ok"
made default 1 1 1
get /status/99
is "$CODE $BODY" "200 ok" "/status/99 (no status below 200) is an unknown path"
made default 1 1 1

get /size/0
is "$CODE $(wc -c <"$T/body")" "200 0" "/size/0: 200 and an empty body"
made size 1 1 1
pattern 12345 >"$T/p12345"
get /size/12345
is "$CODE" 200 "/size/12345: 200"
ok "/size/12345: the body is 12345 bytes of the pattern" cmp "$T/body" "$T/p12345"
made size 1 1 1
pattern 1000000 >"$T/p1000000"
get /size/1000000
ok "/size/1000000 (longer than the server's buffer): the body is exactly the pattern" cmp "$T/body" "$T/p1000000"
made size 1 1 1

pattern 2500 >"$T/p2500"
get /chunked/2500 -D "$T/hdr"
ok "/chunked/2500: curl decodes 2500 bytes of the pattern" cmp "$T/body" "$T/p2500"
like "$(tr -d '\r' <"$T/hdr")" '^Transfer-Encoding: chunked$' "/chunked/2500: Transfer-Encoding: chunked"
made chunked 1 1 1
P=$(cat "$T/p2500")
printf '3e8;pe=first\r\n%s\r\n3e8\r\n%s\r\n1f4\r\n%s\r\n0\r\n\r\n' "${P:0:1000}" "${P:1000:1000}" "${P:2000:500}" >"$T/chunks"
get /chunked/2500 --raw
ok "/chunked/2500 on the wire: chunks of 1000, 1000 and 500 bytes, an extension on the first" cmp "$T/body" "$T/chunks"
made chunked 1 1 1
get /chunked/0
is "$CODE $(wc -c <"$T/body")" "200 0" "/chunked/0: 200 and an empty body"
made chunked 1 1 1

get /status/404
is "$CODE $BODY" "404 x" "/status/404: 404, body x"
get /status/503
is "$CODE $BODY" "503 x" "/status/503: 503, body x"
get /status/204
is "$CODE $(wc -c <"$T/body")" "204 0" "/status/204: 204 and no body"
made status 3 3 3

get /head-ok -I
like "$(tr -d '\r' <"$T/body")" '^Content-Length: 1000$' "HEAD /head-ok: Content-Length: 1000"
is "$CRC $(sed -n '/^\r$/,$p' "$T/body" | wc -c)" "0 2" "HEAD /head-ok: no body after the headers, and curl is content"
get /head-ok
ok "GET /head-ok: 1000 bytes of the pattern" cmp "$T/body" <(pattern 1000)
made head-ok 2 2 2

get /big-header/70000 -D "$T/hdr"
is "$CODE $BODY" "200 ok" "/big-header/70000: 200 ok (curl allows 100 KiB of headers)"
is "$(sed -n 's/^X-Big: //p' "$T/hdr" | tr -d '\r\n' | wc -c)" 70000 "/big-header/70000: the X-Big value is 70000 bytes"
made big-header 1 1 1

# --- time ---------------------------------------------------------------------------------
get /delay/200 -w '%{http_code} %{time_total}'
is "${CODE% *} $BODY" "200 ok" "/delay/200: 200 ok"
num_ok "${CODE#* }" '>=' 0.2 "/delay/200 takes at least 0.2 s"
made delay 1 1 1

get /delay/1000 --max-time 0.3
is "$CRC" 28 "/delay/1000 with curl --max-time 0.3: curl times out"
made delay 1 0 1	# the server does not answer a client that has gone: the summary shows it

# /stall/1/1000 pauses every second of the uptime until it ends: the first
# response goes at a second's end, the second request arrives just after it
# and waits for the next second's end.
CODE=$("${CURL[@]}" -o "$T/s1" -o "$T/s2" -w '%{http_code} %{time_total}\n' \
	"http://127.0.0.1:$PORT/stall/1/1000" "http://127.0.0.1:$PORT/stall/1/1000" 2>"$T/curl.err")
is "$(printf '%s\n' "$CODE" | cut -d' ' -f1 | tr '\n' ' ')$(cat "$T/s1" "$T/s2")" "200 200 okok" "/stall/1/1000 twice: 200 ok twice"
num_ok "$(printf '%s\n' "$CODE" | sed -n '2s/.* //p')" '>=' 0.5 "/stall/1/1000: the second request waits for the end of the next second"
made stall 2 2 1
get /stall/1000000/1000
is "$CODE $BODY" "200 ok" "/stall/1000000/1000 (no pause for 11 days): 200 ok"
made stall 1 1 1

# --- faults ---------------------------------------------------------------------------------
get /close-mid
is "$CRC" 18 "/close-mid: curl reports a partial transfer (exit 18)"
is "$BODY" abcdefghij "/close-mid: the 10 bytes before the close"
made close-mid 1 0 1

get /bad-status
isnt "$CRC" 0 "/bad-status: curl fails"
raw_is 'GET /bad-status HTTP/1.1\r\nHost: x\r\n\r\n' 'HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' \
	"/bad-status: the status line is 'HTTP/1.1 2x0 OK', then the server closes"
made bad-status 2 0 2

get /bad-header
isnt "$CRC" 0 "/bad-header: curl fails ($(cat "$T/curl.err"))"
raw_is 'GET /bad-header HTTP/1.1\r\nHost: x\r\n\r\n' \
	'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Header-Without-Colon\r\nConnection: close\r\n\r\nok' \
	"/bad-header: a header line without a colon, then the server closes"
made bad-header 2 0 2

get /bad-chunk
isnt "$CRC" 0 "/bad-chunk: curl fails ($(cat "$T/curl.err"))"
raw_is 'GET /bad-chunk HTTP/1.1\r\nHost: x\r\n\r\n' \
	'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nok\r\n0\r\n\r\n' \
	"/bad-chunk: the chunk size zz, then the server closes"
made bad-chunk 2 0 2

CRC=0
"${CURL[@]}" --max-time 1 -o /dev/null "http://127.0.0.1:$PORT/never" 2>/dev/null || CRC=$?
is "$CRC" 28 "/never: curl --max-time 1 times out (exit 28)"
made never 1 0 1

get /reset
like "$CRC" '^(52|56)$' "/reset: curl sees the connection reset (exit 56, or 52 for an empty reply)"
made reset 1 0 1

raw_is 'GET /close HTTP/1.1\r\nHost: x\r\n\r\n' 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' \
	"/close: 200 ok with Connection: close, then the server closes"
made close 1 1 1

# --- connections ------------------------------------------------------------------------------
"${CURL[@]}" -o "$T/stats1.json" "http://127.0.0.1:$PORT/stats"
"${CURL[@]}" -o "$T/stats2.json" "http://127.0.0.1:$PORT/stats"
jq_ok "$T/stats1.json" '[.requests, .responses, .connections, .bytes_in, .bytes_out, .bad_requests, .paths.default.requests]|all(type == "number")' \
	"GET /stats: the JSON has the summary's keys"
ok "GET /stats is not counted: two in a row are the same" cmp "$T/stats1.json" "$T/stats2.json"
CODE=$("${CURL[@]}" -o "$T/k1" -o "$T/k2" -w '%{num_connects}\n' \
	"http://127.0.0.1:$PORT/" "http://127.0.0.1:$PORT/size/3" 2>"$T/curl.err")
is "$(printf '%s' "$CODE" | tr '\n' ' ') $(cat "$T/k1" "$T/k2")" "1 0 okabc" "keep-alive: curl with two URLs connects once and gets both"
made default 1 1 1
made size 1 1 0
"${CURL[@]}" -o "$T/stats3.json" "http://127.0.0.1:$PORT/stats"
is "$(jq -nc --slurpfile a "$T/stats2.json" --slurpfile b "$T/stats3.json" '[$b[0].connections - $a[0].connections, $b[0].requests - $a[0].requests]')" \
	'[1,2]' "keep-alive: the server counts 1 connection and 2 requests for them"

raw_is 'GET /size/5 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /status/404 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n' \
	'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcdeHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' \
	"pipelining: three requests in one write get their three responses in order (HEAD without a body)"
made size 1 1 1
made status 1 1 0
made default 1 1 0
raw_is 'POST /size/3 HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello worldGET /delay/1 HTTP/1.1\r\nConnection: close\r\n\r\n' \
	'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' \
	"a request body is read and dropped; the request after it is answered"
made size 1 1 1
made delay 1 1 0
raw_is 'GET / HTTP/1.0\r\n\r\n' 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok' \
	"HTTP/1.0 without keep-alive: the server closes after the response"
made default 1 1 1
raw_is 'NONSENSE\r\n\r\n' 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' \
	"a request line that cannot be parsed: 400, then the server closes"

# --- the summary ---------------------------------------------------------------------------------
stop_server main
is "$SRC" 0 "SIGTERM: exit 0"
S=$T/main.json
jq_is "$S" '[.requests, .responses, .connections, .bad_requests]' "[$REQS,$RESPS,$CONNS,1]" \
	"the summary counts the $REQS requests, $RESPS responses and $CONNS connections made, and 1 bad request"
declare -A PBODY=([size]=11)	# the one request body: "hello world", POSTed to /size/3 above
EXP=$(for k in "${!PREQ[@]}"; do printf '{"%s":{"requests":%d,"responses":%d,"body_bytes":%d}}\n' "$k" "${PREQ[$k]}" "${PRESP[$k]}" "${PBODY[$k]:-0}"; done | jq -cS -s add)
jq_is "$S" '.paths|to_entries|map(select(.value.requests > 0))|sort_by(.key)|from_entries|map_values(to_entries|sort_by(.key)|from_entries)' "$EXP" \
	"the summary counts each path's requests, responses and request body bytes"
jq_ok "$S" '(.paths|map(.requests)|add) == .requests and (.paths|map(.responses)|add) == .responses' "the paths add up to the totals"
jq_ok "$S" '.bytes_out > 1000000 and .bytes_in > 0' "bytes_out has the 1 MB body"

# --- exact bytes, -d, -T, -6, bad options ---------------------------------------------------------------
start_server bytes -t 1
IN='GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\nGET /close HTTP/1.1\r\n\r\n'
OUT='HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcdefghijHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'
raw 'GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\nGET /close HTTP/1.1\r\n\r\n'
like "$(cat "$T/raw")" '"requests": 1, "responses": 1, ' "/stats after a request on its connection sees that request and its response"
stop_server bytes
jq_is "$T/bytes.json" '[.requests, .bytes_in, .bytes_out]' "[2,$(printf '%b' "$IN" | wc -c),$(printf '%b' "$OUT" | wc -c)]" \
	"bytes_in and bytes_out are exact, without the bytes of /stats"

start_server d -d 1
wait_server 10
is "$SRC" 0 "-d 1: exits 0 by itself"
tail -n 1 "$T/d.out" >"$T/d.json"
jq_is "$T/d.json" '.requests' 0 "-d 1: prints the summary"

start_server tt -T 1
wait_server 10
is "$SRC" 0 "-T 1: exits by itself"
like "$(cat "$T/tt.err")" '-T 1 s' "-T 1: says so on stderr"

"$HTTPD" -t 0 >/dev/null 2>"$T/opt.err" && SRC=0 || SRC=$?
is "$SRC" 2 "-t 0: exit 2"
like "$(cat "$T/opt.err")" "^pe-httpd: -t '0': not an integer from 1 to 64$" "-t 0: says why"

if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	start_server v6 -6
	CODE=$("${CURL[@]}" -g -o "$T/body" -w '%{http_code}' "http://[::1]:$PORT/" 2>"$T/curl.err") || true
	is "$CODE $(cat "$T/body")" "200 ok" "-6: GET http://[::1]:PORT/ is 200 ok"
	kill -INT "$SPID"
	wait_server 10
	tail -n 1 "$T/v6.out" >"$T/v6.json"
	is "$SRC" 0 "SIGINT: exit 0"
	jq_is "$T/v6.json" '.requests' 1 "SIGINT: the summary counts the request"
else
	for d in "-6: GET http://[::1]:PORT/" "SIGINT: exit 0" "SIGINT: the summary"; do skip "$d" "no IPv6 loopback"; done
fi

# --- a short load: wrk for 2 s on 10 connections; the speed is reported, not asserted ---------------
if command -v wrk >/dev/null 2>&1; then
	start_server load
	timeout -k 5 20 wrk -t 2 -c 10 -d 2s "http://127.0.0.1:$PORT/" >"$T/wrk.out" 2>&1
	stop_server load
	diag "wrk -t 2 -c 10 -d 2s: $(sed -n 's/^Requests\/sec: *//p' "$T/wrk.out") requests/s"
	N=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$T/wrk.out")
	num_ok "${N:-0}" '>' 0 "wrk completed requests"
	jq_ok "$T/load.json" ".responses >= ${N:-0} and .requests >= .responses and .requests - .responses <= 10" \
		"the server completed at least wrk's $N responses, with at most one request in flight per connection"
	jq_is "$T/load.json" '.connections' 10 "the server saw wrk's 10 connections"
	unlike "$(cat "$T/wrk.out")" 'Non-2xx|Socket errors' "wrk saw no errors"
else
	for d in "wrk completed requests" "the server completed wrk's responses" "wrk's 10 connections" "wrk saw no errors"; do
		skip "$d" "wrk is not installed"
	done
fi

# Sanitizer reports, too, would be here.
is "$(cat "$T"/{main,bytes,d,v6,load}.err 2>/dev/null)" "" "no server wrote to stderr (but the one stopped by -T)"

done_testing
