#!/usr/bin/env bash
# Proves a reverse-proxy route to KestrelOneShot in one command:
#   samples/stage-route.sh haproxy     (or nginx, haproxy-tls, nginx-tls: TCP routes)
#   samples/stage-route.sh nginx-http  (or haproxy-http, caddy, apache: HTTP routes, --http;
#                                       nginx-http-tls, haproxy-http-tls, caddy-tls, apache-tls: the same, re-encrypted)
# It starts KestrelOneShot on 127.0.0.1:9999 (PROXY protocol required; TLS with a generated
# certificate for the -tls routes, which the proxy re-encrypts to), the proxy with the sample
# configuration in this folder, sends one message through the proxy, and prints the answer, the
# JSON report (who the proxy says the client was, how many health checks came first) and the exit code.
set -euo pipefail
proxy=${1:?usage: stage-route.sh haproxy|nginx|haproxy-tls|nginx-tls|nginx-http|haproxy-http|caddy|apache|nginx-http-tls|haproxy-http-tls|caddy-tls|apache-tls}
mode=(--proxy-protocol required)
case "$proxy" in
  # HTTPS to the backend: the one-shot proves the HTTP version ALPN chose and the client's address.
  haproxy-http-tls) mode=(--http --tls --expect-alpn h2 --expect-http-version 2 --expect-forwarded-for 127.0.0.1) ;;
  # The server name the proxy asks for when it re-encrypts: the client's Host, or the one it is given.
  nginx-http-tls|apache-tls) mode=(--http --tls --expect-sni route.test --expect-host route.test --expect-forwarded-for 127.0.0.1) ;;
  caddy-tls) mode=(--http --tls --alpn h2,http/1.1 --expect-sni route.test --expect-http-version 2 --expect-forwarded-for 127.0.0.1) ;;
  *-tls) mode+=(--tls) ;;
  # An HTTP route proves the Host, the client's address and the scheme the proxy forwards.
  nginx-http|haproxy-http|caddy|apache)
    mode=(--http --expect-host route.test --expect-forwarded-for 127.0.0.1 --expect-forwarded-proto http) ;;
esac
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
report="$work/report.json"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

listening() { grep -q ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp; }
wait_listening() {
  for _ in $(seq 1 600); do listening "$1" && return 0; sleep 0.05; done
  echo "error: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

dotnet build "$here/../src/KestrelOneShot" -v quiet -nologo >/dev/null
dotnet run --no-build --project "$here/../src/KestrelOneShot" -- \
  "${mode[@]}" --report "$report" --wait-timeout 60s &
app=$!
pids+=("$app")
wait_listening 9999

case "$proxy" in
  haproxy) haproxy -db -f "$here/haproxy.cfg" & front=8080 ;;
  nginx) nginx -p "$work" -c "$here/nginx-stream.conf" -e stderr & front=8081 ;;
  haproxy-tls) haproxy -db -f "$here/haproxy-tls.cfg" & front=8443 ;;
  nginx-tls) nginx -p "$work" -c "$here/nginx-stream-tls.conf" -e stderr & front=8444 ;;
  nginx-http) nginx -p "$work" -c "$here/nginx-http.conf" -e stderr & front=8082 ;;
  haproxy-http) haproxy -db -f "$here/haproxy-http.cfg" & front=8083 ;;
  caddy) XDG_DATA_HOME="$work" XDG_CONFIG_HOME="$work" caddy run --config "$here/Caddyfile" --adapter caddyfile & front=8084 ;;
  apache) apache2 -f "$here/apache-http.conf" -DFOREGROUND & front=8085 ;;
  haproxy-http-tls) haproxy -db -f "$here/haproxy-http-tls.cfg" & front=8086 ;;
  nginx-http-tls) nginx -p "$work" -c "$here/nginx-http-tls.conf" -e stderr & front=8087 ;;
  caddy-tls) XDG_DATA_HOME="$work" XDG_CONFIG_HOME="$work" caddy run --config "$here/Caddyfile-tls" --adapter caddyfile & front=8088 ;;
  apache-tls) apache2 -f "$here/apache-http-tls.conf" -DFOREGROUND & front=8089 ;;
  *) echo "error: unknown proxy '$proxy' (haproxy, nginx, haproxy-tls, nginx-tls, nginx-http, haproxy-http, caddy, apache, nginx-http-tls, haproxy-http-tls, caddy-tls or apache-tls)" >&2; exit 2 ;;
esac
pids+=("$!")
wait_listening "$front"
sleep 1 # Let a health check or two reach the backend first (HAProxy checks every 2 s from start).

case "$proxy" in
  nginx-http|haproxy-http|caddy|apache|nginx-http-tls|haproxy-http-tls|caddy-tls|apache-tls)
    echo "answer through $proxy: $(curl -sS -H 'Host: route.test' -d "route check from $(hostname)" "http://127.0.0.1:$front/api/hello")" ;;
  *)
    exec 3<>"/dev/tcp/127.0.0.1/$front"
    printf 'route check from %s\n' "$(hostname)" >&3
    echo "answer through $proxy: $(cat <&3)"
    exec 3<&- ;;
esac

status=0
wait "$app" || status=$?
cat "$report"; echo
echo "KestrelOneShot exit code: $status"
exit "$status"
