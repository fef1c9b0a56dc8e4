#!/usr/bin/env python3
"""Writes N benchmark documents as JSON lines (compact, as squall stores them).

    gen_docs.py N OUT.jsonl

Document i: {"_id": i, "name": "person-<i>", "age": .., "city": .., ...}.
The explicit integer _id makes squall's stored text and the baselines'
`body` column byte-identical, so both sides return the same bytes.
"""
import json
import sys

CITIES = ["Lisbon", "Oslo", "Nairobi", "Lima", "Osaka", "Tbilisi", "Perth", "Quebec"]


def doc(i: int) -> dict:
    return {
        "_id": i,
        "name": f"person-{i}",
        "age": 18 + (i * 7919) % 70,
        "city": CITIES[i % len(CITIES)],
        "email": f"person-{i}@example.com",
        "active": i % 3 != 0,
        "tags": [f"t{i % 5}", f"g{i % 11}"],
        "address": {"street": f"{i % 997} Main St", "zip": f"{10000 + i % 89999}"},
    }


def main() -> None:
    n, out = int(sys.argv[1]), sys.argv[2]
    with open(out, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(doc(i), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
