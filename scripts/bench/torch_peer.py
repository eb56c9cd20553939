"""PyTorch eager (CPU) peer of the shiftscope benchmark.

    /usr/bin/python3 scripts/bench/torch_peer.py DIR [--runs 30] [--warmup 3]
        [--threads N] [--models a,b] [--batches 1,8] [--grad-mode no_grad]

For each model of DIR/manifest.json: builds the reference model of
tests/reference from DIR/<name>/config.json, loads DIR/<name>/weights.safetensors,
checks that its logits on DIR/<name>/io.safetensors `input` agree with
shiftscope's `logits` (fails the run, after the others, if they do not),
times the eager forward pass, and exports DIR/<name>/model.onnx for the
onnxruntime-web peer (checked against torch when the `onnxruntime` package
is importable). Writes DIR/torch.json (model entries of earlier runs on
other models are kept) and prints a table.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import time
import warnings

# Debian's torch links libblas.so.3, which by default is the reference
# (netlib) BLAS: ~4 GFLOP/s here instead of OpenBLAS's ~57. Installing
# OpenBLAS system-wide would change the bytes tests/reference/make_fixtures.py
# writes, so by default (--blas auto) this script re-executes itself with
# OpenBLAS first on LD_LIBRARY_PATH when libopenblas0-openmp is installed.
OPENBLAS_DIR = os.environ.get("SHIFTSCOPE_OPENBLAS_DIR", "/usr/lib/x86_64-linux-gnu/openblas-openmp")


def _blas_choice(argv):
    for i, arg in enumerate(argv):
        if arg == "--blas" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--blas="):
            return arg.split("=", 1)[1]
    return "auto"


def _reexec_with_openblas():
    """Re-runs this script with OpenBLAS' libblas.so.3 (before torch is imported)."""
    choice = _blas_choice(sys.argv)
    if choice == "system" or os.environ.get("SHIFTSCOPE_BENCH_REEXEC"):
        return
    if not os.path.exists(os.path.join(OPENBLAS_DIR, "libblas.so.3")):
        if choice == "openblas":
            sys.exit(f"--blas openblas: {OPENBLAS_DIR}/libblas.so.3 is missing "
                     "(apt-get install libopenblas0-openmp)")
        return
    env = dict(os.environ, SHIFTSCOPE_BENCH_REEXEC="1",
               LD_LIBRARY_PATH=":".join(filter(None, [OPENBLAS_DIR, os.environ.get("LD_LIBRARY_PATH")])))
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


_reexec_with_openblas()

import torch  # noqa: E402

import ref_models  # noqa: E402
from ref_models import st_io  # noqa: E402

REL_TOLERANCE = 1e-3      # max |Δlogit| / max |logit|
TIE_MARGIN = 1e-3         # top-1 may differ only where shiftscope's logits are this close
OPSET = 17                # the highest opset torch 1.13 exports
IO_BATCH = 8


def log(msg):
    print(msg, flush=True)


def median_ms(fn, runs, warmup):
    """(median, samples) in ms of `fn()` after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), samples


def loaded_blas():
    """Path of the BLAS library this process loaded (from /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none"


def measure_peak_gflops(n=1024, runs=20, warmup_s=1.0):
    """Median GFLOP/s of an n×n×n fp32 matmul (2·n³ flops) at the current thread
    count, after `warmup_s` seconds of the same matmul (threads spun up, clocks settled)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    end = time.perf_counter() + warmup_s
    while time.perf_counter() < end:
        torch.mm(a, b)
    ms, _ = median_ms(lambda: torch.mm(a, b), runs, 0)
    return 2.0 * n ** 3 / (ms * 1e6)


def check_agreement(out, ref):
    """Compares torch's logits `out` with shiftscope's `ref` (both (B, classes))."""
    diff = (out - ref).abs().max().item()
    scale = ref.abs().max().item()
    rel = diff / scale if scale > 0 else float("inf")
    top_torch, top_ref = out.argmax(1), ref.argmax(1)
    mismatches = []
    for i in range(ref.shape[0]):
        if top_torch[i] != top_ref[i]:
            margin = (ref[i, top_ref[i]] - ref[i, top_torch[i]]).item()
            mismatches.append({"image": i, "shiftscope": int(top_ref[i]), "torch": int(top_torch[i]), "margin": margin})
    bad_top1 = [m for m in mismatches if not m["margin"] <= TIE_MARGIN]
    ok = rel <= REL_TOLERANCE and not bad_top1 and torch.isfinite(out).all().item()
    return {"ok": bool(ok), "images": ref.shape[0], "max_abs_diff": diff, "max_abs_logit": scale,
            "rel_diff": rel, "top1_agree": ref.shape[0] - len(mismatches), "top1_mismatches": mismatches}


def load_io(path, cfg):
    io = st_io.load_file(path)
    for key in ("input", "logits"):
        if key not in io:
            raise ValueError(f"{path}: tensor {key!r} is missing (has {sorted(io)})")
    s = cfg["image_size"]
    want = {"input": (IO_BATCH, cfg["in_channels"], s, s), "logits": (IO_BATCH, cfg["num_classes"])}
    for key, shape in want.items():
        if tuple(io[key].shape) != shape:
            raise ValueError(f"{path}: {key!r} has shape {list(io[key].shape)}, expected {list(shape)}")
    return io["input"], io["logits"]


def export_onnx(model, x, path):
    """torch.onnx.export with export-friendly shifts; returns the check entry."""
    with torch.no_grad():
        plain = model(x)
        with ref_models.export_friendly_shifts():
            swapped = model(x)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # TracerWarnings from the reference models' asserts
                torch.onnx.export(model, x[:2], path, opset_version=OPSET, input_names=["input"],
                                  output_names=["logits"], do_constant_folding=True,
                                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    scale = max(plain.abs().max().item(), 1e-30)
    check = {"opset": OPSET, "bytes": os.path.getsize(path),
             "export_shifts_max_abs_diff": (swapped - plain).abs().max().item()}
    check["ok"] = check["export_shifts_max_abs_diff"] / scale <= REL_TOLERANCE
    try:
        import onnx
        proto = onnx.load(path)
        onnx.checker.check_model(proto)
        check["ops"] = dict(collections.Counter(n.op_type for n in proto.graph.node).most_common())
    except ImportError:
        check["ops"] = "skipped: the onnx package is not importable"
    try:
        import onnxruntime
    except ImportError:
        log("    note: onnxruntime is not importable: model.onnx is not checked against torch")
        check["onnxruntime"] = "skipped: not importable"
        return check
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    diffs = {}
    for b in (1, x.shape[0]):
        (got,) = session.run(["logits"], {"input": x[:b].numpy()})
        diffs[str(b)] = float(abs(torch.from_numpy(got) - plain[:b]).max())
    check["onnxruntime"] = onnxruntime.__version__
    check["ort_cpu_max_abs_diff_vs_torch"] = diffs
    check["ok"] = check["ok"] and max(diffs.values()) / scale <= REL_TOLERANCE
    return check


def bench_model(directory, entry, batches, args):
    name = entry["name"]
    mdir = os.path.join(directory, name)
    with open(os.path.join(mdir, "config.json")) as f:
        cfg = json.load(f)
    cfg.pop("preprocess", None)
    model = ref_models.build_model(cfg)
    ref_models.load_weights(model, os.path.join(mdir, "weights.safetensors"))
    x, ref_logits = load_io(os.path.join(mdir, "io.safetensors"), cfg)
    macs = entry.get("macs") or ref_models.count_macs(model, cfg)

    with torch.no_grad():
        agreement = check_agreement(model(x), ref_logits)
    log(f"  agreement: max |Δ| {agreement['max_abs_diff']:.3g} (rel {agreement['rel_diff']:.3g}), "
        f"top-1 {agreement['top1_agree']}/{agreement['images']} -> {'ok' if agreement['ok'] else 'FAIL'}")

    result = {"params": ref_models.count_params(model), "macs": macs, "agreement": agreement}
    if not agreement["ok"]:
        log("  skipping the timing and the ONNX export: the outputs disagree")
        stale = os.path.join(mdir, "model.onnx")
        if os.path.exists(stale):
            os.remove(stale)  # so that the ORT peer does not time an earlier export
        return result
    modes = ["no_grad", "inference_mode"] if args.grad_mode == "both" else [args.grad_mode]
    for mode in modes:
        context = torch.no_grad if mode == "no_grad" else torch.inference_mode
        timings = {}
        for b in batches:
            xb = x[:b] if b <= x.shape[0] else x.repeat((b + x.shape[0] - 1) // x.shape[0], 1, 1, 1)[:b]
            with context():
                med, samples = median_ms(lambda: model(xb), args.runs, args.warmup)
            timings[str(b)] = {"median_ms": med, "per_image_ms": med / b, "min_ms": min(samples),
                               "samples_ms": samples, "gflops": ref_models.gflops(macs, b, med)}
            noisy = med > 1.5 * min(samples)
            log(f"  {mode} batch {b}: median {med:.2f} ms ({med / b:.2f} ms/image, "
                f"{timings[str(b)]['gflops']:.1f} GFLOP/s), min {min(samples):.2f} ms"
                + ("  NOISY: median > 1.5 × min, is another process using the CPU?" if noisy else ""))
        result["batches" if mode == modes[0] else f"batches_{mode}"] = timings
    result["grad_mode"] = modes[0]

    if args.no_onnx:
        return result
    path = os.path.join(mdir, "model.onnx")
    start = time.perf_counter()
    result["onnx_check"] = export_onnx(model, x, path)
    result["onnx"] = "model.onnx"
    check = result["onnx_check"]
    log(f"  exported {path} ({check['bytes'] / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s); "
        f"onnxruntime CPU vs torch: {check.get('ort_cpu_max_abs_diff_vs_torch', check['onnxruntime'])}")
    return result


def print_table(report, names):
    log(f"\ntorch {report['torch']} ({report['blas']}), {report['threads']} threads, "
        f"peak {report['peak_gflops']:.1f} GFLOP/s (fp32 matmul)")
    log(f"{'model':18} {'batch':>5} {'median ms':>10} {'ms/image':>9} {'GFLOP/s':>8} {'% peak':>7}  agreement")
    for name in names:
        r = report["models"][name]
        if "error" in r:
            log(f"{name:18} ERROR: {r['error']}")
            continue
        a = r["agreement"]
        agree = f"rel {a['rel_diff']:.1e}, top-1 {a['top1_agree']}/{a['images']}"
        if not a["ok"]:
            log(f"{name:18} DISAGREES with shiftscope ({agree}): not timed")
        for b, t in r.get("batches", {}).items():
            pct = 100 * t["gflops"] / report["peak_gflops"]
            log(f"{name:18} {b:>5} {t['median_ms']:10.2f} {t['per_image_ms']:9.2f} {t['gflops']:8.1f} {pct:6.1f}%  {agree}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="export directory (with manifest.json)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--models", help="comma-separated subset of the manifest's models")
    ap.add_argument("--batches", help="comma-separated batch sizes (default: the manifest's)")
    ap.add_argument("--grad-mode", choices=["no_grad", "inference_mode", "both"], default="no_grad",
                    help="eager context to time in; 'both' times no_grad then inference_mode")
    ap.add_argument("--no-onnx", action="store_true", help="skip the ONNX export")
    ap.add_argument("--blas", choices=["auto", "openblas", "system"], default="auto",
                    help=f"auto: OpenBLAS from {OPENBLAS_DIR} when installed, else the system libblas")
    args = ap.parse_args()

    with open(os.path.join(args.dir, "manifest.json")) as f:
        manifest = json.load(f)
    entries = manifest["models"]
    if args.models:
        wanted = args.models.split(",")
        unknown = sorted(set(wanted) - {e["name"] for e in entries})
        if unknown:
            sys.exit(f"models not in {args.dir}/manifest.json: {', '.join(unknown)}")
        entries = [e for e in entries if e["name"] in wanted]
    batches = [int(b) for b in args.batches.split(",")] if args.batches else manifest.get("batches", [1, 8])

    torch.set_num_threads(args.threads)
    out_path = os.path.join(args.dir, "torch.json")
    previous = {}
    if os.path.exists(out_path):
        with open(out_path) as f:
            previous = json.load(f).get("models", {})
    blas = loaded_blas()
    log(f"torch {torch.__version__} with BLAS {blas}: measuring fp32 matmul peak on {args.threads} threads")
    if "/blas/" in blas:
        log(f"  WARNING: this is the reference (netlib) BLAS, far slower than OpenBLAS; "
            f"apt-get install libopenblas0-openmp and use --blas auto")
    report = {"torch": torch.__version__, "blas": blas, "threads": torch.get_num_threads(),
              "peak_gflops": measure_peak_gflops(), "runs": args.runs, "warmup": args.warmup, "models": previous}
    log(f"  peak {report['peak_gflops']:.1f} GFLOP/s")

    failed = []
    for entry in entries:
        name = entry["name"]
        log(f"{name}:")
        try:
            result = bench_model(args.dir, entry, batches, args)
        except Exception as e:  # noqa: BLE001 — record it and go on with the other models
            result = {"error": f"{type(e).__name__}: {e}"}
            log(f"  ERROR {result['error']}")
        report["models"][name] = result
        if "error" in result:
            failed.append(f"{name}: {result['error']}")
        elif not result["agreement"]["ok"]:
            a = result["agreement"]
            failed.append(f"{name}: torch and shiftscope disagree: rel diff {a['rel_diff']:.3g} "
                          f"(limit {REL_TOLERANCE}), top-1 mismatches {a['top1_mismatches']}")
        elif result.get("onnx_check", {}).get("ok") is False:
            check = {k: v for k, v in result["onnx_check"].items() if k != "ops"}
            failed.append(f"{name}: the export disagrees with torch (export-friendly shifts or onnxruntime): {check}")
        with open(out_path, "w") as f:
            json.dump(report, f, indent=1)
    print_table(report, [e["name"] for e in entries])
    log(f"wrote {out_path}")
    if failed:
        sys.exit("FAILED:\n  " + "\n  ".join(failed))


if __name__ == "__main__":
    main()
