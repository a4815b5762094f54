#!/usr/bin/env bash
# `make image`: build the Dockerfile with podman into localhost/entraide:dev (ENTRAIDE_IMAGE).
# Installs podman if missing and makes sure the base image exists (scripts/image/base.sh).
# Pip inside the build uses this machine's CA bundle and package index (mounted for the RUN steps
# only; nothing of it lands in the image).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bash "$here/tools.sh"
# shellcheck source=scripts/image/podman.sh
source "$here/podman.sh"
bash "$here/base.sh"

work="$(mktemp -d /tmp/entraide-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
ca=/etc/ssl/certs/ca-certificates.crt
{
  echo "[global]"
  [ -f "$ca" ] && echo "cert = $ca"
  index="${PIP_INDEX_URL:-$(pip3 config get global.index-url 2>/dev/null || true)}"
  [ -n "$index" ] && echo "index-url = $index"
} > "$work/pip.conf"
mounts=(-v "$work/pip.conf:/etc/pip.conf:ro")
[ -f "$ca" ] && mounts+=(-v "$ca:$ca:ro")

started=$(date +%s)
# --format docker: the OCI format would drop the HEALTHCHECK.
pm build --format docker --pull=never --network host "${ULIMITS[@]}" "${mounts[@]}" \
  --label "org.opencontainers.image.revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)" \
  -t "$IMAGE" "$root"
seconds=$(( $(date +%s) - started ))
size=$(pm image inspect --format '{{.Size}}' "$IMAGE")
echo "image: $IMAGE built in ${seconds} s, $(( size / 1000000 )) MB (make image-test checks it)"
