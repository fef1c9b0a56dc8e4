#!/usr/bin/env python3
"""Groups a perf profile's self time by what the code does (a rough map).

    perf_groups.py PERF.DATA [COMM-PREFIX]

Runs `perf report --sort comm,dso,sym` and sums each symbol's self time into
groups matched by substrings (first match wins). Prints groups, largest first.
"""
import re
import subprocess
import sys
from collections import defaultdict

GROUPS = [
    ("kernel: network + syscalls", ["[k]"]),
    ("TLS (rustls/ring)", ["rustls", " ring::", "<ring::", "ring_core", "aes_gcm", "gcm_", "aesni", "chacha20_poly"]),
    ("metrics (prometheus exporter)", ["metrics", "prometheus", "quanta", "sketches", "Histogram", "AtomicBucket"]),
    ("tracing spans/subscriber", ["tracing", "Span", "valuable", "EnvFilter", "Registry", "sharded_slab"]),
    ("uuid v7 request id", ["uuid", "getrandom", "rand_core", "rand::", "rand_chacha"]),
    ("compression layer", ["compression", "async_compression", "brotli", "flate"]),
    ("cors / sensitive headers / request-id layers", ["cors", "sensitive", "request_id", "CatchPanic"]),
    ("rate limit / auth", ["governor", "rate_limit", "auth", "sha2"]),
    ("squall query (filter parse/match, keys)", ["squall_query", "squall::documents", "Filter", "KeyString"]),
    ("serde_json (parse/serialize)", ["serde_json", "serde::", "indexmap", "ryu", "itoa"]),
    ("sqlx", ["sqlx"]),
    ("rusqlite + squall's SQLite thread pool", ["rusqlite", "sqlite_pool"]),
    ("sqlite engine (C)", ["sqlite3", "sqlite"]),
    ("hyper http/1", ["hyper", "httparse", "http::"]),
    ("axum/tower routing + middleware glue", ["axum", "tower", "matchit", "from_fn"]),
    ("tokio runtime + channels", ["tokio", "mio", "oneshot", "mpsc", "crossbeam", "parking_lot", "futures"]),
    ("malloc/free", ["malloc", "free", "_int_", "realloc", "calloc", "cfree"]),
    ("memcpy/memcmp/strings", ["memmove", "memcpy", "memcmp", "memset", "strlen", "memchr"]),
    ("other libc/vdso", ["libc", "vdso", "clock_gettime", "pthread", "__lll", "futex"]),
]


def main() -> None:
    data = sys.argv[1]
    comm = next((a for a in sys.argv[2:] if a != "-v"), "")
    out = subprocess.run(
        ["perf", "report", "-i", data, "--no-children", "--sort", "comm,dso,sym", "--stdio", "-g", "none",
         "--percent-limit", "0"], capture_output=True, text=True).stdout
    groups: dict[str, float] = defaultdict(float)
    examples: dict[str, list] = defaultdict(list)
    unmatched: list = []
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if not m or line.startswith("#"):
            continue
        pct, c, dso, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4)
        if comm and not c.startswith(comm):
            continue
        text = f"{dso} {sym}"
        name = next((g for g, keys in GROUPS if any(k in text for k in keys)), "other (unmatched)")
        groups[name] += pct
        if name == "other (unmatched)":
            unmatched.append((pct, f"{c} {dso} {sym}"))
        if len(examples[name]) < 3:
            examples[name].append(sym[:110])
    for name, pct in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"{pct:6.2f}%  {name}")
    if "-v" in sys.argv:
        print("unmatched, largest first:")
        for pct, sym in sorted(unmatched, reverse=True)[:25]:
            print(f"   {pct:5.2f}%  {sym[:150]}")


if __name__ == "__main__":
    main()
