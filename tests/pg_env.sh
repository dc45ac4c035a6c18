# Sourced by scripts/test.sh: a private PostgreSQL 15 cluster on a free loopback port.
# Exports DSSD_TEST_PG_HOST/PORT/USER/PASSWORD/DB for the tests.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_as() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_start() {
  PG_DIR=$(mktemp -d /tmp/dssd-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  pwfile="$PG_DIR/pw"
  echo "dssd-test-pw" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U dssd --pwfile="$pwfile" -A scram-sha-256 >/dev/null
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off" start >/dev/null
  PGPASSWORD=dssd-test-pw psql -h 127.0.0.1 -p "$PG_PORT" -U dssd -d postgres -qc "CREATE DATABASE dssd_test" >/dev/null
  export DSSD_TEST_PG_HOST=127.0.0.1 DSSD_TEST_PG_PORT=$PG_PORT DSSD_TEST_PG_USER=dssd
  export DSSD_TEST_PG_PASSWORD=dssd-test-pw DSSD_TEST_PG_DB=dssd_test PG_DIR
  echo "test PostgreSQL on 127.0.0.1:$PG_PORT"
}
pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
