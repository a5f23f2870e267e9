"""Check the PyTorch twin against tests/fixtures/whisper (or --fixtures DIR).

Prints the max abs diff for every expected .npy file and exits non-zero if any exceeds --tol.
Usage: /usr/bin/python3 bench/pytorch/check_fixtures.py [--fixtures DIR] [--tol 1e-4]
"""
from __future__ import annotations

import argparse
import os
import re
import sys

import numpy as np
import torch
from scipy.io import wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import whisper_twin as wt  # noqa: E402


def load_wav(path: str) -> np.ndarray:
    sr, x = wavfile.read(path)
    assert sr == wt.SAMPLE_RATE, f"{path}: {sr} Hz"
    assert x.dtype == np.int16 and x.ndim == 1, f"{path}: {x.dtype} {x.shape}"
    return x.astype(np.float32) / 32768.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures", "whisper"))
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    torch.set_num_threads(2)

    root = args.fixtures
    ckpt = os.path.join(root, "whisper-tiny-random")
    exp_dir = os.path.join(root, "whisper-tiny-random-expected")
    cfg = wt.config_from_hf_json(os.path.join(ckpt, "config.json"))
    sd = wt.read_safetensors(os.path.join(ckpt, "model.safetensors"))
    logmel32 = wt.LogMel(torch.float32)
    logmel64 = wt.LogMel(torch.float64)
    encoders: dict[int, wt.WhisperEncoder] = {}

    worst = 0.0
    rows = []
    for name in sorted(os.listdir(exp_dir)):
        m = re.fullmatch(r"(logmel|pooled|hidden)_(.+)_(\d+)s\.npy", name)
        if not m:
            continue
        kind, stem, secs = m.group(1), m.group(2), int(m.group(3))
        expected = np.load(os.path.join(exp_dir, name))
        audio = wt.fit_window(load_wav(os.path.join(root, "inputs", stem + ".wav")), secs)
        with torch.no_grad():
            feats = logmel32(torch.from_numpy(audio)[None])              # [1, 80, 100 S]
            if kind == "logmel":
                got = feats[0].numpy()
                got64 = logmel64(torch.from_numpy(audio.astype(np.float64))[None])[0].numpy()
                extra = f"  (float64 twin: {np.abs(got64 - expected).max():.2e})"
            else:
                p = 50 * secs
                if p not in encoders:
                    enc = wt.WhisperEncoder(cfg, positions=p)
                    enc.load_hf_state_dict(sd)
                    encoders[p] = enc.eval()
                h = encoders[p](feats)[0]
                got = (h.mean(dim=0) if kind == "pooled" else h).numpy()
                extra = ""
        assert got.shape == expected.shape, f"{name}: got {got.shape}, expected {expected.shape}"
        diff = float(np.abs(got.astype(np.float64) - expected.astype(np.float64)).max())
        worst = max(worst, diff)
        rows.append(f"{name:34s} {str(expected.shape):11s} max|diff| = {diff:.2e}{extra}")
    print("\n".join(rows))
    ok = worst <= args.tol and rows
    print(f"{len(rows)} files, worst {worst:.2e} -> {'OK' if ok else 'FAIL'} (tol {args.tol:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
