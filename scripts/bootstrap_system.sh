#!/usr/bin/env bash
# Installs and starts what Entraide needs on a Debian/Ubuntu machine (root or sudo). Idempotent:
# a second run installs nothing and starts nothing that already runs.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_packages=()
pg_version=""
if [ -d /etc/postgresql ]; then
  pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
fi
if [ -z "${DATABASE_URL:-}" ] && [ -z "$pg_version" ]; then
  need_packages+=(postgresql postgresql-contrib)
fi

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if [ -n "$pg_version" ] && ! have "postgresql-${pg_version}-postgis-3"; then
  need_packages+=("postgresql-${pg_version}-postgis-3")
fi
# libpango, libpangoft2 and libharfbuzz-subset: WeasyPrint's libraries (CSR reports, certificates).
for package in gdal-bin libgdal-dev xmlsec1 libxmlsec1-dev pkg-config redis-server postgresql-client \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  have "$package" || need_packages+=("$package")
done
# npm brings the accessibility engine the browser tests inject (package.json).
command -v npm >/dev/null 2>&1 || need_packages+=(nodejs npm)
if [ "${ENTRAIDE_BROWSER:-1}" = "1" ] && ! have chromium; then
  need_packages+=(chromium)
fi

if [ ${#need_packages[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need_packages[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

# PostGIS for a cluster installed just now.
if [ -z "$pg_version" ] && [ -d /etc/postgresql ]; then
  pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
  have "postgresql-${pg_version}-postgis-3" || \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "postgresql-${pg_version}-postgis-3" >/dev/null
fi

if [ -z "${DATABASE_URL:-}" ] && [ -n "$pg_version" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "bootstrap: starting PostgreSQL ${pg_version}"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start || \
      $SUDO pg_ctlcluster "$pg_version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi

if [ -z "${REDIS_URL:-}" ] && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "bootstrap: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/entraide.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
