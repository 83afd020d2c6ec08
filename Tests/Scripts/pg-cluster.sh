# shellcheck shell=bash
# A private PostgreSQL cluster on loopback for the test and benchmark scripts: Debian's newest
# server binaries, initdb/pg_ctl under a scratch directory, run as the unprivileged `postgres` user
# when we are root, no systemd. Source it, then:
#   pg_cluster_start DIR PORT DB [SERVER_OPTION...]   initdb DIR/data, start on 127.0.0.1:PORT
#                                                     (socket and logs in DIR), create DB
#   pg_cluster_stop DIR                               fast stop, if it runs (safe in EXIT traps)
#   new_secret_key FILE                               a Postillon --secret-key-file (0600)
# PG_BIN names the server's bin directory (psql, pg_dump ...).
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_cluster_start() {
  local dir=$1 port=$2 db=$3
  shift 3
  local options="-c listen_addresses=127.0.0.1 -p $port -k $dir" option
  for option in "$@"; do options+=" -c $option"; done
  mkdir -p "$dir"
  chown postgres "$dir" 2>/dev/null || true
  as_postgres "$PG_BIN/initdb" -D "$dir/data" --auth=trust --username=postgres -E UTF8 >"$dir/initdb.log"
  as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$options" start >/dev/null
  as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
}

pg_cluster_stop() {
  [[ -f $1/data/postmaster.pid ]] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
}

new_secret_key() {
  head -c 32 /dev/urandom | base64 >"$1"
  chmod 600 "$1"
}
