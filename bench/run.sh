#!/usr/bin/env bash
# squall benchmark harness: squall vs bare axum peers, as ratios.
#
# Usage (from anywhere):
#   bash bench/run.sh                 # full run: build, load, 3 rounds per pair
#   ROUNDS=5 DURATION=10s bash bench/run.sh
#   SKIP_BUILD=1 SKIP_LOAD=1 bash bench/run.sh   # reuse binaries and loaded data
#   PAIRS="sqlite" bash bench/run.sh  # only some pairs: any of healthz sqlite postgres
#
# What it does:
#   1. `cargo build --release` in /work/main (target/release/squall; the wall
#      time is written to results/<run>/build.txt) and in bench/baseline
#      (its own workspace and target/).
#   2. Generates 100,000 documents {"_id": i, "name": "person-<i>", "age": ..,
#      "city": .., ...} (bench/gen_docs.py) and loads them
#        - into squall through its HTTP API: POST
#          /v1/collections/people/documents with arrays of 1,000, then
#          PUT /v1/collections/people/indexes/by_name {"keys":{"name":1}}
#          (bench/load_squall.py), once on SQLite and once on PostgreSQL;
#        - into the baselines' `people(name, body)` table with an index on
#          name (`baseline load`), on SQLite and on PostgreSQL.
#   3. For each pair, ROUNDS (default 3) rounds; each round runs
#      `wrk -t1 -c64 -d10s` against both sides, order alternating (A B, B A,
#      A B, ...), after one short warm-up per side. Servers are pinned to
#      core 0 (`taskset -c 0`), wrk to core 1 (`taskset -c 1`), logs at warn.
#      bench/random_name.lua picks a random person-<r> for every request.
#        healthz   squall GET /healthz                      vs baseline hello GET /healthz
#        sqlite    squall GET /v1/collections/people/find_one?filter={"name":"person-<r>"}
#                                                           vs axum+sqlx SQLite GET /people/find_one?name=person-<r>
#        postgres  the same, squall on --database-url postgres://postgres@127.0.0.1:5432/squall_bench
#                                                           vs axum+sqlx PostgreSQL (database squall_bench_base)
#   4. Measures squall's idle RSS (`ps -o rss=`) right after start on a fresh
#      SQLite database (and again after loading, for information).
#   5. bench/report.py turns the wrk outputs into the table, written to
#      results/<run>/report.md and into bench/BENCHMARKS.md between its
#      results markers.
#
# Needs: cargo, wrk (`apt-get update && apt-get install wrk`), python3, curl,
# psql, taskset, PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth).
# Creates and recreates the databases squall_bench and squall_bench_base
# (nothing else is dropped). Scratch data in bench/work/ (git-ignored); raw
# outputs in bench/results/<UTC timestamp>/.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MAIN="$(cd "$BENCH/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-3s}"
CONNS="${CONNS:-64}"
DOCS="${DOCS:-100000}"
PAIRS="${PAIRS:-healthz sqlite postgres}"
SERVER_CPU="${SERVER_CPU:-0}"
WRK_CPU="${WRK_CPU:-1}"
SQUALL_PORT="${SQUALL_PORT:-18080}"
BASE_PORT="${BASE_PORT:-18090}"
export PGOPTIONS="-c client_min_messages=warning"
PG_ADMIN="postgres://postgres@127.0.0.1:5432/test"
PG_SQUALL="postgres://postgres@127.0.0.1:5432/squall_bench"
PG_BASE="postgres://postgres@127.0.0.1:5432/squall_bench_base"

WORK="$BENCH/work"
CHECK_N=$((DOCS / 3))   # the document both sides must answer identically
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$BENCH/results/$RUN_ID"
mkdir -p "$WORK" "$OUT"
SQUALL="$MAIN/target/release/squall"
BASELINE="$BENCH/baseline/target/release/baseline"
SQLITE_SQUALL="$WORK/squall-sqlite/squall.db"
SQLITE_BASE="$WORK/base-sqlite/people.db"

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

for tool in wrk python3 curl psql taskset cargo; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# start NAME URL_TO_POLL CMD... : starts CMD pinned to the server core,
# waits until URL answers, sets $STARTED_PID.
start() {
  local name="$1" url="$2"; shift 2
  taskset -c "$SERVER_CPU" "$@" >"$OUT/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$STARTED_PID" 2>/dev/null; then
      log "$name exited early:"; cat "$OUT/$name.log" >&2; exit 1
    fi
    sleep 0.1
  done
  log "$name did not answer $url"; exit 1
}

stop() {
  local pid="$1"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for p in "${PIDS[@]}"; do [[ "$p" != "$pid" ]] && kept+=("$p"); done
  PIDS=("${kept[@]+"${kept[@]}"}")
}

squall_cmd() { # DATABASE_URL
  echo env RUST_LOG=warn "$SQUALL" serve --listen "127.0.0.1:$SQUALL_PORT" --database-url "$1" --log-level warn
}

# wrk_run FILE URL MODE
wrk_run() {
  local file="$1" url="$2" mode="$3"
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$DURATION" --latency \
    -s "$BENCH/random_name.lua" "$url" -- "$mode" "$DOCS" >"$file" 2>&1
  { grep -h '^BENCH' "$file" || echo "no BENCH line (wrk failed?)"; } | sed "s|^|  $(basename "$file"): |" | tee -a "$OUT/run.log" >&2
}

# pair NAME A_URL A_MODE B_URL B_MODE: alternating rounds, squall is side A.
pair() {
  local name="$1" a_url="$2" a_mode="$3" b_url="$4" b_mode="$5"
  mkdir -p "$OUT/$name"
  log "pair $name: warm-up"
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$WARMUP" -s "$BENCH/random_name.lua" "$a_url" -- "$a_mode" "$DOCS" >/dev/null 2>&1
  taskset -c "$WRK_CPU" wrk -t1 -c"$CONNS" -d"$WARMUP" -s "$BENCH/random_name.lua" "$b_url" -- "$b_mode" "$DOCS" >/dev/null 2>&1
  for r in $(seq 1 "$ROUNDS"); do
    log "pair $name: round $r/$ROUNDS"
    if (( r % 2 == 1 )); then
      wrk_run "$OUT/$name/squall-r$r.txt" "$a_url" "$a_mode"
      wrk_run "$OUT/$name/baseline-r$r.txt" "$b_url" "$b_mode"
    else
      wrk_run "$OUT/$name/baseline-r$r.txt" "$b_url" "$b_mode"
      wrk_run "$OUT/$name/squall-r$r.txt" "$a_url" "$a_mode"
    fi
  done
}

# check_same NAME A_URL B_URL: both sides must answer the same document.
check_same() {
  local a b
  a="$(curl -fsS "$2")"; b="$(curl -fsS "$3")"
  {
    echo "$1 squall:   $a"
    echo "$1 baseline: $b"
  } >>"$OUT/responses.txt"
  if ! python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1]) != json.loads(sys.argv[2]))' "$a" "$b"; then
    log "WARNING: $1: squall and the baseline answer differently (see responses.txt)"
  fi
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "loadavg at start: $(cat /proc/loadavg)"
  echo "rounds=$ROUNDS duration=$DURATION conns=$CONNS docs=$DOCS server_cpu=$SERVER_CPU wrk_cpu=$WRK_CPU"
  echo "squall commit: $(git -C "$MAIN" rev-parse --short HEAD) ($(git -C "$MAIN" status --porcelain -- src crates migrations Cargo.toml Cargo.lock | wc -l) uncommitted files in src/ crates/ migrations/ Cargo.*)"
  echo "wrk: $(wrk --version 2>&1 | head -1)"
} >"$OUT/meta.txt"

# ---- 1. build -------------------------------------------------------------
if [[ -z "${SKIP_BUILD:-}" ]]; then
  clean="incremental"
  [[ -x "$SQUALL" ]] || clean="clean (no target/release/squall before)"
  log "building squall release ($clean)"
  start_s=$(date +%s.%N)
  (cd "$MAIN" && cargo build --release) >"$OUT/build-squall.log" 2>&1
  echo "squall cargo build --release: $(python3 -c "print(f'{$(date +%s.%N) - $start_s:.0f}')") s, $clean, load during build: $(cat /proc/loadavg)" >"$OUT/build.txt"
  log "$(cat "$OUT/build.txt")"
  log "building baselines"
  (cd "$BENCH/baseline" && cargo build --release) >"$OUT/build-baseline.log" 2>&1
fi
[[ -x "$SQUALL" && -x "$BASELINE" ]] || { echo "binaries missing; run without SKIP_BUILD" >&2; exit 1; }

# ---- 2. data ----------------------------------------------------------------
DOCS_FILE="$WORK/docs-$DOCS.jsonl"
[[ -s "$DOCS_FILE" ]] || python3 "$BENCH/gen_docs.py" "$DOCS" "$DOCS_FILE"

pg_recreate() { # DBNAME
  psql "$PG_ADMIN" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}

if [[ -z "${SKIP_LOAD:-}" ]]; then
  rm -rf "$WORK/squall-sqlite" "$WORK/base-sqlite"
  mkdir -p "$WORK/base-sqlite"
fi

# Idle RSS: squall on a fresh (empty) SQLite database, 2 s after it answers.
if [[ -z "${SKIP_LOAD:-}" ]]; then
  start squall-rss "http://127.0.0.1:$SQUALL_PORT/healthz" $(squall_cmd "sqlite://$WORK/rss-sqlite/squall.db")
  sleep 2
  echo "squall idle RSS (fresh SQLite, 2 s after start): $(ps -o rss= -p "$STARTED_PID" | xargs) KiB" >"$OUT/rss.txt"
  stop "$STARTED_PID"
  rm -rf "$WORK/rss-sqlite"
  log "$(cat "$OUT/rss.txt")"
fi

# ---- 3. SQLite: healthz and find_one pairs -----------------------------------
if [[ " $PAIRS " == *" healthz "* || " $PAIRS " == *" sqlite "* ]]; then
  start squall-sqlite "http://127.0.0.1:$SQUALL_PORT/healthz" $(squall_cmd "sqlite://$SQLITE_SQUALL")
  SQ_PID=$STARTED_PID
  if [[ -z "${SKIP_LOAD:-}" ]]; then
    log "loading $DOCS documents into squall (SQLite)"
    python3 "$BENCH/load_squall.py" "http://127.0.0.1:$SQUALL_PORT" "$DOCS_FILE" | tee -a "$OUT/load.txt"
    log "loading $DOCS rows into the baseline SQLite"
    "$BASELINE" load --db "sqlite://$SQLITE_BASE" --file "$DOCS_FILE" 2>&1 | tee -a "$OUT/load.txt"
    echo "squall RSS after loading (SQLite): $(ps -o rss= -p "$SQ_PID" | xargs) KiB" >>"$OUT/rss.txt"
  fi

  if [[ " $PAIRS " == *" healthz "* ]]; then
    start base-hello "http://127.0.0.1:$BASE_PORT/healthz" env RUST_LOG=warn "$BASELINE" hello --listen "127.0.0.1:$BASE_PORT"
    pair healthz "http://127.0.0.1:$SQUALL_PORT/healthz" fixed "http://127.0.0.1:$BASE_PORT/healthz" fixed
    stop "$STARTED_PID"
  fi

  if [[ " $PAIRS " == *" sqlite "* ]]; then
    start base-sqlite "http://127.0.0.1:$BASE_PORT/people/find_one?name=person-0" \
      env RUST_LOG=warn "$BASELINE" sqlite --listen "127.0.0.1:$BASE_PORT" --db "sqlite://$SQLITE_BASE"
    check_same sqlite "http://127.0.0.1:$SQUALL_PORT/v1/collections/people/find_one?filter=%7B%22name%22%3A%22person-$CHECK_N%22%7D" \
      "http://127.0.0.1:$BASE_PORT/people/find_one?name=person-$CHECK_N"
    pair sqlite "http://127.0.0.1:$SQUALL_PORT/" squall "http://127.0.0.1:$BASE_PORT/" baseline
    stop "$STARTED_PID"
  fi
  echo "squall RSS after the SQLite pairs: $(ps -o rss= -p "$SQ_PID" | xargs) KiB" >>"$OUT/rss.txt"
  stop "$SQ_PID"
fi

# ---- 4. PostgreSQL: find_one pair -------------------------------------------
if [[ " $PAIRS " == *" postgres "* ]]; then
  [[ -n "${SKIP_LOAD:-}" ]] || pg_recreate squall_bench
  start squall-pg "http://127.0.0.1:$SQUALL_PORT/healthz" $(squall_cmd "$PG_SQUALL")
  SQ_PID=$STARTED_PID
  if [[ -z "${SKIP_LOAD:-}" ]]; then
    log "loading $DOCS documents into squall (PostgreSQL)"
    python3 "$BENCH/load_squall.py" "http://127.0.0.1:$SQUALL_PORT" "$DOCS_FILE" | tee -a "$OUT/load.txt"
    pg_recreate squall_bench_base
    log "loading $DOCS rows into the baseline PostgreSQL"
    "$BASELINE" load --db "$PG_BASE" --file "$DOCS_FILE" 2>&1 | tee -a "$OUT/load.txt"
    psql "$PG_SQUALL" -qc "VACUUM ANALYZE" >/dev/null
  fi
  start base-pg "http://127.0.0.1:$BASE_PORT/people/find_one?name=person-0" \
    env RUST_LOG=warn "$BASELINE" postgres --listen "127.0.0.1:$BASE_PORT" --db "$PG_BASE"
  check_same postgres "http://127.0.0.1:$SQUALL_PORT/v1/collections/people/find_one?filter=%7B%22name%22%3A%22person-$CHECK_N%22%7D" \
    "http://127.0.0.1:$BASE_PORT/people/find_one?name=person-$CHECK_N"
  pair postgres "http://127.0.0.1:$SQUALL_PORT/" squall "http://127.0.0.1:$BASE_PORT/" baseline
  stop "$STARTED_PID"
  stop "$SQ_PID"
fi

echo "loadavg at end: $(cat /proc/loadavg)" >>"$OUT/meta.txt"

# ---- 5. report ----------------------------------------------------------------
python3 "$BENCH/report.py" "$OUT" --update "$BENCH/BENCHMARKS.md" | tee "$OUT/report.md"
log "done: $OUT"
