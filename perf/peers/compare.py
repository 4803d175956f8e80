#!/usr/bin/env python3
"""Side-by-side table of two `kdash bench` JSON reports (docs/bench.md): kdash's and the DASH reference's
(dash_reference_bench.py). Prints, per solver and block size, the median ms per step of every mode of both, and the
ratio of kdash's fastest mode to each reference mode (below 1: kdash is faster).

    python3 compare.py out/kdash.json out/peer.json [--markdown]
"""

import argparse
import json
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kdash_json")
    ap.add_argument("peer_json")
    ap.add_argument("--markdown", action="store_true", help="a Markdown table instead of aligned text")
    a = ap.parse_args()
    ours, peer = load(a.kdash_json), load(a.peer_json)

    def table(report):
        t = {}
        for r in report["results"]:
            if r.get("precision", "fp32") == "fp32":
                t.setdefault((r["solver"], r["block_size"]), {})[r["mode"]] = r["median_ms"]
        return t

    mine, theirs = table(ours), table(peer)
    our_modes = [m for m in ("sequential", "layerwise", "device") if any(m in v for v in mine.values())]
    peer_modes = sorted({m for v in theirs.values() for m in v})
    head = ["solver", "B"] + [f"kdash {m}" for m in our_modes] + peer_modes + \
        [f"best kdash / {m}" for m in peer_modes]
    rows = []
    for key in sorted(set(mine) & set(theirs), key=lambda k: (k[0] != "evd", k[0], k[1])):
        k, p = mine[key], theirs[key]
        best = min(k.values())
        row = [key[0], str(key[1])] + [f"{k[m]:.1f}" if m in k else "-" for m in our_modes]
        row += [f"{p[m]:.1f}" if m in p else "-" for m in peer_modes]
        row += [f"{best / p[m]:.2f}x" if m in p else "-" for m in peer_modes]
        rows.append(row)
    print(f"kdash: {ours['machine']}, {ours['backend']}, {ours['threads']} threads, "
          f"calibration {ours.get('peak_gflops', 0):.1f} GFLOP/s")
    print(f"peer:  {peer['machine']}, {peer['backend']}, {peer['threads']} threads, "
          f"calibration {peer.get('peak_gflops', 0):.1f} GFLOP/s")
    print("median ms per optimizer step; ratio = kdash's fastest mode / the reference mode")
    print_table(head, rows, a.markdown)
    if not rows:
        sys.exit("no (solver, block size) in common between the two reports")


if __name__ == "__main__":
    main()
