#!/usr/bin/env python3
"""Side-by-side table of `kdash bench` JSON reports (docs/bench.md): kdash's and the DASH reference's
(dash_reference_bench.py). Prints, per solver and block size, the median ms per step of every mode of both, and the
ratio of kdash's fastest mode to each reference mode (below 1: kdash is faster).

    python3 compare.py out/kdash.json out/peer.json [--markdown]
    python3 compare.py out/kdash-1.json,out/kdash-2.json,out/kdash-3.json out/peer-1.json,out/peer-2.json,... 

With several rounds (comma-separated, kdash round k run next to reference round k), every time is the median over the
rounds, and the ratio is the median of the per-round ratios (paired by round, so that a slow phase of the machine
weighs on both programs), with the range of the per-round ratios.
"""

import argparse
import json
import statistics
import sys


def load(path):
    try:
        with open(path) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read a bench report: {e}")
    for key in ("machine", "backend", "threads", "results"):
        if key not in j:
            sys.exit(f"{path}: not a bench report (no \"{key}\")")
    return j


def print_table(head, rows, markdown):
    """Prints rows of strings under head: a Markdown table, or right-aligned columns."""
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + " --- |" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
        print("  ".join(h.rjust(w) for h, w in zip(head, widths)))
        for r in rows:
            print("  ".join(c.rjust(w) for c, w in zip(r, widths)))


def table(report):
    """{(solver, block size): {mode: median ms}} of a report's fp32 results."""
    t = {}
    for r in report["results"]:
        if r.get("precision", "fp32") == "fp32":
            t.setdefault((r["solver"], r["block_size"]), {})[r["mode"]] = r["median_ms"]
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kdash_json", help="kdash's report, or comma-separated reports of several rounds")
    ap.add_argument("peer_json", help="the reference's report(s), as many as kdash's, in the same order")
    ap.add_argument("--markdown", action="store_true", help="a Markdown table instead of aligned text")
    a = ap.parse_args()
    our_paths, peer_paths = a.kdash_json.split(","), a.peer_json.split(",")
    if len(our_paths) != len(peer_paths):
        sys.exit(f"{len(our_paths)} kdash report(s) but {len(peer_paths)} reference report(s): give one per round")
    ours_all, peer_all = [load(p) for p in our_paths], [load(p) for p in peer_paths]
    mine_rounds, theirs_rounds = [table(r) for r in ours_all], [table(r) for r in peer_all]
    rounds = len(mine_rounds)

    def median_of(tables, key, mode):
        values = [t[key][mode] for t in tables if key in t and mode in t[key]]
        return statistics.median(values) if values else None

    our_modes = [m for m in ("sequential", "layerwise", "device") if any(m in v for t in mine_rounds for v in t.values())]
    peer_modes = sorted({m for t in theirs_rounds for v in t.values() for m in v})
    keys = set.intersection(*[set(t) for t in mine_rounds + theirs_rounds])
    ratio_head = [f"best kdash / {m}" for m in peer_modes]
    head = ["solver", "B"] + [f"kdash {m}" for m in our_modes] + peer_modes + ratio_head
    rows = []
    for key in sorted(keys, key=lambda k: (k[0] != "evd", k[0], k[1])):
        row = [key[0], str(key[1])]
        row += [f"{v:.1f}" if (v := median_of(mine_rounds, key, m)) is not None else "-" for m in our_modes]
        row += [f"{v:.1f}" if (v := median_of(theirs_rounds, key, m)) is not None else "-" for m in peer_modes]
        for m in peer_modes:
            # Per round: kdash's fastest mode over the reference mode of the same round.
            ratios = [min(mine[key].values()) / theirs[key][m]
                      for mine, theirs in zip(mine_rounds, theirs_rounds) if m in theirs[key]]
            if not ratios:
                row.append("-")
            elif rounds == 1:
                row.append(f"{ratios[0]:.2f}x")
            else:
                row.append(f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})")
        rows.append(row)
    ours, peer = ours_all[0], peer_all[0]
    print(f"kdash: {ours['machine']}, {ours['backend']}, {ours['threads']} threads, calibration "
          + ", ".join(f"{r.get('peak_gflops', 0):.1f}" for r in ours_all) + " GFLOP/s")
    print(f"peer:  {peer['machine']}, {peer['backend']}, {peer['threads']} threads, calibration "
          + ", ".join(f"{r.get('peak_gflops', 0):.1f}" for r in peer_all) + " GFLOP/s")
    if rounds == 1:
        print("median ms per optimizer step; ratio = kdash's fastest mode / the reference mode")
    else:
        print(f"{rounds} interleaved rounds: median over the rounds of each program's median ms per optimizer step; "
              "ratio = median (range) over the rounds of kdash's fastest mode / the reference mode of the same round")
    print_table(head, rows, a.markdown)
    if not rows:
        sys.exit("no (solver, block size) in common between the reports")


if __name__ == "__main__":
    main()
