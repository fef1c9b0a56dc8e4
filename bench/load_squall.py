#!/usr/bin/env python3
"""Loads JSON-lines documents into a running squall through its HTTP API.

    load_squall.py BASE_URL DOCS.jsonl [BATCH]

POST BASE_URL/v1/collections/people/documents with arrays of BATCH (1,000)
documents, then PUT BASE_URL/v1/collections/people/indexes/by_name
{"keys":{"name":1}}. Prints the time each step took. Exits non-zero on any
unexpected status.
"""
import json
import sys
import time
import urllib.request


def call(method: str, url: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def main() -> None:
    base, path = sys.argv[1].rstrip("/"), sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    t0 = time.monotonic()
    for start in range(0, len(lines), batch):
        body = ("[" + ",".join(lines[start : start + batch]) + "]").encode()
        status, text = call("POST", f"{base}/v1/collections/people/documents", body)
        if status != 201:
            sys.exit(f"POST batch at {start}: {status} {text[:500]!r}")
    t1 = time.monotonic()
    print(f"inserted {len(lines)} documents in {t1 - t0:.1f} s ({len(lines) / (t1 - t0):.0f} docs/s)")
    status, text = call("PUT", f"{base}/v1/collections/people/indexes/by_name", json.dumps({"keys": {"name": 1}}).encode())
    if status not in (200, 201):
        sys.exit(f"PUT index: {status} {text[:500]!r}")
    print(f"index by_name built in {time.monotonic() - t1:.1f} s ({status})")


if __name__ == "__main__":
    main()
