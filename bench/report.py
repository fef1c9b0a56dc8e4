#!/usr/bin/env python3
"""Turns a bench/run.sh results directory into a Markdown table.

    report.py RESULTS_DIR [--update BENCHMARKS.md]

Reads RESULTS_DIR/<pair>/{squall,baseline}-r<k>.txt (wrk output with the
BENCH line printed by bench/random_name.lua's done()). Per pair and side:
requests/s median, min and max over the rounds, p99 latency (median of the
rounds' p99s), non-2xx and socket errors; per pair the ratio of the medians
(squall / baseline), the median and range of the per-round ratios (each
round's squall figure over the same round's peer figure), and the target. With --update, replaces the text between
`<!-- results:begin -->` and `<!-- results:end -->` in the given file.
"""
import re
import statistics
import sys
from pathlib import Path

PAIRS = [
    ("healthz", "GET /healthz", "bare axum hello", None),
    ("sqlite", "find_one by indexed name, SQLite", "bare axum + sqlx SQLite", 1.5),
    ("postgres", "find_one by indexed name, PostgreSQL", "bare axum + sqlx PostgreSQL", 0.9),
]


def parse(path: Path) -> dict:
    text = path.read_text(errors="replace")
    m = re.search(r"^BENCH (.*)$", text, re.M)
    if not m:
        raise SystemExit(f"{path}: no BENCH line")
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def side(dir_: Path, who: str) -> list[dict]:
    files = sorted(dir_.glob(f"{who}-r*.txt"), key=lambda p: int(re.search(r"r(\d+)", p.stem).group(1)))
    return [parse(f) for f in files]


def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def table(results: Path) -> str:
    rows = [
        "| pair | side | rounds | req/s median | min | max | p99 ms (median) | non-2xx | socket errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    summary = [
        "| pair | squall req/s (median) | peer req/s (median) | ratio squall/peer | per-round ratios: median (min–max) | target | met? |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, what, peer, target in PAIRS:
        d = results / key
        if not d.is_dir():
            continue
        medians = {}
        per_side = {}
        for who, label in (("squall", "squall"), ("baseline", peer)):
            runs = side(d, who)
            if not runs:
                continue
            rps = [r["rps"] for r in runs]
            per_side[who] = rps
            medians[who] = statistics.median(rps)
            p99 = statistics.median(r["p99_us"] for r in runs)
            rows.append(
                f"| {what} | {label} | {len(runs)} | {statistics.median(rps):,.0f} | {min(rps):,.0f} | {max(rps):,.0f} "
                f"| {ms(p99)} | {sum(int(r['non2xx']) for r in runs)} | {sum(int(r['socket_errors']) for r in runs)} |"
            )
        if len(medians) == 2:
            ratio = medians["squall"] / medians["baseline"]
            met = "—" if target is None else ("yes" if ratio >= target else "**no**")
            tgt = "—" if target is None else f"≥ {target}x"
            rounds = [a / b for a, b in zip(per_side["squall"], per_side["baseline"])]
            paired = f"{statistics.median(rounds):.2f}x ({min(rounds):.2f}–{max(rounds):.2f})"
            summary.append(
                f"| {what} vs {peer} | {medians['squall']:,.0f} | {medians['baseline']:,.0f} | **{ratio:.2f}x** | {paired} | {tgt} | {met} |"
            )
    meta = results / "meta.txt"
    extra = []
    for name in ("meta.txt", "build.txt", "rss.txt", "load.txt"):
        f = results / name
        if f.exists():
            extra += [f"    {line}" for line in f.read_text().splitlines() if line.strip()]
    del meta
    return "\n".join(
        [f"Run `{results.name}` (raw wrk outputs in `bench/results/{results.name}/`).", "", *summary, "", *rows, "",
         "Run notes (from the results directory):", "", *extra, ""]
    )


def main() -> None:
    results = Path(sys.argv[1]).resolve()
    out = table(results)
    print(out)
    if "--update" in sys.argv:
        target = Path(sys.argv[sys.argv.index("--update") + 1])
        text = target.read_text() if target.exists() else "<!-- results:begin -->\n<!-- results:end -->\n"
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            _, tail = rest.split(end, 1)
            text = f"{head}{begin}\n{out}\n{end}{tail}"
        else:
            text += f"\n{begin}\n{out}\n{end}\n"
        target.write_text(text)


if __name__ == "__main__":
    main()
