#!/bin/bash
# perfeng load over HTTPS against nginx (Debian's, unprivileged, its own
# prefix in $T) on loopback, with certificates made here by the openssl CLI:
# a CA and a server certificate for localhost and 127.0.0.1 on PORT, and a
# self-signed one for other.example on PORT2. nginx's access log is the
# independent reference: one line per request it served, with the TLS
# connection's serial number ($connection), the SNI name it received, the
# protocol and whether the session was resumed. Every run is bounded (-n,
# --timeout, run_pe's own limit).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/../helpers/nginx.sh"
[ -x "$(nginx_bin)" ] || skip_all "no nginx (apt-get install nginx-light)"
command -v openssl >/dev/null || skip_all "no openssl CLI"
HTTPD=$H/pe-httpd
NPID=
SPID=
trap '_rc=$?; [ -n "$NPID" ] && kill "$NPID" 2>/dev/null; [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null; (exit $_rc); _tap_exit' EXIT

# --- certificates ---------------------------------------------------------------
ec() { echo "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"; }
# shellcheck disable=SC2046
openssl req -x509 $(ec) -keyout "$T/ca.key" -out "$T/ca.crt" -days 2 -subj /CN=perfeng-test-ca 2>/dev/null
# shellcheck disable=SC2046
openssl req $(ec) -keyout "$T/server.key" -out "$T/server.csr" -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext"
openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
	-out "$T/server.crt" -days 2 -extfile "$T/ext" 2>/dev/null
# shellcheck disable=SC2046
openssl req -x509 $(ec) -keyout "$T/self.key" -out "$T/self.crt" -days 2 -subj /CN=other.example \
	-addext subjectAltName=DNS:other.example 2>/dev/null
if ! [ -s "$T/server.crt" ] || ! [ -s "$T/self.crt" ]; then
	echo "Bail out! openssl could not make the certificates"
	exit 1
fi

# --- nginx on two free loopback ports ---------------------------------------------
mkdir -p "$T/www" "$T/logs"
printf 'hello over tls\n' >"$T/www/index.html"
chmod a+rx "$T" "$T/www"	# nginx's worker may run as another user (nobody, when we are root)
chmod a+r "$T/www/index.html"
start_nginx() {
	nginx_start "$T" "
	log_format pe '\$connection \$connection_requests sni=\$ssl_server_name \$ssl_protocol reused=\$ssl_session_reused \$request_method \$uri \$status';
	access_log $T/logs/access.log pe;
	ssl_protocols TLSv1.2 TLSv1.3;
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $T/server.crt;
		ssl_certificate_key $T/server.key;
		root $T/www;
		location = /close { keepalive_timeout 0; return 200 \"bye\\n\"; }
	}
	server {
		listen 127.0.0.1:$PORT2 ssl;
		ssl_certificate $T/self.crt;
		ssl_certificate_key $T/self.key;
		root $T/www;
	}"
	NPID=$NGINX_PID
}
for _ in 1 2 3 4 5 6 7 8; do
	PORT=$((20000 + RANDOM % 40000)); PORT2=$((PORT + 1))
	start_nginx
	for _ in $(seq 50); do
		curl -sf --cacert "$T/ca.crt" "https://localhost:$PORT/index.html" >/dev/null 2>&1 && break
		kill -0 "$NPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$NPID" 2>/dev/null && break
	NPID=
done
[ -n "$NPID" ] || { echo "Bail out! nginx did not start: $(tail -3 "$T/logs/start.err" "$T/logs/error.log")"; exit 1; }
LOG=$T/logs/access.log
: >"$LOG"
# the log lines since the mark, for the next assertions
mark() { MARK=$(wc -l <"$LOG"); }
new() { tail -n +$((MARK + 1)) "$LOG"; }
# settle N: nginx writes a request's log line after the response, so the
# last lines may come after perfeng has exited: wait (at most 5 s) for N.
settle() { wait_for 5 test "$(new | wc -l)" -ge "$1" || true; }
mark

# --- verified, SNI, keep-alive --------------------------------------------------------
run_pe load -c 5 -t 2 -n 500 --timeout 10s --cacert "$T/ca.crt" --json "https://localhost:$PORT/index.html"
rc_is 0 "https://localhost with --cacert: exit 0"
echo "$PE_OUT" >"$T/v.json"
jq_is "$T/v.json" '[.requests, .responses, .errors.tls, .errors.connect, .status["2xx"]]' '[500,500,0,0,500]' \
	"500 requests, 500 responses, all 2xx"
settle 500
is "$(new | wc -l)" 500 "nginx logged exactly 500 requests"
is "$(new | grep -c ' sni=localhost TLSv1.3 ')" 500 "every one came over TLSv1.3 with SNI localhost (\$ssl_server_name)"
is "$(new | awk '{print $1}' | sort -u | wc -l)" 5 "keep-alive: 5 connections (\$connection) carried them"
jq_is "$T/v.json" '[.tls.protocol, .tls.handshakes, .connections_opened]' '["TLSv1.3",5,5]' "JSON: TLSv1.3, 5 handshakes"
jq_ok "$T/v.json" '.tls.cipher | test("^TLS_")' "JSON: the cipher is named"
jq_ok "$T/v.json" '.bytes_in > 500 * 15' "bytes_in counts the response bytes"

mark
run_pe load -c 2 -n 20 --timeout 10s --cacert "$T/ca.crt" "https://127.0.0.1:$PORT/"
rc_is 0 "https://127.0.0.1 with --cacert: the certificate's IP address matches"
like "$PE_OUT" "TLSv1\.3, TLS_[A-Z0-9_]+ \(first connection\); 2 handshakes" "the summary names the protocol and cipher"
like "$PE_OUT" "errors: connect 0, tls 0," "the summary counts tls errors"
settle 20
is "$(new | grep -c ' sni=- ')" 20 "no SNI is sent for an IP address (RFC 6066): 20 requests without it"

# --- verification failures: exit 3, a clear message, no request served -----------------
mark
run_pe load -c 2 -n 6 --timeout 5s --json "https://localhost:$PORT/"
rc_is 3 "the system trust store does not know the test CA: exit 3"
like "$PE_ERR" "tls: certificate verify failed for localhost: unable to get local issuer certificate; use --cacert FILE or --insecure" \
	"the message says why and what to do"
echo "$PE_OUT" >"$T/f.json"
jq_is "$T/f.json" '[.responses, .errors.tls]' '[0,6]' "6 requests failed as tls errors"
is "$(new | wc -l)" 0 "nginx served none"

run_pe load -c 1 -n 3 --timeout 5s "https://localhost:$PORT2/"
rc_is 3 "a self-signed certificate: exit 3"
like "$PE_ERR" "tls: certificate verify failed for localhost: self-signed certificate; use --cacert FILE or --insecure" \
	"the message names the self-signed certificate"

run_pe load -c 1 -n 3 --timeout 5s --cacert "$T/self.crt" "https://localhost:$PORT2/"
rc_is 3 "trusted, but for another name: exit 3"
like "$PE_ERR" "tls: certificate verify failed for localhost: hostname mismatch" "wrong hostname: hostname mismatch"
run_pe load -c 1 -n 3 --timeout 5s --cacert "$T/self.crt" "https://127.0.0.1:$PORT2/"
rc_is 3 "trusted, but not for that address: exit 3"
like "$PE_ERR" "IP address mismatch" "wrong address: IP address mismatch"
run_pe load -c 1 -n 3 --timeout 5s --cacert "$T/ca.crt" "https://localhost:$PORT2/"
rc_is 3 "--cacert replaces the trust: another CA's certificate fails"

mark
run_pe load -c 2 -n 50 --timeout 5s --insecure --json "https://localhost:$PORT2/index.html"
rc_is 0 "--insecure: the self-signed server is measured"
echo "$PE_OUT" >"$T/i.json"
jq_is "$T/i.json" '[.responses, .errors.tls]' '[50,0]' "--insecure: 50 responses"
settle 50
is "$(new | wc -l)" 50 "nginx logged exactly 50"

# --- pipelining, the open model, reconnects with resumption --------------------------------
mark
run_pe load -c 2 -t 1 -n 400 --pipeline 8 --timeout 10s --cacert "$T/ca.crt" --json "https://localhost:$PORT/index.html"
rc_is 0 "--pipeline 8 over TLS: exit 0"
echo "$PE_OUT" >"$T/p.json"
jq_is "$T/p.json" '[.requests, .responses]' '[400,400]' "--pipeline 8: 400 requests, 400 responses"
settle 400
is "$(new | wc -l)" 400 "nginx logged exactly 400"
is "$(new | awk '{print $1}' | sort -u | wc -l)" 2 "on 2 connections"
is "$(new | awk '$2 == 200' | wc -l)" 2 "each connection carried 200 requests (\$connection_requests reaches 200 twice)"

mark
run_pe load -c 4 -n 100 -R 200 --timeout 10s --cacert "$T/ca.crt" --json "https://localhost:$PORT/index.html"
rc_is 0 "-R 200 over TLS: exit 0"
echo "$PE_OUT" >"$T/r.json"
jq_is "$T/r.json" '[.model, .requests, .responses, .latency.count]' '["open",100,100,100]' "open model: 100 requests at their intended times"
settle 100
is "$(new | wc -l)" 100 "nginx logged exactly 100"
jq_ok "$T/r.json" '.duration > 0.4' "100 requests at 200/s take about half a second"

mark
run_pe load -c 1 -n 20 --timeout 10s --cacert "$T/ca.crt" --json "https://localhost:$PORT/close"
rc_is 0 "Connection: close over TLS: exit 0"
echo "$PE_OUT" >"$T/c.json"
jq_is "$T/c.json" '[.responses, .connections_opened, .tls.handshakes]' '[20,20,20]' "20 responses on 20 connections"
settle 20
is "$(new | awk '{print $1}' | sort -u | wc -l)" 20 "nginx saw 20 connections"
is "$(new | grep -c 'reused=r')" 19 "nginx resumed 19 sessions (all but the first)"
jq_is "$T/c.json" '.tls.resumed' 19 "perfeng counts the same 19 resumed"

mark
printf 'GET /index.html\nHEAD /index.html\n' >"$T/reqs.txt"
run_pe load -c 2 -n 40 --timeout 10s --cacert "$T/ca.crt" --requests-file "$T/reqs.txt" --json "https://localhost:$PORT"
rc_is 0 "--requests-file with paths under an https:// URL: exit 0"
echo "$PE_OUT" >"$T/q.json"
jq_is "$T/q.json" '[.responses, .tls.handshakes]' '[40,2]' "40 responses on 2 TLS connections"
settle 40
is "$(new | awk '{print $6, $7, $8}' | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" "20 GET 20 HEAD " \
	"nginx logged 20 GET and 20 HEAD of /index.html"

# --- a server that does not speak TLS, bad set-ups ----------------------------------------------
"$HTTPD" -p 0 -T 60 >"$T/httpd.out" 2>"$T/httpd.err" &
SPID=$!
wait_for 10 grep -q '^port [0-9][0-9]*$' "$T/httpd.out"
HPORT=$(sed -n '1s/^port //p' "$T/httpd.out")
run_pe load -c 2 -n 4 --timeout 2s --connect-timeout 2s --json "https://127.0.0.1:$HPORT/"
rc_is 3 "https:// to a plain HTTP server: exit 3"
like "$PE_ERR" "tls: handshake with 127\.0\.0\.1 (failed|did not finish).*is the server speaking TLS on that port" \
	"the message says the handshake failed, and why it may have"
echo "$PE_OUT" >"$T/h.json"
jq_is "$T/h.json" '[.responses, .errors.tls]' '[0,4]' "4 tls errors, no hang"
kill -TERM "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
SPID=

run_pe load -n 1 --timeout 2s "https://127.0.0.1:1/"
rc_is 3 "https:// to a port nobody listens on: exit 3"
like "$PE_ERR" "cannot connect to 127\.0\.0\.1:1" "a refused connection is a connect error"

run_pe load -n 1 --cacert "$T/nonexistent.pem" "https://localhost:$PORT/"
rc_is 3 "--cacert FILE that does not exist: exit 3"
like "$PE_ERR" "--cacert: cannot read '.*nonexistent\.pem': No such file or directory" "the message names the file and why"
echo "not a certificate" >"$T/bad.pem"
run_pe load -n 1 --cacert "$T/bad.pem" "https://localhost:$PORT/"
rc_is 3 "--cacert FILE without a certificate: exit 3"
like "$PE_ERR" "--cacert: cannot load '.*bad\.pem': no certificate or crl found" "OpenSSL's reason"
run_pe load -n 1 --insecure "http://127.0.0.1:$PORT/"
rc_is 2 "--insecure with http://: usage error"

mkdir "$T/nolib"
: >"$T/nolib/libssl.so.3"	# an empty file where libssl should be
LD_LIBRARY_PATH=$T/nolib run_pe load -n 1 --cacert "$T/ca.crt" "https://localhost:$PORT/"
rc_is 3 "no usable libssl: exit 3"
like "$PE_ERR" "https needs OpenSSL \(libssl\.so\.3\).*install the libssl3 package" "the message names the library"
LD_LIBRARY_PATH=$T/nolib run_pe load -n 1 "http://127.0.0.1:1/"
like "$PE_ERR" "cannot connect" "plain http does not need libssl"

kill "$NPID" 2>/dev/null
wait "$NPID" 2>/dev/null
NPID=
done_testing
