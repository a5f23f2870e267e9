"""PyTorch twin of Emolingua's benches. Prints exactly one JSON line on stdout.

  /usr/bin/python3 bench/pytorch/bench.py logmel  --batch B --seconds S [--threads T] [--iters N] [--warmup W]
  /usr/bin/python3 bench/pytorch/bench.py encoder --size tiny|base|small --batch B --seconds S \
        --mode forward|train [--threads T] [--iters N] [--warmup W]

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


def _fmt(s: float) -> str:
    return str(int(s)) if float(s).is_integer() else str(s)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--batch", type=int, required=True)
    common.add_argument("--seconds", type=float, required=True)
    common.add_argument("--threads", type=int, default=2)
    common.add_argument("--iters", type=int, default=None, help="timed iterations (default 20 logmel, 10 encoder)")
    common.add_argument("--warmup", type=int, default=3)
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--verbose", action="store_true", help="per-iteration times on stderr")
    sub.add_parser("logmel", parents=[common])
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
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                      "OMP_NUM_THREADS") if k in os.environ}
    if env:
        result["env"] = env
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
