#!/usr/bin/env python3
"""The table of Benchmarks/compare.sh: old against new, each figure the median over the rounds.

usage: compare.py OUTDIR ROUNDS  > compare.md
Reads OUTDIR/{old,new}-R/assetpipe.tsv (run.sh's whole-process rows: key, label, median s, min s, CPU s, peak RSS MB,
output MB), OUTDIR/{old,new}-R/inprocess.tsv (key, mode, the harness's --json line) and OUTDIR/{old,new}-R/pipeline.md
(the pipeline benchmark's table). Two ratios: of the medians over the rounds, and of the best round of each side
(the lowest time or memory: background load only ever adds, so the best round is the least disturbed). A figure is
marked when both say new is more than 5 % worse.
"""
import json
import re
import statistics
import sys

out, rounds = sys.argv[1], int(sys.argv[2])
LIMIT = 0.05


def rows(side, name):
    for r in range(1, rounds + 1):
        try:
            with open(f"{out}/{side}-{r}/{name}") as f:
                yield r, f.read()
        except FileNotFoundError:
            pass


def samples(side):
    """{(section, what, measure): [value per round]} for one side."""
    found = {}

    def add(key, value):
        found.setdefault(key, []).append(value)

    for _, text in rows(side, "assetpipe.tsv"):
        for line in text.splitlines():
            key, label, median, _, cpu, rss, _ = line.split("\t")
            if label.startswith("limit.c"):
                continue
            add(("whole process", f"{key} {label}", "median s"), float(median))
            add(("whole process", f"{key} {label}", "CPU s"), float(cpu))
            add(("whole process", f"{key} {label}", "peak RSS MB"), float(rss))
    for _, text in rows(side, "inprocess.tsv"):
        per_round = {}
        for line in text.splitlines():
            key, mode, js = line.split("\t", 2)
            if mode == "floor":
                continue
            per_round.setdefault((key, mode), []).append(json.loads(js)["median_s"])
        for (key, mode), values in per_round.items():
            add(("in process", f"{key} harness, {'both cores' if mode == 'parallel' else 'one core'}", "median s"),
                statistics.median(values))
    for _, text in rows(side, "pipeline.md"):
        def cell(label):
            m = re.search(r"^\| " + re.escape(label) + r"[^|]*\| ([^|]+) \|", text, re.M)
            return m.group(1).strip() if m else None
        if (v := cell("wall ÷ ideal")) is not None:
            add(("pipeline", "200 jobs, --jobs 8", "wall ÷ ideal"), float(v))
        if (v := cell("assetpipe CPU time per job")) is not None:
            add(("pipeline", "200 jobs, --jobs 8", "CPU ms per job"), float(v.split()[0]))
        if (v := cell("assetpipe peak RSS")) is not None:
            add(("pipeline", "200 jobs, --jobs 8", "peak RSS MB"), float(v.split()[0]))
        if (v := cell("polls per task")) is not None:
            add(("pipeline", "200 jobs, --jobs 8", "polls per task"), float(v.split("/")[0]))
        if (v := cell("uploads per distinct input")) is not None:
            add(("pipeline", "200 jobs, --jobs 8", "uploads per input"), float(v.split()[0]))
        if (v := cell("second build")) is not None:
            add(("pipeline", "200 jobs, --jobs 8", "no-change rebuild API calls"), float(v.split("/")[-1]))
    return found


old, new = samples("old"), samples("new")
print(f"Old against new, {rounds} rounds each (alternating); ✗ marks a figure more than 5 % worse by both ratios.\n")
print("| section | what | measure | old (each round) | new (each round) | new ÷ old (medians) | new ÷ old (best rounds) |")
print("|---|---|---|---:|---:|---:|---:|")
worse = 0
for key in sorted(old.keys() | new.keys(), key=lambda k: (k[0] != "in process", k)):
    a, b = old.get(key, []), new.get(key, [])
    if not a or not b:
        continue
    def ratio(x, y):
        return y / x if x else (1.0 if x == y else float("inf"))

    by_median = ratio(statistics.median(a), statistics.median(b))
    by_best = ratio(min(a), min(b))
    mark = ""
    if by_median > 1 + LIMIT and by_best > 1 + LIMIT:
        mark = " ✗"
        worse += 1
    fmt = lambda v: ", ".join(f"{x:.3f}" if x < 10 else f"{x:.1f}" for x in v)
    print(f"| {key[0]} | {key[1]} | {key[2]} | {fmt(a)} | {fmt(b)} | {by_median:.3f} | {by_best:.3f}{mark} |")
print(f"\n{worse} figure(s) more than 5 % worse by both ratios.")
