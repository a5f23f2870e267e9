"""PyTorch twin of Emolingua's Whisper front end and encoder (benchmarks and reference numbers only).

Mirrors Hugging Face ``WhisperFeatureExtractor`` (torch path, per-example max) and ``WhisperEncoder``
with the positional embedding cropped to the window (spec §1, §2). Parameter names follow HF, so a
state dict with or without the ``model.encoder.`` / ``encoder.`` prefix loads directly.

Runs on Debian's PyTorch 1.13 (``/usr/bin/python3``); no dependency beyond torch + numpy.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80


# --------------------------------------------------------------------------------------------
# Log-mel (spec §1)
# --------------------------------------------------------------------------------------------
def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    f = np.asarray(f, dtype=np.float64)
    return np.where(f < min_log_hz, f / f_sp, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3.0
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    m = np.asarray(m, dtype=np.float64)
    return np.where(m < min_log_mel, f_sp * m, min_log_hz * np.exp(logstep * (m - min_log_mel)))


def mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                fmin: float = 0.0, fmax: float = 8000.0) -> np.ndarray:
    """Slaney-scale, Slaney-normalised triangular filters, shape (n_mels, 1 + n_fft//2), float64 (spec §1.3)."""
    mels = np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2)
    f = _mel_to_hz(mels)
    fftfreqs = np.arange(1 + n_fft // 2, dtype=np.float64) * sr / n_fft
    w = np.zeros((n_mels, fftfreqs.size), dtype=np.float64)
    for m in range(n_mels):
        lower = (fftfreqs - f[m]) / (f[m + 1] - f[m])
        upper = (f[m + 2] - fftfreqs) / (f[m + 2] - f[m + 1])
        w[m] = np.maximum(0.0, np.minimum(lower, upper)) * (2.0 / (f[m + 2] - f[m]))
    return w


class LogMel(nn.Module):
    """[B, L] float waveform (16 kHz) -> [B, 80, L // 160] Whisper log-mel (per-example max)."""

    def __init__(self, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.register_buffer("window", torch.hann_window(N_FFT, periodic=True, dtype=dtype), persistent=False)
        self.register_buffer("filters", torch.from_numpy(mel_filters()).to(dtype), persistent=False)

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        if audio.dim() == 1:
            audio = audio.unsqueeze(0)
        stft = torch.stft(audio, N_FFT, HOP, window=self.window, center=True, pad_mode="reflect",
                          normalized=False, onesided=True, return_complex=True)
        mag = stft[..., :-1].abs() ** 2                       # [B, 201, frames]; drop last frame
        mel = torch.matmul(self.filters, mag)                  # [B, 80, frames]
        log_spec = torch.clamp(mel, min=1e-10).log10()
        max_val = log_spec.amax(dim=(1, 2), keepdim=True)      # per-example max
        log_spec = torch.maximum(log_spec, max_val - 8.0)
        return (log_spec + 4.0) / 4.0


def fit_window(audio: np.ndarray, seconds: float) -> np.ndarray:
    """Cut to the first S seconds or zero-pad at the end to exactly S*16000 samples."""
    n = int(round(seconds * SAMPLE_RATE))
    out = np.zeros(n, dtype=audio.dtype)
    m = min(n, audio.shape[0])
    out[:m] = audio[:m]
    return out


# --------------------------------------------------------------------------------------------
# Encoder (spec §2)
# --------------------------------------------------------------------------------------------
@dataclass
class WhisperConfig:
    d_model: int
    encoder_layers: int
    encoder_attention_heads: int
    encoder_ffn_dim: int
    num_mel_bins: int = 80
    max_source_positions: int = 1500


SIZES = {
    "tiny": WhisperConfig(384, 4, 6, 1536),
    "base": WhisperConfig(512, 6, 8, 2048),
    "small": WhisperConfig(768, 12, 12, 3072),
}


def sinusoids(length: int, channels: int, max_timescale: float = 10000.0) -> torch.Tensor:
    assert channels % 2 == 0
    inc = math.log(max_timescale) / (channels // 2 - 1)
    inv = torch.exp(-inc * torch.arange(channels // 2, dtype=torch.float32))
    t = torch.arange(length, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cat([torch.sin(t), torch.cos(t)], dim=1)


class WhisperAttention(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = d // heads
        self.scaling = self.head_dim ** -0.5
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=True)
        self.q_proj = nn.Linear(d, d, bias=True)
        self.out_proj = nn.Linear(d, d, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q = self.q_proj(x) * self.scaling
        k = self.k_proj(x)
        v = self.v_proj(x)
        q = q.view(b, t, self.heads, self.head_dim).transpose(1, 2)  # [B, H, T, hd]
        k = k.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = v.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        attn = torch.softmax(torch.matmul(q, k.transpose(-1, -2)), dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, t, d)
        return self.out_proj(out)


class WhisperEncoderLayer(nn.Module):
    def __init__(self, cfg: WhisperConfig):
        super().__init__()
        d = cfg.d_model
        self.self_attn = WhisperAttention(d, cfg.encoder_attention_heads)
        self.self_attn_layer_norm = nn.LayerNorm(d, eps=1e-5)
        self.fc1 = nn.Linear(d, cfg.encoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_dim, d)
        self.final_layer_norm = nn.LayerNorm(d, eps=1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.self_attn_layer_norm(x))
        x = x + self.fc2(F.gelu(self.fc1(self.final_layer_norm(x))))
        return x


class WhisperEncoder(nn.Module):
    """HF WhisperEncoder with embed_positions cropped to ``positions`` rows (= 50 * seconds).
    Dropouts / layerdrop are 0 in released configs and omitted."""

    def __init__(self, cfg: WhisperConfig, positions: int | None = None):
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        p = positions if positions is not None else cfg.max_source_positions
        self.conv1 = nn.Conv1d(cfg.num_mel_bins, d, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(d, d, kernel_size=3, stride=2, padding=1)
        self.embed_positions = nn.Embedding(p, d)
        with torch.no_grad():
            self.embed_positions.weight.copy_(sinusoids(p, d))
        self.embed_positions.requires_grad_(False)
        self.layers = nn.ModuleList([WhisperEncoderLayer(cfg) for _ in range(cfg.encoder_layers)])
        self.layer_norm = nn.LayerNorm(d, eps=1e-5)

    def forward(self, input_features: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.conv1(input_features))
        x = F.gelu(self.conv2(x))
        x = x.permute(0, 2, 1)
        t = x.shape[1]
        if t != self.embed_positions.weight.shape[0]:
            raise ValueError(f"expected {2 * self.embed_positions.weight.shape[0]} mel frames, "
                             f"got {input_features.shape[-1]}")
        x = x + self.embed_positions.weight[:t]
        for layer in self.layers:
            x = layer(x)
        return self.layer_norm(x)

    def load_hf_state_dict(self, sd: dict[str, torch.Tensor], strict: bool = True) -> None:
        """Load HF keys (``model.encoder.*``, ``encoder.*`` or bare); skip everything else
        (decoder, proj_out); crop embed_positions to this model's rows."""
        own = set(self.state_dict().keys())
        out = {}
        for k, v in sd.items():
            for prefix in ("model.encoder.", "encoder.", ""):
                if k.startswith(prefix) and k[len(prefix):] in own:
                    out[k[len(prefix):]] = v
                    break
        key = "embed_positions.weight"
        if key in out:
            out[key] = out[key][: self.embed_positions.weight.shape[0]]
        missing = own - set(out)
        if strict and missing:
            raise KeyError(f"missing keys: {sorted(missing)}")
        self.load_state_dict(out, strict=strict)


def config_from_hf_json(path: str) -> WhisperConfig:
    with open(path) as f:
        c = json.load(f)
    return WhisperConfig(c["d_model"], c["encoder_layers"], c["encoder_attention_heads"], c["encoder_ffn_dim"],
                         c.get("num_mel_bins", 80), c.get("max_source_positions", 1500))


# --------------------------------------------------------------------------------------------
# Minimal safetensors reader (spec §3.1)
# --------------------------------------------------------------------------------------------
_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
              "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def read_safetensors(path: str) -> dict[str, torch.Tensor]:
    """Pure-Python safetensors reader; F16 / BF16 upcast to float32."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        b, e = meta["data_offsets"]
        raw = data[base + b: base + e]
        shape = meta["shape"]
        dt = meta["dtype"]
        if dt == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(_ST_DTYPES[dt]).newbyteorder("<"))
        arr = arr.reshape(shape)
        if dt in ("F16", "BF16"):
            arr = arr.astype(np.float32)
        out[name] = torch.from_numpy(arr.copy())
    return out


# --------------------------------------------------------------------------------------------
# Classifier used by the training benchmark (matches the C# side)
# --------------------------------------------------------------------------------------------
class Classifier(nn.Module):
    """Encoder -> time-mean pooling -> Linear(d,256) -> ReLU -> Dropout(0.1) -> Linear(256,n_classes)."""

    def __init__(self, encoder: WhisperEncoder, n_classes: int = 4, hidden: int = 256, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        d = encoder.cfg.d_model
        self.head = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(feats).mean(dim=1))


def freeze_front(encoder: WhisperEncoder) -> None:
    for m in (encoder.conv1, encoder.conv2, encoder.embed_positions):
        m.requires_grad_(False)
