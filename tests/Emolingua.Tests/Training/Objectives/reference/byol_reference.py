"""Reference value for ByolLossTests.HandComputedTinyCase (torch 1.13 twin, lucidrains' loss_fn verbatim).
Run: /usr/bin/python3 byol_reference.py"""
import torch
import torch.nn.functional as F

def loss_fn(x, y):
    x = F.normalize(x, dim=-1, p=2)
    y = F.normalize(y, dim=-1, p=2)
    return 2 - 2 * (x * y).sum(dim=-1)

p1 = torch.tensor([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]], dtype=torch.float64)
z2 = torch.tensor([[2.0, 1.0, 0.0], [-1.0, 1.0, 1.0]], dtype=torch.float64)
p2 = torch.tensor([[0.0, 1.0, 1.0], [3.0, -2.0, 0.5]], dtype=torch.float64)
z1 = torch.tensor([[1.0, 1.0, 1.0], [0.2, 0.4, -0.6]], dtype=torch.float64)
loss = (loss_fn(p1, z2.detach()) + loss_fn(p2, z1.detach())).mean()
print(f"symmetric={loss.item():.10f} per-example term1={loss_fn(p1, z2).tolist()}")
