"""Reference values for MixupLogExpTests (numpy float64). Run: /usr/bin/python3 mixup_reference.py
Whisper domain: y = (log10(P) + 4) / 4  <=>  P = 10**(4y - 4); mix in P, back with Whisper's 1e-10 floor.
Natural-log domain: BYOL-A's log((1 - a) exp(x) + a exp(z) + eps), eps = float32 eps."""
import numpy as np

def whisper_mix(x, z, a):
    px, pz = 10.0 ** (4 * x - 4), 10.0 ** (4 * z - 4)
    return (np.log10(max((1 - a) * px + a * pz, 1e-10)) + 4) / 4

def natural_mix(x, z, a):
    return np.log((1 - a) * np.exp(x) + a * np.exp(z) + np.finfo(np.float32).eps)

print(f"whisper x=0.5 z=0.0 a=0.25 -> {whisper_mix(0.5, 0.0, 0.25):.10f}")
print(f"whisper x=-0.75 z=1.0 a=0.1 -> {whisper_mix(-0.75, 1.0, 0.1):.10f}")
print(f"natural x=1.0 z=0.0 a=0.25 -> {natural_mix(1.0, 0.0, 0.25):.10f}")
print(f"natural x=-2.0 z=3.0 a=0.4 -> {natural_mix(-2.0, 3.0, 0.4):.10f}")
