# Reference values for AdamWTests (run with Debian's /usr/bin/python3, torch 1.13). Not run by the tests.
import torch
p = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64))
opt = torch.optim.AdamW([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
grads = [[0.5, -1.0, 0.0], [0.25, 2.0, -0.5], [-1.0, 0.1, 0.3]]
for g in grads:
    opt.zero_grad()
    p.grad = torch.tensor(g, dtype=torch.float64)
    opt.step()
    print([f"{v:.12f}" for v in p.tolist()])
