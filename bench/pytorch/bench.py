"""PyTorch twin of Emolingua's benches. Prints exactly one JSON line on stdout.

  /usr/bin/python3 bench/pytorch/bench.py logmel  --batch B --seconds S [--threads T] [--iters N] [--warmup W]
  /usr/bin/python3 bench/pytorch/bench.py encoder --size tiny|base|small --batch B --seconds S \
        --mode forward|train [--threads T] [--iters N] [--warmup W]
  /usr/bin/python3 bench/pytorch/bench.py gemm [--m M --k K --n N] [--threads T] [--iters N] [--warmup W]

Output: {"what": "logmel b64 4s" | "encoder small train b8 4s", "median_ms": ..., "min_ms": ..., ...}
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import whisper_twin as wt  # noqa: E402


VERBOSE = False


def _time(fn, warmup: int, iters: int) -> list[float]:
    times = []
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        fn()
        ms = (time.perf_counter() - t0) * 1000.0
        if i >= warmup:
            times.append(ms)
        if VERBOSE:
            print(f"{'warmup' if i < warmup else 'iter'} {i - warmup if i >= warmup else i}: {ms:.1f} ms",
                  file=sys.stderr, flush=True)
    return times


def bench_logmel(args) -> tuple[str, list[float]]:
    n = int(round(args.seconds * wt.SAMPLE_RATE))
    audio = (torch.rand(args.batch, n) * 2.0 - 1.0) * 0.5
    front = wt.LogMel(torch.float32)
    expected_frames = n // wt.HOP

    def step():
        with torch.no_grad():
            out = front(audio)
        assert out.shape == (args.batch, wt.N_MELS, expected_frames)

    return f"logmel b{args.batch} {_fmt(args.seconds)}s", _time(step, args.warmup, args.iters)


def bench_encoder(args) -> tuple[str, list[float]]:
    cfg = wt.SIZES[args.size]
    frames = int(round(args.seconds * 100))
    positions = frames // 2                                     # 50 * S rows of embed_positions
    encoder = wt.WhisperEncoder(cfg, positions=positions)
    feats = torch.randn(args.batch, cfg.num_mel_bins, frames)

    if args.mode == "forward":
        encoder.eval()

        def step():
            with torch.no_grad():
                encoder(feats)
    else:
        model = wt.Classifier(encoder, n_classes=4, hidden=256, dropout=0.1)
        wt.freeze_front(encoder)                                 # conv1, conv2, embed_positions frozen
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-5)                 # weight_decay default 0.01
        loss_fn = nn.CrossEntropyLoss()
        labels = torch.randint(0, 4, (args.batch,))
        model.train()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(feats), labels)
            loss.backward()
            opt.step()

    return f"encoder {args.size} {args.mode} b{args.batch} {_fmt(args.seconds)}s", _time(step, args.warmup, args.iters)


# FP32 matrix-product rate: the same shapes as Emolingua's MatmulThroughput (Util/MatmulThroughput.cs).
GEMM_DEFAULT = (1600, 768, 3072)            # whisper-small fc1 for 8 x 4 s: [1600 x 768] . [768 x 3072]
GEMM_PEAK_SHAPES = [GEMM_DEFAULT, (1600, 3072, 768), (1600, 768, 768), (2048, 2048, 2048), (4096, 4096, 4096)]


def gemm_rate(shape, iters: int, warmup: int = 1) -> tuple[float, float, float]:
    """(median ms, min ms, GFLOP/s at the median) of torch.mm on random float32 [M, K] . [K, N]."""
    m, k, n = shape
    a, b = torch.randn(m, k), torch.randn(k, n)

    def step():
        with torch.no_grad():
            torch.mm(a, b)

    times = _time(step, warmup, iters)
    med = statistics.median(times)
    return med, min(times), 2.0 * m * k * n / (med * 1e6)


def gemm_peak(iters: int) -> tuple[float, tuple]:
    """Best GFLOP/s over GEMM_PEAK_SHAPES (fewer iterations for the big ones, as on the C# side)."""
    best = (0.0, GEMM_DEFAULT)
    default_flops = 2.0 * GEMM_DEFAULT[0] * GEMM_DEFAULT[1] * GEMM_DEFAULT[2]
    for shape in GEMM_PEAK_SHAPES:
        flops = 2.0 * shape[0] * shape[1] * shape[2]
        n = max(1, int(min(iters, iters * default_flops * 4 / flops)))
        rate = gemm_rate(shape, n)[2]
        if rate > best[0]:
            best = (rate, shape)
    return best


def encoder_flops(cfg, batch: int, positions: int, train: bool, head_hidden: int = 256, classes: int = 4) -> float:
    """Matrix-product FLOPs (2 per multiply-add), the formula of Emolingua's Models/EncoderFlops.cs:
    conv1 2*B*F*D*(3*n_mels), conv2 2*B*P*D*(3*D)   (F = 2P frames; frozen: no backward work)
    layer 2*B*P*D*D*4 (q,k,v,out) + 2*B*P*P*D*2 (q.k^T, attn.v) + 2*B*P*D*Dff*2 (fc1, fc2)
    head  2*B*(D*h + h*c)   (train only)
    forward = front + layers;  train = front + 3 * (layers + head)."""
    b, p, d, ffn = float(batch), float(positions), float(cfg.d_model), float(cfg.encoder_ffn_dim)
    front = 2 * b * (2 * p) * d * (3.0 * cfg.num_mel_bins) + 2 * b * p * d * (3.0 * d)
    layer = 2 * b * p * d * d * 4 + 2 * b * p * p * d * 2 + 2 * b * p * d * ffn * 2
    if not train:
        return front + cfg.encoder_layers * layer
    head = 2 * b * (d * head_hidden + head_hidden * classes)
    return front + 3 * (cfg.encoder_layers * layer + head)


def _fmt(s: float) -> str:
    return str(int(s)) if float(s).is_integer() else str(s)


def bench_gemm(args) -> int:
    given = [args.m, args.k, args.n]
    if any(v is not None for v in given) and not all(v is not None and v >= 1 for v in given):
        raise SystemExit("bench.py gemm: give all of --m, --k and --n (each >= 1), or none")
    shape = tuple(given) if given[0] is not None else GEMM_DEFAULT
    med, mn, gflops = gemm_rate(shape, args.iters, args.warmup)
    result = {"what": "gemm {}x{}x{}".format(*shape), "median_ms": round(med, 3), "min_ms": round(mn, 3),
              "iters": args.iters, "gflops": round(gflops, 1), "best_gflops": round(2.0 * shape[0] * shape[1] * shape[2] / (mn * 1e6), 1)}
    if given[0] is None:
        peak, peak_shape = gemm_peak(args.iters)
        result["peak_gflops"] = round(max(peak, gflops), 1)
        result["peak_shape"] = "{}x{}x{}".format(*(peak_shape if peak >= gflops else shape))
    result.update(impl="pytorch", torch=torch.__version__, threads=torch.get_num_threads(),
                  peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1), blas=blas_library())
    print(json.dumps(result), flush=True)
    return 0


def blas_library() -> str:
    """The BLAS this process really mapped (Debian's torch calls whatever libblas.so.3 resolves to)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    return ",".join(sorted(os.path.realpath(p) for p in paths)) or "none mapped"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--batch", type=int, default=8)
    common.add_argument("--seconds", type=float, default=4.0)
    common.add_argument("--threads", type=int, default=2)
    common.add_argument("--iters", type=int, default=None, help="timed iterations (default 20 logmel, 10 encoder)")
    common.add_argument("--warmup", type=int, default=3)
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--verbose", action="store_true", help="per-iteration times on stderr")
    sub.add_parser("logmel", parents=[common])
    gemm = sub.add_parser("gemm", parents=[common])
    gemm.add_argument("--m", type=int)
    gemm.add_argument("--k", type=int)
    gemm.add_argument("--n", type=int)
    enc = sub.add_parser("encoder", parents=[common])
    enc.add_argument("--size", choices=sorted(wt.SIZES), required=True)
    enc.add_argument("--mode", choices=["forward", "train"], required=True)
    args = ap.parse_args()
    if args.iters is None:
        args.iters = 20 if args.cmd == "logmel" else 10
    if args.iters < 1 or args.warmup < 0 or args.batch < 1 or args.seconds <= 0:
        ap.error("need --iters >= 1, --warmup >= 0, --batch >= 1, --seconds > 0")

    global VERBOSE
    VERBOSE = args.verbose
    torch.set_num_threads(args.threads)                          # Debian torch defaults to 1 thread
    torch.manual_seed(args.seed)

    if args.cmd == "gemm":
        return bench_gemm(args)
    what, times = bench_logmel(args) if args.cmd == "logmel" else bench_encoder(args)

    result = {
        "what": what,
        "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2),
        "impl": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "seconds": args.seconds,
        "iters": args.iters,
        "warmup": args.warmup,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
    if args.cmd == "encoder":
        result["size"] = args.size
        result["mode"] = args.mode
        # Achieved rate and the fraction of the matrix-product peak measured in this process, just after the steps.
        cfg = wt.SIZES[args.size]
        flops = encoder_flops(cfg, args.batch, int(round(args.seconds * 100)) // 2, args.mode == "train")
        gflops = flops / (result["median_ms"] * 1e6)
        peak = gemm_rate(GEMM_DEFAULT, 10)[2]
        result.update(gflop=round(flops / 1e9, 1), gflops=round(gflops, 1), peak_gflops=round(peak, 1),
                      fraction_of_peak=round(gflops / peak, 3))
    result["blas"] = blas_library()
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                      "OMP_NUM_THREADS", "OMP_WAIT_POLICY") if k in os.environ}
    if env:
        result["env"] = env
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
