# shellcheck shell=bash
# Finds or starts the PostgreSQL smsagent uses, and points DATABASE_URL at a database on it.
#
#   source scripts/lib/postgres.sh
#   use_database smsagent          # sets and exports DATABASE_URL
#
# In order: a DATABASE_URL already set (in the environment or .env) is used as it is; else a server
# listening on 127.0.0.1:5432 (trust auth, user postgres); else a private cluster under .pg/ in the project,
# started with the machine's PostgreSQL binaries, which are installed from Debian's packages if missing.

source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

PRIVATE_PG_PORT=${PRIVATE_PG_PORT:-54329}

pg_log() { echo "[postgres] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_postgres() {
  pg_log "PostgreSQL is not installed; installing Debian's postgresql package"
  apt_install postgresql || { pg_log "install PostgreSQL, or set DATABASE_URL to a server you have"; return 1; }
}

# Runs a PostgreSQL tool as a user it accepts: initdb and postgres refuse to run as root.
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_private_cluster() {
  local root=$1 bindir data
  bindir=$(pg_bindir) || { install_postgres && bindir=$(pg_bindir); } || return 1
  data="$root/.pg/data"
  mkdir -p "$root/.pg"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$root/.pg" --shell /usr/sbin/nologin postgres
    chown postgres: "$root/.pg"
    if ! runuser -u postgres -- test -w "$root/.pg"; then
      pg_log "the postgres user cannot reach $root/.pg; set DATABASE_URL to a server instead"
      return 1
    fi
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    pg_log "creating a private cluster in .pg/ with $bindir"
    as_pg_user "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! port_open 127.0.0.1 "$PRIVATE_PG_PORT"; then
    pg_log "starting the private cluster on 127.0.0.1:$PRIVATE_PG_PORT (log: .pg/server.log)"
    as_pg_user "$bindir/pg_ctl" -D "$data" -l "$root/.pg/server.log" -w \
      -o "-p $PRIVATE_PG_PORT -k $root/.pg -c listen_addresses=127.0.0.1" start >/dev/null
  fi
}

# Creates the database DATABASE_URL names if it does not exist, without migrating it.
create_database() {
  local psql server db
  psql=$(command -v psql || echo "$(pg_bindir)/psql")
  server=${DATABASE_URL%/*}
  db=${DATABASE_URL##*/}
  db=${db%%\?*}
  if [ -z "$("$psql" -d "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    "$psql" -q -d "$server/postgres" -c "CREATE DATABASE \"$db\""
  fi
}

# Sets DATABASE_URL to database $1 on the server found as above (the database itself may not exist yet).
use_database() {
  local name=$1 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  if [ -z "${DATABASE_URL:-}" ] && [ -f "$root/.env" ]; then
    DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' "$root/.env" | tail -n 1 | tr -d "\"'")
  fi
  if [ -n "${DATABASE_URL:-}" ]; then
    export DATABASE_URL
    return
  fi
  # On this machine TLS protects nothing and costs both sides CPU on every round trip (Postgres offers it,
  # and sqlx takes it by default), so it is turned off; a DATABASE_URL you set is used as it is.
  if port_open 127.0.0.1 5432; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$name?sslmode=disable"
    return
  fi
  start_private_cluster "$root" || return 1
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PRIVATE_PG_PORT/$name?sslmode=disable"
}
