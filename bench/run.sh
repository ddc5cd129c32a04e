#!/usr/bin/env bash
# The benchmark, in one command (from anywhere):  bench/run.sh [--runs N] [--skip-handler] [--skip-flood] [--skip-http] [--also "LABEL=AOT-BINARY [SWITCH ...];…"]
# Installs what it needs when it can (g++/gcc, OpenSSL's headers, netcat-openbsd, perf), builds the
# C++ reference (g++ -O2) and the native start-up harness (bench/harness/startup.c), publishes
# Kestrel alone (bench/reference/BareKestrel) and KestrelOneShot as Native AOT, and KestrelOneShot
# framework-dependent, then prints:
#   1. the process table (start → accepts, start → exit after one exchange, round trip, peak RSS,
#      CPU time, and the harness's own CPU time per run), all servers interleaved run by run, with
#      ratios to the C++ reference and to Kestrel alone, then the harness check: its CPU over the
#      whole run, and the C++ reference timed by perf stat around the same binary;
#   2. the probe flood against the AOT binary;
#   3. the handler over in-memory pipes with BenchmarkDotNet (time and allocated bytes per exchange);
#   4. in-memory Kestrel for HTTP apps (samples/HttpApp) against TestServer and loopback sockets:
#      per test (factory, start, one GET, dispose) and per request (HTTP/1.1 and h2c), interleaved;
#      then samples/System (a YARP gateway, Orders, Billing) in memory by name against the same
#      three apps on loopback sockets, per test and per request through the gateway.
# --also adds rows for other builds or switches of the AOT binary (a server given --tls is talked
# to over TLS). Paths must not contain spaces (the harness splits a server's command on them).
# A benchmark, not a test: CI builds the .NET projects but never times anything.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/artifacts/bench"
runs=20 handler=1 flood=1 http=1 also=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --skip-handler) handler=0; shift ;;
    --skip-flood) flood=0; shift ;;
    --skip-http) http=0; shift ;;
    --also) also=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--runs N] [--skip-handler] [--skip-flood] [--skip-http] [--also 'LABEL=AOT-BINARY [SWITCH ...];…']" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

# A fresh machine's package lists may be empty: update first. nc and perf are rows of their own
# (the table and the check go on without them); the compilers and OpenSSL's headers are required.
missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v gcc >/dev/null || missing+=(gcc)
[ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
command -v nc >/dev/null || missing+=(netcat-openbsd)
command -v perf >/dev/null || missing+=(linux-perf)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || true
fi
g++ -O2 -o "$out/oneshot-reference" "$root/bench/reference/oneshot.cpp"
gcc -O2 -Wall -Wextra -Werror -o "$out/startup" "$root/bench/harness/startup.c" -lssl -lcrypto -lm
dotnet publish "$root/src/KestrelOneShot" -c Release -r linux-x64 -o "$out/aot" -nologo -v quiet
dotnet publish "$root/bench/reference/BareKestrel" -c Release -r linux-x64 -o "$out/bare" -nologo -v quiet
dotnet publish "$root/bench/reference/MinimalHttp" -c Release -r linux-x64 -o "$out/minimal" -nologo -v quiet
dotnet publish "$root/src/KestrelOneShot" -c Release -p:PublishAot=false -o "$out/fdd" -nologo -v quiet
dotnet build "$root/bench/KestrelOneShot.Bench" -c Release -nologo -v quiet
bench=("dotnet" "$root/bench/KestrelOneShot.Bench/bin/Release/net10.0/KestrelOneShot.Bench.dll")

echo "## Machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r), .NET SDK $(dotnet --version), g++ $(g++ -dumpversion)"
echo
echo "## Start-up and shut-down"
servers=("ref:C++ reference (g++ -O2)=$out/oneshot-reference {port}")
command -v nc >/dev/null && servers+=("nc -l -N (netcat-openbsd)=nc -l -N 127.0.0.1 {port}")
servers+=("bare:Kestrel alone (bench/reference/BareKestrel, Native AOT)=$out/bare/BareKestrel --port {port}"
  "KestrelOneShot, Native AOT=$out/aot/KestrelOneShot --port {port}")
IFS=';' read -ra others <<<"$also"
for other in "${others[@]}"; do
  label=${other%%=*} command=${other#*=}
  read -ra words <<<"$command"
  tls=""; [[ " ${words[*]:1} " == *" --tls "* ]] && tls="tls:"
  servers+=("${tls}KestrelOneShot, Native AOT, $label=${words[0]} --port {port} ${words[*]:1}")
done
servers+=("KestrelOneShot, framework-dependent=dotnet $out/fdd/KestrelOneShot.dll --port {port}"
  # HTTP mode against what an ASP.NET Core user writes for it (the harness POSTs the message).
  "http:Minimal API (bench/reference/MinimalHttp, Native AOT)=$out/minimal/MinimalHttp --port {port}"
  "http:KestrelOneShot --http, Native AOT=$out/aot/KestrelOneShot --http --port {port}")
"$out/startup" --runs "$runs" "${servers[@]}"

# An independent clock around the C++ reference: perf stat runs it, the harness is only its client.
if command -v perf >/dev/null && perf stat -e task-clock -o /dev/null true 2>/dev/null; then
  port=$("$out/startup" --free-port)
  "$out/startup" --client "$port" --runs "$runs" &
  client=$!
  timeout 120 perf stat -r "$runs" -o "$out/perf-reference.txt" -- "$out/oneshot-reference" "$port" >/dev/null
  wait "$client"
  echo "C++ reference under perf stat -r $runs (its own clock, the harness only its client):" \
    "$(awk '/time elapsed/ {printf "mean %.2f ms (± %.2f)", $1 * 1000, $3 * 1000}' "$out/perf-reference.txt") exec → exit."
else
  echo "perf is not available here: the C++ reference's cross-check was not run."
fi
if [ "$flood" = 1 ]; then
  echo
  echo "## Probe flood (AOT binary)"
  "${bench[@]}" flood --aot "$out/aot/KestrelOneShot" --probes 1000 --seconds 10
fi
if [ "$handler" = 1 ]; then
  echo
  echo "## The handler over in-memory pipes (BenchmarkDotNet)"
  (cd "$out" && "${bench[@]}" handler --filter '*' --exporters github 2>&1 | sed -n '/^| Method/,/^$/p')
fi
if [ "$http" = 1 ]; then
  echo
  echo "## In-memory Kestrel for HTTP apps (samples/HttpApp)"
  # WebApplicationFactory finds the app's content root from the manifest beside the program.
  (cd "$(dirname "${bench[1]}")" && "${bench[@]}" http --rounds 10 --starts 20 --requests 4000)
  echo
  echo "## A whole system in memory (samples/System: gateway, Orders, Billing)"
  (cd "$(dirname "${bench[1]}")" && "${bench[@]}" system --rounds 6 --starts 5 --requests 2000)
fi
