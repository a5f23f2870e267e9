"""Reference values for SpeakerContrastiveLossTests (numpy, float64). Run: /usr/bin/python3 contrastive_reference.py
Independent of the C# code: plain loops over the formulas of the paper's Eq. 1 and of SupContrast's SupConLoss."""
import numpy as np

def cos_matrix(z):
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    return zn @ zn.T

def ntxent_eq1(z, spk, tau):
    # Eq. 1: l_ij = -log(exp(s_ij/tau) / sum_{k: spk_k != spk_i} exp(s_ik/tau)), mean over ordered positive pairs.
    s = cos_matrix(z) / tau
    losses = []
    n = len(spk)
    for i in range(n):
        negs = [k for k in range(n) if spk[k] != spk[i]]
        if not negs:
            continue
        den = sum(np.exp(s[i, k]) for k in negs)
        for j in range(n):
            if j != i and spk[j] == spk[i]:
                losses.append(-np.log(np.exp(s[i, j]) / den))
    return np.mean(losses), len(losses)

def supcon(z, spk, tau):
    # SupContrast SupConLoss, one view, contrast_mode='all', base_temperature = temperature.
    s = cos_matrix(z) / tau
    n = len(spk)
    logits = s - s.max(axis=1, keepdims=True)
    per_anchor = []
    for i in range(n):
        pos = [p for p in range(n) if p != i and spk[p] == spk[i]]
        if not pos:
            continue  # the reference code would divide 0/0 here; we exclude such anchors
        den = sum(np.exp(logits[i, a]) for a in range(n) if a != i) + 1e-9
        per_anchor.append(-np.mean([logits[i, p] - np.log(den) for p in pos]))
    return np.mean(per_anchor)

cases = {
    "four_2d": (np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-0.6, 0.8]]), [0, 0, 1, 1], 0.5),
    "six_3d_with_singleton": (np.array([[1.0, 0.2, 0.0], [0.9, -0.1, 0.3], [0.7, 0.5, -0.2],
                                        [-0.3, 1.0, 0.4], [0.1, 0.8, 0.9], [0.5, -0.5, 1.0]]),
                              [7, 7, 7, 3, 3, 9], 0.1),
}
for name, (z, spk, tau) in cases.items():
    l, pairs = ntxent_eq1(z, spk, tau)
    print(f"{name}: ntxent={l:.10f} (pairs={pairs}) supcon={supcon(z, spk, tau):.10f}")
