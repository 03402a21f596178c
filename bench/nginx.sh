# Sourced by the bench scripts: starts Debian's nginx on loopback, one
# worker, serving a 17-byte static file, with its files under DIR.
#
#   . bench/nginx.sh; nginx_start "$tmp"
#   -> NGINX_PID (kill it at exit), NGINX_URL, NGINX_DESC
#
# DIR is made readable (0755): nginx's worker runs as nobody, and a mktemp -d
# directory (0700) would make it answer 403 to every request.
nginx_start() {
	local dir=$1 bin port
	bin=$(command -v nginx || echo /usr/sbin/nginx)
	port=$((20000 + RANDOM % 20000))
	mkdir -p "$dir/www" "$dir/logs"
	chmod 755 "$dir" "$dir/www"
	printf 'hello from nginx\n' >"$dir/www/index.html"
	cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $dir/cb; proxy_temp_path $dir/pt; fastcgi_temp_path $dir/ft;
	uwsgi_temp_path $dir/ut; scgi_temp_path $dir/st;
	server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
	"$bin" -p "$dir" -c "$dir/nginx.conf" &
	NGINX_PID=$!
	NGINX_URL=http://127.0.0.1:$port/index.html
	NGINX_DESC="nginx $("$bin" -v 2>&1 | sed 's/.*\///'), 1 worker, a 17-byte file"
	for _ in $(seq 50); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$NGINX_URL")" = 200 ] && return 0
		sleep 0.1
	done
	echo "bench: nginx does not answer 200 at $NGINX_URL (see $dir/logs/error.log)" >&2
	return 1
}
