#!/usr/bin/env python3
"""One table from a run.sh run: assetpipe beside the floor (limit.c) and the peers of the same run.

usage: table.py PEERS_results.tsv ASSETPIPE.tsv INPROCESS.tsv  > table.md
PEERS_results.tsv: written by the kit's peers.sh (op, tool, median, min, cpu, rss MB, output MB); whole processes
ASSETPIPE.tsv:     written by run.sh, same columns, key a, b-full, b-any, c, d, e, f-full, f-any, f-conv
INPROCESS.tsv:     key, mode (parallel|serial|floor), a JSON object with median_s (the harness's --json line, or
                   limit.c's own "(in-process)" time)
"""
import json
import sys

peers_rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
ap_rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
# several rounds per (key, mode): keep the median of the batch times
samples = {}
for l in open(sys.argv[3]):
    if l.strip():
        key, mode, js = l.rstrip("\n").split("\t", 2)
        samples.setdefault((key, mode), []).append(json.loads(js)["median_s"])
inproc = {}
for k, v in samples.items():
    v = sorted(v)
    n = len(v)
    inproc[k] = {"median_s": v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2, "n": n}
# "limit.c (paired)": the floor timed again right before assetpipe (same load); preferred for whole-process ratios
paired = {r[0]: r for r in ap_rows if r[1].startswith("limit.c")}
ap_rows = [r for r in ap_rows if not r[1].startswith("limit.c")]

LETTER = {"a": "a", "b-full": "b", "b-any": "b", "c": "c", "d": "d", "e": "e", "f-full": "f", "f-any": "f",
          "f-conv": None}


def op_name(letter):
    for r in peers_rows:
        if r[0].startswith(letter + " "):
            return r[0]
    return letter


NAMES = {k: v.format(**{x: op_name(x) for x in "abcdef"}) for k, v in {
    "a": "{a}", "b-full": "{b} (fraction)", "b-any": "{b} (early exit)", "c": "{c}", "d": "{d}", "e": "{e}",
    "f-full": "{f} (fraction)", "f-any": "{f} (early exit)", "f-conv": "f'' 8192² PNG→JPEG q85 (memory)"}.items()}


def op_rows(letter):
    return [r for r in peers_rows if r[0].startswith(letter + " ")]


def floor_of(key):
    if key in paired:
        return paired[key]
    letter = LETTER[key]
    if letter is None:
        return None
    rows = [r for r in op_rows(letter) if r[1].startswith("limit.c")]
    if key.endswith("-any"):
        rows = [r for r in rows if "early" in r[1]] or rows
    elif key.endswith("-full"):
        rows = [r for r in rows if "full" in r[1]] or rows
    return rows[0] if rows else None


def peers_of(key):
    letter = LETTER[key]
    if letter is None:
        return []
    return [r for r in op_rows(letter) if not r[1].startswith("limit.c") and not r[1].startswith("python3 -c")]


def family_best(peers, prefix):
    rows = [r for r in peers if r[1].startswith(prefix)]
    return min(rows, key=lambda r: float(r[2])) if rows else None


def s(v, d=3):
    return f"{float(v):.{d}f}" if v not in (None, "-", "") else "—"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "—"


print("| operation | assetpipe | in process s: 2 cores / 1 core | floor in process s | ÷ floor (in process) "
      "| whole process s: assetpipe / floor (paired) | ImageMagick s | libvips s | Pillow s | ÷ fastest peer (whole process) "
      "| CPU s (user+sys): assetpipe / floor | peak RSS MB: assetpipe / floor / fastest peer "
      "| output MB: assetpipe / floor / smallest peer |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
checks = []
fastest_names = {}
for key, label, med, mn, cpu, rss, osz in ap_rows:
    fl = floor_of(key)
    peers = peers_of(key)
    fastest = min(peers, key=lambda r: float(r[2])) if peers else None
    if fastest:
        fastest_names[LETTER[key]] = fastest
    fam = [family_best(peers, p) for p in ("ImageMagick", "vips", "Pillow")]
    harness = label.startswith("harness")
    par = inproc.get((key, "parallel")) if harness else None
    ser = inproc.get((key, "serial")) if harness else None
    flo = inproc.get((key, "floor"))
    best_in = (par or ser or {}).get("median_s")
    ip = f"{s(par['median_s']) if par else '—'} / {s(ser['median_s']) if ser else '—'}" if harness else "—"
    rf_in = best_in / flo["median_s"] if best_in is not None and flo and flo["median_s"] > 0 else None
    rp = float(med) / float(fastest[2]) if fastest else None
    sized = [p for p in peers if p[6] not in ("-", "")]
    smallest = min(sized, key=lambda r: float(r[6])) if sized else None
    print(f"| {NAMES[key]} | {label} | {ip} | {s(flo['median_s']) if flo and harness else '—'} | "
          f"{f'{rf_in:.2f}' if rf_in and harness else '—'} | {s(med)} / {s(fl[2]) if fl else '—'} | "
          f"{s(fam[0][2]) if fam[0] else '—'} | {s(fam[1][2]) if fam[1] else '—'} | {s(fam[2][2]) if fam[2] else '—'} | "
          f"{f'{rp:.2f}' if rp else '—'} | {s(cpu, 2)} / {s(fl[4], 2) if fl else '—'} | "
          f"{rss} / {fl[5] if fl else '—'} / {fastest[5] if fastest else '—'} | "
          f"{osz} / {fl[6] if fl else '—'} / {smallest[6] if smallest else '—'} |")
    # targets
    if harness and LETTER[key] in ("a", "b", "c", "d", "e") and rf_in is not None:
        ok = rf_in <= 1.25 and (rp is None or rp < 1)
        line = (f"- {NAMES[key]}: in process {rf_in:.2f}× floor (≤ 1.25); whole process {rp:.2f}× the fastest peer "
                f"(< 1; {fastest[1]}): {'met' if ok else 'MISSED'}")
        if osz not in ("-", "") and sized:
            same = [p for p in sized if float(p[6]) <= 1.05 * float(osz)]
            if same and fastest not in same:
                best = min(same, key=lambda r: float(r[2]))
                line += (f"; against the fastest peer whose output is at most 5 % larger ({best[1]}, "
                         f"{best[6]} MB): {float(med) / float(best[2]):.2f}×")
        checks.append(line)
    if label.startswith("assetpipe inspect") and key == "a":
        im = [p for p in peers if p[1].startswith("ImageMagick identify -ping")]
        if im:
            r = float(med) / float(im[0][2])
            checks.append(f"- a whole process: `assetpipe inspect` {float(med):.3f} s vs `identify -ping` "
                          f"{float(im[0][2]):.3f} s ({r:.2f}×): {'met' if r < 1 else 'MISSED'}")
    if harness and key == "f-full" and rf_in is not None:
        mem = [float(p[5]) for p in peers]
        ok = rf_in <= 1.1 and all(float(rss) < m for m in mem)
        checks.append(f"- f: in process {rf_in:.2f}× floor (≤ 1.1); whole process {float(med) / float(fl[2]):.2f}× "
                      f"floor; {rss} MB peak vs peers {', '.join(p[5] for p in peers)} MB: {'met' if ok else 'MISSED'}")
    if harness and key in ("f-full", "f-conv"):
        checks.append(f"- {NAMES[key]}: peak RSS {rss} MB (< 64): {'met' if float(rss) < 64 else 'MISSED'}")
    if harness and key in ("c", "d", "e") and sized and osz not in ("-", ""):
        worse = [p for p in sized if float(osz) > float(p[6])]
        checks.append(f"- {NAMES[key]} output {osz} MB vs peers {', '.join(p[6] for p in sized)} MB: "
                      + ("no larger than any peer" if not worse else
                         "larger than " + "; ".join(f"{p[1]} ({p[6]} MB)" for p in worse)))

print("\nFastest peer per operation (same run, whole process):\n")
for letter, r in sorted(fastest_names.items()):
    print(f"- {letter}: {r[1]} — {float(r[2]):.3f} s, {r[5]} MB peak")
print("\nTargets:\n")
print("\n".join(checks))
