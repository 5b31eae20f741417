#!/usr/bin/env bash
# Installs PostgreSQL 15 from Debian's packages (if missing), starts it, and creates the
# role `smartgate` (CREATEDB, so tests can make a database each) and the database
# `smartgate_ci`. Idempotent: safe to run again.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /usr/lib/postgresql/15 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql-15 >/dev/null
fi
if [ ! -d /etc/postgresql/15/main ]; then
    pg_createcluster 15 main >/dev/null
fi
pg_ctlcluster 15 main start 2>/dev/null || true
for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
# The API tests run in parallel, each on its own database with its own connection pool:
# PostgreSQL's default 100 connections run out ("remaining connection slots are reserved").
if [ "$(su postgres -c "psql -tAc 'SHOW max_connections'")" -lt 300 ]; then
    su postgres -c "psql -q -c 'ALTER SYSTEM SET max_connections = 300'"
    pg_ctlcluster 15 main restart
    for _ in $(seq 1 30); do
        pg_isready -h 127.0.0.1 -p 5432 -q && break
        sleep 1
    done
fi
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'smartgate') THEN
        CREATE ROLE smartgate LOGIN PASSWORD 'smartgate' CREATEDB;
    END IF;
END $$;
-- The tests drop their databases WITH (FORCE). An autovacuum worker that happens to be in
-- one then is a backend smartgate may not terminate without this ("must be a member of
-- the role whose process is being terminated or member of pg_signal_backend"), and the
-- test that owned the database failed in its teardown.
GRANT pg_signal_backend TO smartgate;
SQL
if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname = 'smartgate_ci'\"" | grep -q 1; then
    su postgres -c "createdb -O smartgate smartgate_ci"
fi
echo "PostgreSQL ready: postgres://smartgate:smartgate@127.0.0.1:5432/smartgate_ci"
