# Sourced by the bench scripts: starts Debian's nginx on loopback, one
# worker, serving a 17-byte static file over http or https (a self-signed
# certificate for 127.0.0.1), with its files under DIR.
#
#   . bench/nginx.sh; nginx_static "$tmp" [http|https]
#   -> NGINX_PID (kill it at exit), NGINX_URL, NGINX_DESC
#
# DIR is made readable (0755): nginx's worker runs as nobody, and a mktemp -d
# directory (0700) would make it answer 403 to every request.
. "$(dirname "${BASH_SOURCE[0]}")/../tests/helpers/nginx.sh"

nginx_static() {
	local dir=$1 scheme=${2:-http} port listen
	port=$((20000 + RANDOM % 20000))
	mkdir -p "$dir/www"
	chmod 755 "$dir" "$dir/www"
	printf 'hello from nginx\n' >"$dir/www/index.html"
	chmod 644 "$dir/www/index.html"
	listen="listen 127.0.0.1:$port;"
	if [ "$scheme" = https ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/key.pem" \
			-out "$dir/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
		listen="listen 127.0.0.1:$port ssl; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem;"
		listen="$listen ssl_protocols TLSv1.2 TLSv1.3;"
	fi
	nginx_start "$dir" "	access_log off;
	server { $listen root $dir/www; }"
	NGINX_URL=$scheme://127.0.0.1:$port/index.html
	NGINX_DESC="nginx $("$(nginx_bin)" -v 2>&1 | sed 's/.*\///'), 1 worker, a 17-byte file"
	for _ in $(seq 50); do
		[ "$(curl -sk -o /dev/null -w '%{http_code}' "$NGINX_URL")" = 200 ] && return 0
		sleep 0.1
	done
	echo "bench: nginx does not answer 200 at $NGINX_URL (see $dir/logs/error.log)" >&2
	return 1
}
