#!/usr/bin/env bash
# bench/read_stream.sh: streams a 10M-row, 6-column managed dataset through
# GET .../data/?format=tsv-excel-noheader to /dev/null and compares with DuckDB alone COPYing
# the same Parquet file as TSV. Appends the figures to bench/RESULTS.md.
# Usage: bench/read_stream.sh [ROWS]   (needs build/release/src/app/dssd)
set -euo pipefail
ROWS=${1:-10000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DSSD=${DSSD_BIN:-$ROOT/build/release/src/app/dssd}
DUCK=$ROOT/third_party/duckdb
WORK=$(mktemp -d /tmp/dssd-bench-XXXXXX)
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

gcc -O2 -o "$WORK/duck_copy_bench" "$ROOT/bench/duck_copy_bench.c" -I"$DUCK/include" \
  -L"$DUCK/lib" -lduckdb -Wl,-rpath,"$DUCK/lib"

"$DSSD" --data-dir "$WORK/data" --port 0 >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do [ -s "$WORK/data/run/port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/data/run/port")
KEY=$(cat "$WORK/data/admin-key")
API="http://127.0.0.1:$PORT/public/api"
c() { curl -sf -u "$KEY:" "$@"; }

c -X POST "$API/projects/" -d '{"projectKey":"BENCH","name":"BENCH"}' >/dev/null
c -X POST "$API/projects/BENCH/datasets/managed" \
  -d '{"name":"big","creationSettings":{"specificSettings":{"formatOptionId":"PARQUET_HIVE"}}}' >/dev/null
c -X PUT "$API/projects/BENCH/datasets/big/schema" -d '{"columns":[{"name":"id","type":"bigint"},
  {"name":"a","type":"int"},{"name":"b","type":"double"},{"name":"c","type":"string"},
  {"name":"d","type":"boolean"},{"name":"e","type":"dateonly"}]}' >/dev/null
"$WORK/duck_copy_bench" gen "$WORK/rows.tsv" "$ROWS"
c -X PUT -T "$WORK/rows.tsv" "$API/projects/BENCH/datasets/big/data?format=tsv-excel-noheader" >/dev/null
rm -f "$WORK/rows.tsv"
PARQUET=$(ls "$WORK"/data/managed_datasets/BENCH/big/v*/part-*.parquet | head -1)

rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
RSS0=$(rss)
PEAK=$RSS0
( while kill -0 $PID 2>/dev/null; do r=$(rss); echo "$r"; sleep 0.05; done ) >"$WORK/rss.log" &
MON=$!
T0=$(date +%s.%N)
BYTES=$(curl -s -u "$KEY:" -o /dev/null -w '%{size_download}' \
  "$API/projects/BENCH/datasets/big/data/?format=tsv-excel-noheader&readSessionId=bench")
T1=$(date +%s.%N)
kill $MON 2>/dev/null || true; wait $MON 2>/dev/null || true
PEAK=$(sort -n "$WORK/rss.log" | tail -1)
c "$API/projects/BENCH/datasets/big/finish-streaming/?readSessionId=bench" >/dev/null

DUCK_OUT=$("$WORK/duck_copy_bench" copy "$PARQUET" 2>&1 >/dev/null)
DUCK_S=$(echo "$DUCK_OUT" | awk '{print $1}')

python3 - "$ROWS" "$BYTES" "$T0" "$T1" "$DUCK_S" "$RSS0" "$PEAK" >>"$ROOT/bench/RESULTS.md" <<'PY'
import sys, datetime, os
rows, nbytes, t0, t1, duck_s, rss0, peak = sys.argv[1:]
rows, nbytes = int(rows), int(nbytes)
ds = float(t1) - float(t0)
duck_s = float(duck_s)
growth = (int(peak) - int(rss0)) / 1024
line = ("| %s | %d | %.2f s | %.0f rows/s | %.1f MB/s | %.2f s | %.0f rows/s | %.2f | %.1f MB |" % (
    datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), rows, ds, rows / ds, nbytes / ds / 1e6,
    duck_s, rows / duck_s, duck_s / ds, growth))
print(line)
sys.stderr.write(line + "\n")
PY
