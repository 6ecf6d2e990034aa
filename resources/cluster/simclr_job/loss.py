"""NT-Xent over the global batch: every process's projections are gathered, so each view's negatives are the
other 2B−2 views of the whole batch, as in SimCLR (and as the app computes it on one machine)."""
import torch
import torch.distributed as dist
import torch.nn.functional as F

SELF_MASK = -1e9


def gather_rows(z):
    """z of every process, in rank order, keeping the gradient to this process's own rows."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return z
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(z), dim=0)


def nt_xent(z1, z2, temperature):
    """z1[i], z2[i]: projections of two views of image i (global batch). Mean cross-entropy over the 2B views."""
    batch = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1, eps=1e-6)
    logits = z @ z.t() / temperature + torch.eye(2 * batch, device=z.device, dtype=z.dtype) * SELF_MASK
    positives = torch.cat([torch.arange(batch, 2 * batch), torch.arange(0, batch)]).to(z.device)
    return F.cross_entropy(logits, positives)


def global_nt_xent(z1_local, z2_local, temperature):
    """The loss of the whole batch, the same number on every process; DDP's gradient average then equals one
    process's gradient for the whole batch (the gather's backward sums each process's share)."""
    return nt_xent(gather_rows(z1_local), gather_rows(z2_local), temperature)
