#!/usr/bin/env python3
"""Times the DASH reference optimizer (PyPI package ista-daslab-optimizers: DashGpu and DashLayerwise) on the CPU
with the preset shapes and options of `kdash bench`, and writes the same JSON report schema (docs/bench.md).

    python3 dash_reference_bench.py --reference-src DIR --preset perf/presets/transformer-512.json \
        --block-size 128,256,512 --solvers evd,cn --threads 2 --json out/peer.json

DIR holds the reference's Python sources (the directory that contains `ista_daslab_optimizers/`); perf/peers/run.sh
unpacks them there from the package's wheel. Only PyTorch and NumPy must be importable.

What is run, and why it matches `kdash bench`:
  * the same parameters (a preset: a built-in name or a JSON file), random parameters in [-0.1, 0.1) and a fixed
    random gradient in [-1, 1) per parameter (the step's cost does not depend on the values);
  * every option at the reference default (which kdash's defaults copy: lr 1e-3, beta_G 0.9, beta_LR 0.95, Adam
    grafting with beta 0.95 and eps 1e-8, eps_inv_root 1e-10, 10 Newton steps, tolerance 1e-6, Nesterov without
    momentum, bias correction) except the block size, the solver, inv_root_freq (--root-freq) and these two:
      - 1-D parameters use one-sided Shampoo (DashAlgoOneDim.SHAMPOO), as `kdash bench` does;
      - the iterative solvers' scale is the Frobenius norm (--scaling fro, the default here; run kdash bench with
        --scaling fro): power iteration draws random start vectors, so its iteration counts and hence its cost would
        differ between the two programs for reasons unrelated to their speed. NOTE: the reference computes the
        Frobenius norm of a bf16 copy of the matrix (scalers.py: A.bfloat16().norm(...)); kdash computes it in the
        solver precision (fp32). The scale enters only the starting point of the iteration, so both converge to the
        same roots; the iteration counts can differ by about one.
  * timing: --warmup untimed units per optimizer, then --repeats rounds, each timing one unit of every mode
    (interleaved) and one calibration GEMM; a unit is root_freq steps, divided by root_freq; the median per mode.
    torch.set_num_threads(--threads), the same thread count as kdash's OpenMP threads.

Patches applied to the reference at import time (nothing in its files is changed):
  1. The package's top-level __init__ imports every optimizer of the package, some of which load CUDA extension
     modules (ista-daslab-optimizers-cuda) at import time. The package object is created empty here and only
     `ista_daslab_optimizers.dash` (DashGpu, DashLayerwise, DashConfig and the types) is imported from it.
  2. dash/invertors/inv_cn.py imports a Triton kernel (utils/newton_schulz_triton.ns_line_1) used only by the fp16/bf16
     coupled-Newton variants. Where Triton is not installed, a stand-in module is registered whose ns_line_1 raises;
     the fp32 path timed here never calls it.
  3. The processors `import wandb` for their statistics logging (log_stats), which the step never calls. Where wandb
     is not installed, an empty stand-in module is registered.
  4. DashLayerwise.optimizer_step calls self.sync_params(), which DashLayerwise does not define (it derives from
     ISTAOptimizer, not DashBase, where DashGpu gets it). The added method does what DashBase.sync_params does in a
     single process (torch.distributed not initialised): nothing.
"""

import argparse
import importlib
import json
import os
import platform
import statistics
import sys
import time
import types


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference-src", required=True, help="directory containing ista_daslab_optimizers/")
    ap.add_argument("--preset", default="small", help="small | llama-953m | a preset file NAME.json")
    ap.add_argument("--block-size", default="128,256,512")
    ap.add_argument("--solvers", default="evd,cn", help="evd,cn,ndb,cbshv")
    ap.add_argument("--modes", default="DashGpu,DashLayerwise")
    ap.add_argument("--scaling", default="fro", choices=["fro", "pi", "pim"])
    ap.add_argument("--root-freq", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="", help="write the JSON report to this file")
    a = ap.parse_args()
    if a.root_freq < 1 or a.repeats < 1 or a.warmup < 0 or a.threads < 1:
        ap.error("--root-freq, --repeats and --threads must be >= 1, --warmup >= 0")
    return a


# ----------------------------------------------------------------------------------------------------- presets
# The same shapes as tools/bench/model_preset.cpp.


def llama_preset(name, layers, width, hidden, vocab):
    params = [("embed_tokens", (vocab, width))]
    for l in range(layers):
        p = f"layers.{l}."
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            params.append((p + "attn." + proj, (width, width)))
        params += [(p + "mlp.gate_proj", (hidden, width)), (p + "mlp.up_proj", (hidden, width)),
                   (p + "mlp.down_proj", (width, hidden)), (p + "input_norm", (width,)),
                   (p + "post_attn_norm", (width,))]
    params += [("final_norm", (width,)), ("lm_head", (vocab, width))]
    return name, params


def resolve_preset(name_or_path):
    if name_or_path == "small":
        return llama_preset("small", 2, 128, 352, 512)
    if name_or_path == "llama-953m":
        return llama_preset("llama-953m", 16, 2048, 5632, 32000)
    if not name_or_path.endswith(".json"):
        sys.exit(f"unknown preset '{name_or_path}' (built in: small, llama-953m; or a path to a .json file)")
    with open(name_or_path) as f:
        j = json.load(f)
    name = j.get("name", name_or_path)
    if ("params" in j) == ("llama" in j):
        sys.exit(f"preset '{name_or_path}': give exactly one of \"params\" and \"llama\"")
    if "llama" in j:
        l = j["llama"]
        return llama_preset(name, l["layers"], l["width"], l["hidden"], l["vocab"])
    params = []
    for i, p in enumerate(j["params"]):
        shape = tuple(int(d) for d in p["shape"])
        if not shape or min(shape) < 1:
            sys.exit(f"preset '{name_or_path}': params[{i}].shape must be non-empty with entries >= 1")
        if len(shape) > 2:  # viewed as (shape[0], numel / shape[0]), as kdash does
            numel = 1
            for d in shape:
                numel *= d
            shape = (shape[0], numel // shape[0])
        params.append((p.get("name", f"param{i}"), shape))
    return name, params


# ------------------------------------------------------------------------------------------- the FLOP model
# tools/bench/flop_model.cpp with the nominal iteration counts (the reference does not report its iterations; its
# coupled Newton stops when every block of a stack has converged, so the nominal count is an upper bound).


def blocks_of(shape, b):
    def pieces(e):
        return [b] * (e // b) + ([e % b] if e % b else [])
    if len(shape) == 1:
        return [(n, 0) for n in pieces(shape[0])]
    return [(r, c) for r in pieces(shape[0]) for c in pieces(shape[1])]


def step_flops(params, solver, b, root_freq, newton_steps=10, cheb_degree=20):
    g = {"evd": lambda p: 10.0 / 6.0 + 1.0, "cn": lambda p: (4.0 if p == 4 else 3.0) * newton_steps,
         "ndb": lambda p: (2 if p == 4 else 1) * (1.0 + 3.0 * (newton_steps - 1)),
         "cbshv": lambda p: cheb_degree - 1.0}[solver]
    total = 0.0
    for _, shape in params:
        for r, c in blocks_of(shape, b):
            if c == 0:
                total += 4.0 * r * r + g(2) * 2 * r ** 3 / root_freq
            else:
                total += 4.0 * (r * r * c + r * c * c) + g(4) * 2 * (r ** 3 + c ** 3) / root_freq
    return total


# --------------------------------------------------------------------------------------- the reference, patched


def import_reference(src):
    """Imports ista_daslab_optimizers.dash without the package's top-level __init__ (patches 1-3 above)."""
    pkg_dir = os.path.join(src, "ista_daslab_optimizers")
    if not os.path.isdir(os.path.join(pkg_dir, "dash")):
        sys.exit(f"--reference-src: {pkg_dir}/dash not found")
    pkg = types.ModuleType("ista_daslab_optimizers")
    pkg.__path__ = [pkg_dir]
    sys.modules["ista_daslab_optimizers"] = pkg
    try:
        import triton  # noqa: F401
    except ImportError:
        stub = types.ModuleType("ista_daslab_optimizers.utils.newton_schulz_triton")

        def ns_line_1(*_, **__):
            raise NotImplementedError("the fp16/bf16 coupled Newton needs Triton, which is not installed")

        stub.ns_line_1 = ns_line_1
        utils = types.ModuleType("ista_daslab_optimizers.utils")
        utils.__path__ = [os.path.join(pkg_dir, "utils")]
        sys.modules["ista_daslab_optimizers.utils"] = utils
        sys.modules[stub.__name__] = stub
    try:
        import wandb  # noqa: F401
    except ImportError:
        sys.modules["wandb"] = types.ModuleType("wandb")
    dash = importlib.import_module("ista_daslab_optimizers.dash")
    if not hasattr(dash.DashLayerwise, "sync_params"):  # patch 4
        dash.DashLayerwise.sync_params = lambda self: None
    return dash


def make_config(dash, torch, solver, b, scaling, root_freq):
    methods = {"evd": "EVD", "cn": "CN", "ndb": "NDB", "cbshv": "CBSHV"}
    scalings = {"fro": "FRO", "pi": "POWER_ITER", "pim": "POWER_ITER_MULTI"}
    return dash.DashConfig(block_size=b, inv_root_method=getattr(dash.DashInverseRootMethodType, methods[solver]),
                           inv_root_freq=root_freq,
                           matrix_scaling_type=getattr(dash.DashMatrixScalingType, scalings[scaling]),
                           algo_one_dim=dash.DashAlgoOneDim.SHAMPOO, matmul_dtype=torch.float32)


# ------------------------------------------------------------------------------------------------------ timing


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    a = parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(a.threads))
    import torch
    torch.set_num_threads(a.threads)
    dash = import_reference(a.reference_src)
    preset_name, params = resolve_preset(a.preset)
    sizes = [int(s) for s in a.block_size.split(",")]
    solvers = a.solvers.split(",")
    modes = a.modes.split(",")
    classes = {"DashGpu": dash.DashGpu, "DashLayerwise": dash.DashLayerwise}
    for m in modes:
        if m not in classes:
            sys.exit(f"--modes: unknown mode '{m}' (DashGpu, DashLayerwise)")

    gen = torch.Generator().manual_seed(2602)
    values = [(torch.rand(s, generator=gen) * 0.2 - 0.1, torch.rand(s, generator=gen) * 2 - 1) for _, s in params]

    def build(mode, solver, b):
        tensors = []
        for (w, g) in values:
            p = torch.nn.Parameter(w.clone())
            p.grad = g.clone()
            tensors.append(p)
        opt = classes[mode]([{"params": tensors}], lr=1e-3, weight_decay=0.0,
                            config=make_config(dash, torch, solver, b, a.scaling, a.root_freq))
        return opt

    def unit(opt):
        start = time.perf_counter()
        for _ in range(a.root_freq):
            opt.step()
        return (time.perf_counter() - start) * 1e3 / a.root_freq

    n = 1024
    ca, cb = torch.rand(n, n, generator=gen), torch.rand(n, n, generator=gen)
    calib = []

    def calibrate():
        start = time.perf_counter()
        torch.mm(ca, cb)
        calib.append(time.perf_counter() - start)

    for _ in range(5):
        calibrate()
    print(f"dash reference bench: preset {preset_name} ({len(params)} parameters), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, scaling {a.scaling}, root every {a.root_freq} step(s)", flush=True)
    records = []
    for solver in solvers:
        for b in sizes:
            try:
                opts = [build(m, solver, b) for m in modes]
                for opt in opts:
                    for _ in range(a.warmup):
                        unit(opt)
                samples = [[] for _ in modes]
                for _ in range(a.repeats):
                    for i, opt in enumerate(opts):
                        samples[i].append(unit(opt))
                    calibrate()
            except Exception as e:  # a configuration the reference cannot run: noted, the others go on
                print(f"note: {solver} B={b}: the reference failed: {type(e).__name__}: {e}", file=sys.stderr)
                continue
            work = step_flops(params, solver, b, a.root_freq)
            for m, s in zip(modes, samples):
                med = statistics.median(s)
                records.append({"solver": solver, "mode": m, "block_size": b, "precision": "fp32",
                                "median_ms": med, "gflops": work / med * 1e-6, "peak_fraction": 0.0,
                                "speedup_vs_sequential": 0.0})
                print(f"{solver:6s} {m:14s} B={b:5d} {med:10.2f} ms", flush=True)
    peak = 2.0 * n ** 3 / statistics.median(calib) * 1e-9
    for r in records:
        r["peak_fraction"] = r["gflops"] / peak
    config = torch.__config__.show()
    blas = "MKL" if "MKL" in config or "mkl" in config else ("OpenBLAS" if "OpenBLAS" in config else "BLAS")
    report = {"machine": cpu_model(), "backend": f"PyTorch {torch.__version__} CPU ({blas})",
              "kokkos_version": "none", "threads": torch.get_num_threads(), "peak_gflops": peak, "results": records}
    print(f"calibration peak {peak:.1f} GFLOP/s (torch.mm 1024^3 fp32, median over the run)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
