#!/usr/bin/env bash
# Syscalls per request of one server under wrk (strace -c; slows the server,
# but the counts per request hold). Same targets as profile.sh.
#   bash bench/syscalls.sh squall-health|base-health|squall-sqlite|base-sqlite|squall-pg|base-pg
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; MAIN="$(cd "$BENCH/.." && pwd)"
T="$1"; OUT="$BENCH/results/profile-$T"; mkdir -p "$OUT"; PORT=18084
SQUALL="$MAIN/target/release/squall"; BASELINE="$BENCH/baseline/target/release/baseline"
case "$T" in
  squall-health) cmd=(env RUST_LOG=warn "$SQUALL" serve --listen 127.0.0.1:$PORT --log-level warn --database-url "sqlite://$BENCH/work/squall-sqlite/squall.db"); mode=fixed; path=/healthz ;;
  squall-sqlite) cmd=(env RUST_LOG=warn "$SQUALL" serve --listen 127.0.0.1:$PORT --log-level warn --database-url "sqlite://$BENCH/work/squall-sqlite/squall.db"); mode=squall; path=/ ;;
  squall-pg) cmd=(env RUST_LOG=warn "$SQUALL" serve --listen 127.0.0.1:$PORT --log-level warn --database-url postgres://postgres@127.0.0.1:5432/squall_bench); mode=squall; path=/ ;;
  base-health) cmd=("$BASELINE" hello --listen 127.0.0.1:$PORT); mode=fixed; path=/healthz ;;
  base-sqlite) cmd=("$BASELINE" sqlite --listen 127.0.0.1:$PORT --db "sqlite://$BENCH/work/base-sqlite/people.db"); mode=baseline; path=/ ;;
  base-pg) cmd=("$BASELINE" postgres --listen 127.0.0.1:$PORT --db postgres://postgres@127.0.0.1:5432/squall_bench_base); mode=baseline; path=/ ;;
esac
taskset -c 0 "${cmd[@]}" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
sleep 1.5
taskset -c 1 wrk -t1 -c64 -d2s -s "$BENCH/random_name.lua" "http://127.0.0.1:$PORT$path" -- $mode >/dev/null
strace -c -f -p $PID -o "$OUT/strace-c.txt" &
ST=$!
sleep 1
taskset -c 1 wrk -t1 -c64 -d4s -s "$BENCH/random_name.lua" "http://127.0.0.1:$PORT$path" -- $mode >"$OUT/strace-wrk.txt"
sleep 0.5
kill -INT $ST; wait $ST 2>/dev/null || true
req=$(grep -o 'requests=[0-9]*' "$OUT/strace-wrk.txt" | cut -d= -f2)
python3 - "$req" "$OUT/strace-c.txt" <<'PY' | tee "$OUT/syscalls.txt"
import re, sys
req = int(sys.argv[1]); rows = []
for line in open(sys.argv[2]):
    m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$", line)
    if m and m.group(3) != "total":
        rows.append((int(m.group(1)), m.group(3)))
total = sum(n for n, _ in rows)
print(f"{req} requests under strace; syscalls per request: {total / req:.2f}")
print("  " + ", ".join(f"{name} {n / req:.2f}" for n, name in sorted(rows, reverse=True)[:10]))
PY
