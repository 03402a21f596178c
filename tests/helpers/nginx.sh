#!/bin/bash
# Sourced by the tests and bench scripts that run Debian's nginx as a peer:
# nginx_start DIR HTTP_CONF writes DIR/nginx.conf (one worker, in the
# foreground, pid, error log and temporary files under DIR, so it runs
# unprivileged with its own prefix) with HTTP_CONF inside its http block
# (server blocks, logs), starts it in the background and sets NGINX_PID.
# The caller picks the ports and waits until they answer.
nginx_bin() {
	command -v nginx || echo /usr/sbin/nginx
}

nginx_start() {
	local dir=$1 conf=$2
	mkdir -p "$dir/logs"
	cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 4096; }
http {
	client_body_temp_path $dir/cb; proxy_temp_path $dir/pt; fastcgi_temp_path $dir/ft;
	uwsgi_temp_path $dir/ut; scgi_temp_path $dir/st;
	keepalive_requests 1000000;
$conf
}
CONF
	"$(nginx_bin)" -p "$dir" -c "$dir/nginx.conf" 2>>"$dir/logs/start.err" &
	# shellcheck disable=SC2034 # for the caller
	NGINX_PID=$!
}
