#!/usr/bin/env bash
# Multipart upload of a large file to a managed folder through curl, then its download.
#
#   bash bench/upload.sh                 # build release, run, update our section of bench/RESULTS.md
#   SIZE_MB=256 SKIP_BUILD=1 bash bench/upload.sh
#
# Reports upload and download MB/s and the server's peak RSS (VmHWM from /proc/PID/status)
# before and after: the body is streamed to disk, so the peak must not grow with the file.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MB="${SIZE_MB:-1024}"
RESULTS="${RESULTS:-$ROOT/bench/RESULTS.md}"

if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build --preset release -j2 >/dev/null)
fi
DSSD="$ROOT/build/release/src/app/dssd"

WORK="$(mktemp -d /tmp/dssd-bench-upload.XXXXXX)"
DSSD_PID=""
cleanup() {
  [ -n "$DSSD_PID" ] && kill "$DSSD_PID" 2>/dev/null && wait "$DSSD_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$DSSD" --data-dir "$WORK/data" --port 0 >"$WORK/dssd.out" 2>&1 &
DSSD_PID=$!
for _ in $(seq 1 200); do [ -s "$WORK/data/run/port" ] && break; sleep 0.05; done
PORT="$(cat "$WORK/data/run/port")"
KEY="$(cat "$WORK/data/admin-key")"
BASE="http://127.0.0.1:$PORT/public/api"
c() { curl -sf -u "$KEY:" "$@"; }

c -o /dev/null -X POST "$BASE/projects/" -d '{"projectKey":"BENCH","name":"Bench"}'
FID="$(c -X POST "$BASE/projects/BENCH/managedfolders/" -d '{"name":"bench"}' |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

head -c "$((SIZE_MB * 1024 * 1024))" /dev/urandom >"$WORK/blob.bin"
SUM_IN="$(sha256sum "$WORK/blob.bin" | cut -d' ' -f1)"
hwm() { awk '/VmHWM/ {print $2}' "/proc/$DSSD_PID/status"; }
HWM_BEFORE="$(hwm)"

# Same part shape as DSSManagedFolder.put_file: name "file", empty filename.
UP="$(c -o "$WORK/up.json" -w '%{time_total} %{speed_upload}' \
  -F "file=@$WORK/blob.bin;filename=" "$BASE/projects/BENCH/managedfolders/$FID/contents/bench/blob.bin")"
HWM_UP="$(hwm)"
DOWN="$(c -o "$WORK/down.bin" -w '%{time_total} %{speed_download}' \
  "$BASE/projects/BENCH/managedfolders/$FID/contents/bench/blob.bin")"
HWM_DOWN="$(hwm)"
SUM_OUT="$(sha256sum "$WORK/down.bin" | cut -d' ' -f1)"
[ "$SUM_IN" = "$SUM_OUT" ] || { echo "downloaded file differs from the upload" >&2; exit 1; }

mbps() { /usr/bin/python3 -c "print('%.0f' % ($1 / 1048576))"; }
UP_T="${UP% *}"; UP_S="$(mbps "${UP#* }")"
DOWN_T="${DOWN% *}"; DOWN_S="$(mbps "${DOWN#* }")"

SECTION="$(cat <<EOT
<!-- upload:begin -->
## Benchmark: 1 GB-class multipart upload and download, managed folder (bench/upload.sh)

Command: \`bash bench/upload.sh\` (SIZE_MB=$SIZE_MB random bytes; \`curl -F file=@blob.bin;filename=\` to
\`POST .../managedfolders/{id}/contents/bench/blob.bin\`, then \`GET\` of the same path; loopback, release build).
Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared with other work;
date: $(date -u '+%Y-%m-%d %H:%M UTC'). Download checked byte for byte (sha256).

| step | time (s) | MB/s | dssd peak RSS after (VmHWM, kB) |
|---|---|---|---|
| server idle, before | – | – | $HWM_BEFORE |
| upload $SIZE_MB MB (multipart, streamed to a temp file, fsync, rename) | $UP_T | $UP_S | $HWM_UP |
| download $SIZE_MB MB (chunked stream) | $DOWN_T | $DOWN_S | $HWM_DOWN |

Peak RSS growth over the whole run: $((HWM_DOWN - HWM_BEFORE)) kB for a $SIZE_MB MB file (memory is bounded by fixed buffers).
<!-- upload:end -->
EOT
)"
touch "$RESULTS"
/usr/bin/python3 - "$RESULTS" "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
pat = re.compile(r"<!-- upload:begin -->.*?<!-- upload:end -->", re.S)
text = pat.sub(lambda m: section, text) if pat.search(text) else text.rstrip("\n") + ("\n\n" if text.strip() else "") + section + "\n"
open(path, "w").write(text)
PY
echo "$SECTION"
