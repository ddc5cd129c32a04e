#!/usr/bin/env bash
# Builds the one-shot's container image from this repository: the Native AOT binary and exactly the
# shared libraries it loads, in a FROM-scratch image (deploy/container/Containerfile).
#
#   deploy/container/build.sh [image]          # default image: kestreloneshot:latest
#
# Works with podman or docker (CONTAINER_ENGINE picks one; otherwise podman, then docker). The
# libraries are found, not listed: ldd gives what the binary links, and /proc/<pid>/maps of the
# binary serving TLS gives what .NET opens at run time (libssl, libcrypto). Prints the image's size
# by part at the end.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
image=${1:-kestreloneshot:latest}
engine=${CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}
[ -n "$engine" ] || { echo "error: neither podman nor docker is on PATH (or set CONTAINER_ENGINE)" >&2; exit 1; }

out=$repo/artifacts/container
rootfs=$out/rootfs
rm -rf "$out"
mkdir -p "$rootfs/app"

dotnet publish "$repo/src/KestrelOneShot" -c Release -r linux-x64 -o "$out/publish" -nologo -v quiet
binary=$out/publish/KestrelOneShot
cp "$binary" "$rootfs/app/KestrelOneShot"

# What the binary links: "name => /path (addr)" lines, and the interpreter as "/path (addr)".
linked=$(ldd "$binary")
interpreter=$(awk '$1 ~ /^\// { print $1 }' <<<"$linked")
library_dir=$(dirname "$(awk '$1 == "libc.so.6" { print $3 }' <<<"$linked")")

# What it opens at run time: everything mapped while it serves TLS (the certificate it generates at
# start needs OpenSSL), read before it is ended.
log=$out/tls-run.log
"$binary" --tls --port 0 --address 127.0.0.1 2>"$log" >/dev/null &
pid=$!
for _ in $(seq 200); do grep -q '^info: Listening on' "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
grep -q '^info: Listening on' "$log" || { kill "$pid" 2>/dev/null || true; echo "error: the binary did not start serving TLS: $(cat "$log")" >&2; exit 1; }
mapped=$(grep -o '/[^ ]*\.so[.0-9]*$' "/proc/$pid/maps" | sort -u)
kill -TERM "$pid"
wait "$pid" || true

# One copy of each library by name: the interpreter where the binary asks for it, the rest beside
# libc, where the dynamic loader searches without an ld.so.cache.
mkdir -p "$rootfs$(dirname "$interpreter")" "$rootfs$library_dir"
cp -L "$interpreter" "$rootfs$interpreter"
interpreter_name=$(basename "$(readlink -f "$interpreter")")
for library in $(awk '$2 == "=>" { print $3 }' <<<"$linked") $mapped; do
  name=$(basename "$library")
  [ "$name" = "$interpreter_name" ] || [ "$name" = "$(basename "$interpreter")" ] && continue
  [ -e "$rootfs$library_dir/$name" ] || cp -L "$library" "$rootfs$library_dir/$name"
done

version=$(dotnet msbuild "$repo/src/KestrelOneShot" -getProperty:VersionPrefix -nologo)
revision=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ] || revision="$revision-dirty"
source=$(git -C "$repo" config --get remote.origin.url 2>/dev/null || echo unknown)

"$engine" build --quiet -f "$repo/deploy/container/Containerfile" -t "$image" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source" "$out" >/dev/null

echo "image $image ($version, $revision): $("$engine" image inspect --format '{{.Size}}' "$image") bytes"
(cd "$rootfs" && find . -type f -printf '%s\t/%P\n' | sort -rn)
