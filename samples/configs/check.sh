#!/usr/bin/env bash
# Syntax-checks every config here with the front server's own checker, each included from a throwaway wrapper in a
# temporary directory the way Debian's main config includes it. Starts nothing, binds nothing.
# Needs nginx, apache2, lighttpd, haproxy and caddy (Debian packages); a missing one is reported and skipped, or
# fails the run with --strict (as SampleConfigsIT runs it).
set -euo pipefail
strict=0
[ "${1:-}" = --strict ] && strict=1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

skip() {  # skip MESSAGE: a front server is missing
    if [ $strict = 1 ]; then echo "FAIL  $1"; failed=1; else echo "skip  $1"; fi
}

check() {  # check NAME COMMAND...: run it, show its output on failure
    if out=$("${@:2}" 2>&1); then
        echo "ok    $1"
    else
        echo "FAIL  $1"; echo "$out" | sed 's/^/      /'; failed=1
    fi
}

if command -v nginx >/dev/null; then
    mkdir -p "$work/nginx"
    # the relative "include fastcgi_params" resolves against the wrapper's directory, as against /etc/nginx
    ln -s /etc/nginx/fastcgi_params /etc/nginx/scgi_params "$work/nginx/"
    for conf in nginx-fastcgi nginx-scgi nginx-unix all; do
        if [ "$conf" = all ]; then includes=$(printf 'include %s;\n' "$here"/nginx-*.conf)
        else includes="include $here/$conf.conf;"; fi
        cat > "$work/nginx/$conf.nginx" <<CONF
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    $includes
}
CONF
        check "$conf.conf" nginx -t -q -p "$work/nginx" -c "$work/nginx/$conf.nginx"
    done
else
    skip "nginx-*.conf: nginx is not installed"
fi

if [ -x /usr/sbin/apache2 ]; then
    mkdir -p "$work/apache"
    m=/usr/lib/apache2/modules
    for conf in apache-fcgi apache-scgi apache-authorizer; do
        cat > "$work/apache/$conf.httpd" <<CONF
ServerRoot "$work/apache"
DefaultRuntimeDir "$work/apache"
PidFile "$work/apache/httpd.pid"
ErrorLog "$work/apache/error.log"
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule proxy_module $m/mod_proxy.so
LoadModule proxy_fcgi_module $m/mod_proxy_fcgi.so
LoadModule proxy_scgi_module $m/mod_proxy_scgi.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule authnz_fcgi_module $m/mod_authnz_fcgi.so
LoadModule headers_module $m/mod_headers.so
Include $here/$conf.conf
CONF
        check "$conf.conf" /usr/sbin/apache2 -t -f "$work/apache/$conf.httpd"
    done
else
    skip "apache-*.conf: apache2 is not installed"
fi

if command -v lighttpd >/dev/null; then
    mkdir -p "$work/lighttpd/www"
    for conf in lighttpd-fcgi lighttpd-scgi lighttpd-authorizer; do
        fastcgi=""
        # lighttpd-fcgi.conf depends on Debian's 10-fastcgi.conf, which loads mod_fastcgi
        [ "$conf" != lighttpd-scgi ] && fastcgi='server.modules += ( "mod_fastcgi" )'
        cat > "$work/lighttpd/$conf.lighttpd" <<CONF
server.document-root = "$work/lighttpd/www"
server.port = 80
$fastcgi
include "$here/$conf.conf"
CONF
        check "$conf.conf" lighttpd -tt -f "$work/lighttpd/$conf.lighttpd"
    done
else
    skip "lighttpd-*.conf: lighttpd is not installed"
fi

if command -v haproxy >/dev/null; then
    mkdir -p "$work/haproxy"
    # what Debian's /etc/haproxy/haproxy.cfg has before the sample is appended: global and defaults
    cat > "$work/haproxy/head.cfg" <<CONF
global
    log stderr format short local0
defaults
    mode http
    log global
    timeout connect 5s
    timeout client 50s
    timeout server 50s
CONF
    for conf in "$here"/haproxy-*.cfg; do
        check "$(basename "$conf")" haproxy -c -q -f "$work/haproxy/head.cfg" -f "$conf"
    done
else
    skip "haproxy-*.cfg: haproxy is not installed"
fi

if command -v caddy >/dev/null; then
    # caddy validate provisions the config; its state folders go to the throwaway directory, not to $HOME
    mkdir -p "$work/caddy"
    for conf in "$here"/*.Caddyfile; do
        check "$(basename "$conf")" env HOME="$work/caddy" XDG_CONFIG_HOME="$work/caddy" XDG_DATA_HOME="$work/caddy" \
            caddy validate --adapter caddyfile --config "$conf"
    done
else
    skip "*.Caddyfile: caddy is not installed"
fi

exit $failed
