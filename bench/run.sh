#!/usr/bin/env bash
# The benchmark, in one command (from anywhere):  bench/run.sh [--runs N] [--skip-handler] [--skip-flood] [--also "LABEL=AOT-BINARY;…"]
# Builds the C++ reference (g++ -O2), publishes Kestrel alone (bench/reference/BareKestrel) and
# KestrelOneShot as Native AOT, and KestrelOneShot framework-dependent,
# installs netcat-openbsd when it can, then prints:
#   1. the process table (start → accepts, start → exit after one exchange, round trip, peak RSS),
#      all servers interleaved run by run, with ratios to the C++ reference;
#   2. the probe flood against the AOT binary;
#   3. the handler over in-memory pipes with BenchmarkDotNet (time and allocated bytes per exchange).
# A benchmark, not a test: CI builds it but never times anything.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/artifacts/bench"
runs=20 handler=1 flood=1 also=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --skip-handler) handler=0; shift ;;
    --skip-flood) flood=0; shift ;;
    --also) also=(--aot-also "$2"); shift 2 ;;
    *) echo "usage: bench/run.sh [--runs N] [--skip-handler] [--skip-flood] [--also 'LABEL=AOT-BINARY;…']" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

# nc is one of the rows when it can be had (a fresh machine's package lists may be empty: update first).
command -v nc >/dev/null || { [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1 \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq netcat-openbsd >/dev/null 2>&1; } || true
g++ -O2 -o "$out/oneshot-reference" "$root/bench/reference/oneshot.cpp"
dotnet publish "$root/src/KestrelOneShot" -c Release -r linux-x64 -o "$out/aot" -nologo -v quiet
dotnet publish "$root/bench/reference/BareKestrel" -c Release -r linux-x64 -o "$out/bare" -nologo -v quiet
dotnet publish "$root/src/KestrelOneShot" -c Release -p:PublishAot=false -o "$out/fdd" -nologo -v quiet
dotnet build "$root/bench/KestrelOneShot.Bench" -c Release -nologo -v quiet
bench=("dotnet" "$root/bench/KestrelOneShot.Bench/bin/Release/net10.0/KestrelOneShot.Bench.dll")

echo "## Machine"
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r), .NET SDK $(dotnet --version), g++ $(g++ -dumpversion)"
echo
echo "## Start-up and shut-down"
nc_flag=(); command -v nc >/dev/null && nc_flag=(--nc)
"${bench[@]}" startup --runs "$runs" --reference "$out/oneshot-reference" "${nc_flag[@]}" --bare "$out/bare/BareKestrel" \
  --aot "$out/aot/KestrelOneShot" "${also[@]}" --fdd "$out/fdd/KestrelOneShot.dll"
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
