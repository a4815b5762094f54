#!/usr/bin/env bash
# Creates the local database and the PostGIS extension when DATABASE_URL is not set. Idempotent.
set -euo pipefail
if [ -n "${DATABASE_URL:-}" ]; then
  exit 0
fi
PSQL=(psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qtA)
if ! "${PSQL[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'entraide'" | grep -q 1; then
  echo "bootstrap: creating database entraide"
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE entraide"
fi
"${PSQL[@]}" -d entraide -c "CREATE EXTENSION IF NOT EXISTS postgis"
