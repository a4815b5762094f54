#!/usr/bin/env bash
# Makes sure the Dockerfile's base image exists locally. Where a registry answers, it is pulled;
# where none does (the project's machines and CI), a stand-in with the same name is built from
# Debian bookworm itself: debootstrap (minbase) + Debian's Python 3.11. The stand-in weighs
# ~170 MB more than the official image (Debian's Python and its standard library packages);
# scripts/image/test.sh reports the difference when it prints the size.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=scripts/image/podman.sh
source "$here/podman.sh"

if pm image exists "$BASE_IMAGE"; then exit 0; fi
if [ "${ENTRAIDE_IMAGE_PULL:-0}" = "1" ] && pm pull -q "$BASE_IMAGE" >/dev/null 2>&1; then exit 0; fi

work="$(mktemp -d /tmp/entraide-base.XXXXXX)"
trap 'rm -rf "$work" "$work.log"' EXIT
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
echo "image: building a stand-in for $BASE_IMAGE from $mirror (debootstrap, ~2 min)"
if ! pm image exists localhost/debian:bookworm-minbase; then
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >/dev/null
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/*.bin
  tar -C "$work/rootfs" -c . | pm import -q - localhost/debian:bookworm-minbase >/dev/null
  rm -rf "$work/rootfs"
fi
mkdir -p "$work/ctx"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$work/ctx/debian.sources"
else
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$mirror" \
    > "$work/ctx/debian.sources"
fi
cat > "$work/ctx/Containerfile" <<'CONTAINERFILE'
FROM localhost/debian:bookworm-minbase
ENV LANG=C.UTF-8 PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
COPY debian.sources /etc/apt/sources.list.d/debian.sources
RUN rm -f /etc/apt/sources.list && apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip ca-certificates netbase tzdata \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/lib/python3.11/EXTERNALLY-MANAGED \
 && ln -s /usr/bin/python3 /usr/local/bin/python && ln -s /usr/bin/python3 /usr/local/bin/python3 \
 && ln -s /usr/bin/pip3 /usr/local/bin/pip && ln -s /usr/bin/pip3 /usr/local/bin/pip3
LABEL org.entraide.stand-in="true"
CMD ["python3"]
CONTAINERFILE
pm build --pull=never --network host "${ULIMITS[@]}" -t "$BASE_IMAGE" "$work/ctx" > "$work.log" 2>&1 || { tail -40 "$work.log"; exit 1; }
echo "image: stand-in base ready"
