#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for `uwlr simulate --database-url …` (docs/simulate.md):
#   scripts/simulate-postgres.sh start DIR [PORT]   prints the URL of an empty database `uwlr`
#   scripts/simulate-postgres.sh stop DIR           stops it (then remove DIR)
# The cluster runs as `postgres` when started as root (PostgreSQL refuses root), trusts local
# connections, and trades durability for speed as the gateway tests' cluster does
# (fsync, synchronous_commit and full_page_writes off): for measuring, not for data. A 1 GB
# buffer cache and 4 GB of WAL between checkpoints, sized for the 6,000-school night.
set -euo pipefail
cmd=${1:?start or stop}; dir=${2:?a folder for the cluster}; port=${3:-55432}
bin=${UWLR_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
as=()
if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi
case $cmd in
start)
  mkdir -p "$dir" && chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  "${as[@]}" "$bin/initdb" -A trust -U uwlr -E UTF8 --no-sync -D "$dir/data" >"$dir/initdb.log"
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w start -o \
    "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=1GB -c max_wal_size=4GB" >/dev/null
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U uwlr uwlr
  echo "postgres://uwlr@127.0.0.1:$port/uwlr"
  ;;
stop)
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
  ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
