#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster from the distribution's packages (installs nothing).
#
#   eval "$(bash scripts/pg_throwaway.sh start)"   # prints MSIN_TEST_POSTGRES_URL=... and MSIN_PG_DIR=...
#   bash scripts/pg_throwaway.sh stop "$MSIN_PG_DIR"
#
# PostgreSQL refuses to run as root, so as root the cluster runs as the unprivileged user
# msinpg (created if missing). Data lives in a temporary directory; the server listens on
# 127.0.0.1 on a free port with trust authentication for local test use only.
set -euo pipefail

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "${PG_BIN}" ] || [ ! -x "${PG_BIN}/initdb" ]; then
  echo "pg_throwaway: PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    # runuser keeps this script free of sudo; the user owns only the temp directory.
    runuser -u msinpg -- "$@"
  else
    "$@"
  fi
}

case "${1:-start}" in
  start)
    if [ "$(id -u)" -eq 0 ] && ! id msinpg >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin msinpg
    fi
    DIR=$(mktemp -d /tmp/msin-pg.XXXXXX)
    chmod 700 "$DIR"
    [ "$(id -u)" -eq 0 ] && chown msinpg "$DIR"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    as_pg "$PG_BIN/initdb" -D "$DIR/data" -U msin --auth=trust --encoding=UTF8 --no-locale >"$DIR/initdb.log" 2>&1
    as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" \
      start >/dev/null
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U msin msin_test
    echo "MSIN_TEST_POSTGRES_URL=postgresql+psycopg://msin@127.0.0.1:$PORT/msin_test"
    echo "MSIN_PG_DIR=$DIR"
    ;;
  stop)
    DIR=${2:?usage: pg_throwaway.sh stop DIR}
    case "$DIR" in /tmp/msin-pg.*) ;; *) echo "pg_throwaway: refusing to remove $DIR" >&2; exit 2 ;; esac
    as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: pg_throwaway.sh start | stop DIR" >&2
    exit 2
    ;;
esac
