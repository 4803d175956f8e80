#!/usr/bin/env python3
"""The GPU race: the DASH reference's DashGpu on one CUDA GPU, on the shapes of `kdash bench --preset`, and the
side-by-side table of its times and kdash's. Reuses dash_reference_bench.py (same directory) for the preset shapes,
the reference's import-time patches, its configuration and the FLOP model (and compare.py's table printer); adds what the GPU needs: tensors on
cuda:0, torch.cuda.synchronize() around every timed unit, and the precision modes:
  tf32  matmul_dtype float32 with torch.backends.cuda.matmul.allow_tf32 = True (the DASH paper's "FP32"),
  fp32  matmul_dtype float32, TF32 off,
  fp16 / bf16  matmul_dtype float16 / bfloat16 (the reference's CN then uses its Triton kernel).

    python3 dash_gpu_race.py run --reference-src DIR --preset llama-953m --runs cn:tf32:1024,evd:tf32:2048 \
        --json out/dashgpu.json
    python3 dash_gpu_race.py table --peer out/dashgpu-*.json --kdash out/kdash-*.json [--markdown]

`run` writes the JSON report schema of `kdash bench` (docs/bench.md), one record per run with its precision; a run
the reference cannot do is noted on stderr and left out. `table` prints, per (solver, precision, block size), kdash's
median ms per mode, DashGpu's, and kdash device / DashGpu (below 1: kdash is faster).
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def parse_runs(text):
    runs = []
    for item in text.split(","):
        parts = item.split(":")
        if len(parts) != 3 or parts[0] not in ("evd", "cn", "ndb", "cbshv") or \
                parts[1] not in ("fp32", "tf32", "fp16", "bf16") or not parts[2].isdigit():
            sys.exit(f"--runs: '{item}' is not SOLVER:PRECISION:BLOCK (evd|cn|ndb|cbshv, fp32|tf32|fp16|bf16)")
        runs.append((parts[0], parts[1], int(parts[2])))
    return runs


def run(a):
    runs = parse_runs(a.runs)
    import torch
    import dash_reference_bench as ref
    cuda = a.device == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.exit("dash_gpu_race.py: no CUDA device visible to PyTorch")
    dev = torch.device("cuda:0" if cuda else "cpu")

    def sync():
        if cuda:
            sync()
    dash = ref.import_reference(a.reference_src)
    preset_name, params = ref.resolve_preset(a.preset)
    dtypes = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}
    gen = torch.Generator().manual_seed(2602)
    values = [(torch.rand(s, generator=gen) * 0.2 - 0.1, torch.rand(s, generator=gen) * 2 - 1) for _, s in params]
    n = 8192 if cuda else 512
    ca = torch.rand(n, n, device=dev)
    cb = torch.rand(n, n, device=dev)
    records, peaks = [], {}
    for solver, prec, b in runs:
        torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
        opt = None
        try:
            tensors = []
            for w, g in values:
                p = torch.nn.Parameter(w.to(dev))
                p.grad = g.to(dev)
                tensors.append(p)
            config = ref.make_config(dash, torch, solver, b, a.scaling, a.root_freq)
            config.matmul_dtype = dtypes[prec]
            opt = dash.DashGpu([{"params": tensors}], lr=1e-3, weight_decay=0.0, config=config)
            samples = []
            for i in range(a.warmup + a.repeats):
                sync()
                start = time.perf_counter()
                for _ in range(a.root_freq):
                    opt.step()
                sync()
                if i >= a.warmup:
                    samples.append((time.perf_counter() - start) * 1e3 / a.root_freq)
        except Exception as e:  # noted; the other runs go on
            print(f"note: DashGpu {solver} {prec} B={b}: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        finally:
            del opt
            if cuda:
                torch.cuda.empty_cache()
        if prec not in peaks:  # the in-run GEMM peak at this precision (8192^3, as torch runs it)
            x, y = (ca, cb) if prec in ("fp32", "tf32") else (ca.to(dtypes[prec]), cb.to(dtypes[prec]))
            times = []
            for _ in range(5):
                sync()
                s0 = time.perf_counter()
                torch.mm(x, y)
                sync()
                times.append(time.perf_counter() - s0)
            peaks[prec] = 2.0 * n ** 3 / statistics.median(times[1:]) * 1e-9
        med = statistics.median(samples)
        work = ref.step_flops(params, solver, b, a.root_freq)
        records.append({"solver": solver, "mode": "DashGpu", "block_size": b, "precision": prec, "median_ms": med,
                        "gflops": work / med * 1e-6, "peak_fraction": work / med * 1e-6 / peaks[prec],
                        "speedup_vs_sequential": 0.0})
        print(f"DashGpu {solver:5s} {prec} B={b:5d} {med:10.2f} ms", flush=True)
    machine = torch.cuda.get_device_name(0) if cuda else ref.cpu_model()
    report = {"machine": machine, "backend": f"PyTorch {torch.__version__} {'CUDA ' + str(torch.version.cuda) if cuda else 'CPU'}",
              "kokkos_version": "none", "threads": 1, "preset": preset_name,
              "peak_gflops": peaks.get("tf32", next(iter(peaks.values()), 0.0)), "results": records}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")


def table(a):
    def load(path):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            print(f"note: {path}: {e}", file=sys.stderr)
            return {"results": []}
    peer_results, gpu, preset = [], "", ""
    for path in a.peer:
        j = load(path)
        peer_results += j["results"]
        gpu = gpu or f"{j.get('machine', '?')} ({j.get('backend', '?')})"
        preset = preset or j.get("preset", "")
    ours = {}
    machine = ""
    for path in a.kdash:
        j = load(path)
        machine = j.get("machine", machine)
        for r in j["results"]:
            ours.setdefault((r["solver"], r["precision"], r["block_size"]), {})[r["mode"]] = r["median_ms"]
    modes = ("sequential", "layerwise", "device")
    head = ["solver", "precision", "B"] + [f"kdash {m}" for m in modes] + ["DashGpu", "kdash device / DashGpu"]
    rows = []
    for r in peer_results:
        k = ours.get((r["solver"], r["precision"], r["block_size"]), {})
        dev = k.get("device")
        rows.append([r["solver"], r["precision"], str(r["block_size"])] +
                    [f"{k[m]:.1f}" if m in k else "-" for m in modes] +
                    [f"{r['median_ms']:.1f}", f"{dev / r['median_ms']:.2f}x" if dev else "-"])
    print(f"DashGpu: {gpu or '-'}; kdash: {machine or '-'}")
    print(f"median ms per optimizer step ({preset or '?'} shapes, one device, roots every step)")
    from compare import print_table
    print_table(head, rows, a.markdown)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--reference-src", required=True, help="directory containing ista_daslab_optimizers/")
    r.add_argument("--preset", default="llama-953m")
    r.add_argument("--runs", required=True, help="SOLVER:PRECISION:BLOCK,...")
    r.add_argument("--scaling", default="fro", choices=["fro", "pi", "pim"])
    r.add_argument("--root-freq", type=int, default=1)
    r.add_argument("--repeats", type=int, default=1)
    r.add_argument("--warmup", type=int, default=1)
    r.add_argument("--json", default="")
    r.add_argument("--device", default="cuda", choices=["cuda", "cpu"],
                   help="cpu: the same code path on the host, to check the harness where there is no GPU")
    t = sub.add_parser("table")
    t.add_argument("--peer", nargs="+", required=True, help="JSON reports of `run`")
    t.add_argument("--kdash", nargs="+", required=True, help="JSON reports of `kdash bench`")
    t.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    run(a) if a.command == "run" else table(a)


if __name__ == "__main__":
    main()
