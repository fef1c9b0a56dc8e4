#!/usr/bin/env bash
# Where the time goes: one squall (or baseline) server under the same wrk
# load as run.sh, with CPU time per process group, PostgreSQL transactions
# per request, and a perf profile of the server.
#
#   bash bench/profile.sh squall-sqlite|squall-pg|base-sqlite|base-pg|squall-health|base-health
#
# Needs a previous `bash bench/run.sh` (binaries and loaded data). Writes
# bench/results/profile-<target>/ (perf.data is git-ignored).
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAIN="$(cd "$BENCH/.." && pwd)"
T="${1:?target}"
OUT="$BENCH/results/profile-$T"; mkdir -p "$OUT"
SQUALL="$MAIN/target/release/squall"; BASELINE="$BENCH/baseline/target/release/baseline"
PORT=18085
export PGOPTIONS="-c client_min_messages=warning"
case "$T" in
  squall-sqlite) cmd=(env RUST_LOG=warn "$SQUALL" serve --listen 127.0.0.1:$PORT --log-level warn --database-url "sqlite://$BENCH/work/squall-sqlite/squall.db"); mode=squall; path=/ ;;
  squall-health) cmd=(env RUST_LOG=warn "$SQUALL" serve --listen 127.0.0.1:$PORT --log-level warn --database-url "sqlite://$BENCH/work/squall-sqlite/squall.db"); mode=fixed; path=/healthz ;;
  squall-pg) cmd=(env RUST_LOG=warn "$SQUALL" serve --listen 127.0.0.1:$PORT --log-level warn --database-url postgres://postgres@127.0.0.1:5432/squall_bench); mode=squall; path=/ ;;
  base-sqlite) cmd=("$BASELINE" sqlite --listen 127.0.0.1:$PORT --db "sqlite://$BENCH/work/base-sqlite/people.db"); mode=baseline; path=/ ;;
  base-pg) cmd=("$BASELINE" postgres --listen 127.0.0.1:$PORT --db postgres://postgres@127.0.0.1:5432/squall_bench_base); mode=baseline; path=/ ;;
  base-health) cmd=("$BASELINE" hello --listen 127.0.0.1:$PORT); mode=fixed; path=/healthz ;;
  *) echo "unknown target $T" >&2; exit 2 ;;
esac
taskset -c 0 "${cmd[@]}" >"$OUT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; curl -fsS -o /dev/null "http://127.0.0.1:$PORT/people/find_one?name=person-1" 2>/dev/null && break; sleep 0.1; done
# warm-up
taskset -c 1 wrk -t1 -c64 -d3s -s "$BENCH/random_name.lua" "http://127.0.0.1:$PORT$path" -- $mode >/dev/null
ticks() { # total utime+stime (clock ticks) of the pids given
  local t=0; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
DB=test; [[ "$T" == squall-pg ]] && DB=squall_bench; [[ "$T" == base-pg ]] && DB=squall_bench_base
# only the backends connected to this side's database (other people's tests use the same server)
pgpids() { psql -X -tAc "select pid from pg_stat_activity where datname = '$DB'" postgres://postgres@127.0.0.1:5432/test | xargs; }
xacts() { psql -X -tAc "select xact_commit + xact_rollback from pg_stat_database where datname = '$DB'" postgres://postgres@127.0.0.1:5432/test; }
PGP=$(pgpids); s0=$(ticks $PID); p0=$(ticks $PGP); x0=$(xacts)
taskset -c 1 wrk -t1 -c64 -d10s --latency -s "$BENCH/random_name.lua" "http://127.0.0.1:$PORT$path" -- $mode >"$OUT/wrk.txt" 2>&1 &
WRK=$!
sleep 2
if command -v perf >/dev/null; then
  perf record -F 999 -g -p $PID -o "$OUT/perf.data" -- sleep 5 >/dev/null 2>&1 || true
fi
wait $WRK
s1=$(ticks $PID); p1=$(ticks $PGP); x1=$(xacts)
req=$(grep -o 'requests=[0-9]*' "$OUT/wrk.txt" | cut -d= -f2)
hz=$(getconf CLK_TCK)
{
  grep '^BENCH' "$OUT/wrk.txt"
  python3 - "$req" "$s0" "$s1" "$p0" "$p1" "$x0" "$x1" "$hz" <<'PY'
import sys
req, s0, s1, p0, p1, x0, x1, hz = map(float, sys.argv[1:])
print(f"server CPU per request: {(s1 - s0) / hz / req * 1e6:.1f} us")
print(f"postgres CPU per request (this database's backends): {(p1 - p0) / hz / req * 1e6:.1f} us")
print(f"postgres transactions per request (this database): {(x1 - x0) / req:.2f}")
PY
} | tee "$OUT/summary.txt"
if [[ -s "$OUT/perf.data" ]]; then
  perf report -i "$OUT/perf.data" --no-children --percent-limit 1.5 --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -60 >"$OUT/perf-top.txt" || true
  perf report -i "$OUT/perf.data" --children --percent-limit 3 --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -80 >"$OUT/perf-children.txt" || true
fi
if [[ -s "$OUT/perf.data" ]]; then
  {
    echo "# self time by group, whole process"; python3 "$BENCH/perf_groups.py" "$OUT/perf.data"
    echo; echo "# self time by thread"
    perf report -i "$OUT/perf.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep '%'
  } >"$OUT/perf-groups.txt" 2>/dev/null || true
fi
