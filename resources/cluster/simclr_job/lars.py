"""LARS (You et al. 2017) as SimCLR and the app use it, and the app's warm-up + cosine schedule."""
import math
import re

import torch

# Batch-norm parameters and biases get neither weight decay nor trust-ratio adaptation (as in SimCLR).
EXCLUDED = re.compile(r"batch_normalization|gamma|beta|bias")


class Lars(torch.optim.Optimizer):
    """g ← g + wd·w; lr' = lr·η‖w‖/‖g‖ (1 when a norm is 0); v ← m·v + lr'·g; w ← w − v."""

    def __init__(self, named_parameters, lr, momentum=0.9, weight_decay=1e-6, eta=0.001):
        groups = [
            {"params": [p for n, p in named_parameters if not EXCLUDED.search(n)], "adapt": True},
            {"params": [p for n, p in named_parameters if EXCLUDED.search(n)], "adapt": False},
        ]
        super().__init__(groups, dict(lr=lr, momentum=momentum, weight_decay=weight_decay, eta=eta))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                lr = group["lr"]
                if group["adapt"]:
                    g = g.add(p, alpha=group["weight_decay"])
                    w_norm, g_norm = torch.norm(p), torch.norm(g)
                    trust = torch.where((w_norm > 0) & (g_norm > 0), group["eta"] * w_norm / g_norm, torch.ones_like(w_norm))
                    lr = trust * lr
                state = self.state[p]
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(p)
                velocity = state["velocity"]
                velocity.mul_(group["momentum"]).add_(g * lr)
                p.sub_(velocity)


def make_optimizer(kind, named_parameters, lr):
    named_parameters = list(named_parameters)
    if kind == "lars":
        return Lars(named_parameters, lr)
    # tf.train.adam's defaults (its epsilon is 1e-7, PyTorch's 1e-8).
    return torch.optim.Adam([p for _, p in named_parameters], lr=lr, betas=(0.9, 0.999), eps=1e-7)


def learning_rate_at(step, base_lr, warmup_steps, total_steps):
    """Linear warm-up ((step+1)/warmup, so the first step learns), then cosine decay to zero."""
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    decay = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay)
    return 0.5 * base_lr * (1 + math.cos(math.pi * progress))
