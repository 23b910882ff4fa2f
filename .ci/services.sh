#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15, a streaming replica of it and Redis on loopback,
# run "$@" against them with DATABASE_URL, DATABASE_REPLICA_URL and REDIS_URL set,
# then stop all three and delete their data. The replica listens on PGPORT+1.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGPORT=${PGPORT:-54329}
REDISPORT=${REDISPORT:-63799}
REPLICAPORT=${REPLICAPORT:-$((PGPORT + 1))}
# Throw-away data lives in RAM (/dev/shm) when there is room: the suite creates and
# truncates tables thousands of times, and nothing here needs to survive a crash.
# SERVICES_DIR=/tmp keeps them on disk (make bench: a million entries, twice with the replica).
base=${SERVICES_DIR:-}
if [ -z "$base" ]; then
  base=/tmp
  [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')" -gt 2000000 ] 2>/dev/null && base=/dev/shm
fi
work=$(mktemp -d "$base/cuocthi-services.XXXXXX")
chmod 755 "$work"

as_pg() {
  # PostgreSQL refuses to run as root: use the "postgres" user when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  set +e
  [ -f "$work/replica/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$work/replica" -m immediate stop >/dev/null 2>&1
  [ -f "$work/pg/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$work" postgres
  chown postgres "$work"
fi
as_pg "$PGBIN/initdb" -D "$work/pg" -U cuocthi --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
# Streaming replication from loopback only (initdb's defaults say the same; written out
# so that the replica does not depend on them).
echo "host replication cuocthi 127.0.0.1/32 trust" | as_pg tee -a "$work/pg/pg_hba.conf" >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $work -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=replica -c max_wal_senders=4" start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U cuocthi cuocthi

# The replica: a base backup of the fresh cluster (a few MB, about a second) with -R,
# which writes primary_conninfo and standby.signal, then started as a hot standby.
# --no-sync here and for initdb: the data is thrown away, and their fsyncs took about 15 s of CI time here.
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U cuocthi -D "$work/replica" \
  -R -X stream --checkpoint=fast --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$work/replica" -l "$work/replica.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $REPLICAPORT -k $work -c fsync=off -c hot_standby=on" start >/dev/null

redis-server --port "$REDISPORT" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --dir "$work" --logfile "$work/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDISPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://cuocthi@127.0.0.1:$PGPORT/cuocthi"
export DATABASE_REPLICA_URL="postgres://cuocthi@127.0.0.1:$REPLICAPORT/cuocthi"
export REDIS_URL="redis://127.0.0.1:$REDISPORT/0"
export PGBIN PGPORT REPLICAPORT REDISPORT CUOCTHI_SERVICES_DIR="$work"
echo "services: PostgreSQL on 127.0.0.1:$PGPORT, its replica on 127.0.0.1:$REPLICAPORT, Redis on 127.0.0.1:$REDISPORT"
"$@"
