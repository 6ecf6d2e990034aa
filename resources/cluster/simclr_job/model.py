"""The app's encoder f (a ResNet) and projection head g, layer for layer, with the app's layer names.

The app builds them in TensorFlow.js, whose 'same' padding puts the odd pixel of a strided convolution's
padding at the bottom and right; PyTorch pads both sides alike, so each layer pads explicitly the way TF
does. Batch norm uses TF's epsilon (1e-3), and in training its statistics are taken over the global batch,
across every process, as SimCLR does (a per-GPU batch norm lets the network cheat the contrastive loss).
"""
import math

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

BN_EPSILON = 1e-3
# TF's momentum 0.9 keeps 90 % of the running statistic; PyTorch's momentum is the new batch's share.
BN_MOMENTUM = 0.1


def tf_same_padding(size, kernel, stride):
    """(before, after) padding of TF's 'same' along one axis: the odd pixel goes after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def pad_same(x, kernel, stride, value=0.0):
    top, bottom = tf_same_padding(x.shape[2], kernel, stride)
    left, right = tf_same_padding(x.shape[3], kernel, stride)
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom), value=value)


def _global_sum(tensor):
    """Sum over every process, differentiable (each process's gradient flows back to its own part)."""
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        from torch.distributed.nn.functional import all_reduce

        return all_reduce(tensor)
    return tensor


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm whose training statistics are those of the whole global batch (biased variance, as TF)."""

    def __init__(self, features):
        super().__init__(features, eps=BN_EPSILON, momentum=BN_MOMENTUM)

    def _check_input_dim(self, x):
        if x.dim() not in (2, 4):
            raise ValueError(f"expected a 2-D or 4-D input, got {x.dim()}-D")

    def forward(self, x):
        axes = [0] if x.dim() == 2 else [0, 2, 3]
        shape = [1, -1] + [1] * (x.dim() - 2)
        if not self.training:
            mean, var = self.running_mean, self.running_var
        else:
            count = _global_sum(torch.tensor(float(x.numel() // x.shape[1]), device=x.device))
            mean = _global_sum(x.sum(dim=axes)) / count
            var = _global_sum(((x - mean.view(shape)) ** 2).sum(dim=axes)) / count
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(mean.detach(), alpha=self.momentum)
                self.running_var.mul_(1 - self.momentum).add_(var.detach(), alpha=self.momentum)
        normalized = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps)
        return normalized * self.weight.view(shape) + self.bias.view(shape)


class ConvBN:
    """A bias-free convolution with TF 'same' padding, then batch norm. Both are registered on the encoder
    under the app's names (`<name>_conv`, `<name>_batch_normalization`), so its state dict maps 1:1 onto the app's."""

    def __init__(self, owner, name, in_channels, out_channels, kernel, stride):
        self.kernel, self.stride = kernel, stride
        # At stride 1 an odd kernel's 'same' padding is symmetric, which the convolution does itself (faster).
        self.symmetric = stride == 1 and kernel % 2 == 1
        self.conv = nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2 if self.symmetric else 0, bias=False)
        self.bn = GlobalBatchNorm(out_channels)
        owner.add_module(f"{name}_conv", self.conv)
        owner.add_module(f"{name}_batch_normalization", self.bn)

    def __call__(self, x):
        return self.bn(self.conv(x if self.symmetric else pad_same(x, self.kernel, self.stride)))


class Encoder(nn.Module):
    """f: image [B, S, S, 3] in [0, 1] (channels last, as the app feeds it) → h [B, D]."""

    def __init__(self, architecture):
        super().__init__()
        widths = architecture["widths"]
        self.bottleneck = architecture["block"] == "bottleneck"
        self.imagenet_stem = architecture["imagenetStem"]
        # Plain lists of ConvBN, which are not modules: the layers are registered on self by name.
        self.steps = []
        self.stem = ConvBN(self, "stem", 3, widths[0], 7 if self.imagenet_stem else 3, 2 if self.imagenet_stem else 1)
        channels = widths[0]
        for stage, (width, blocks) in enumerate(zip(widths, architecture["blocksPerStage"])):
            for index in range(blocks):
                stride = (1 if stage == 0 else 2) if index == 0 else 1
                name = f"stage{stage + 1}_block{index + 1}"
                out = width * (4 if self.bottleneck else 1)
                if self.bottleneck:
                    branch = [ConvBN(self, f"{name}_a", channels, width, 1, 1), ConvBN(self, f"{name}_b", width, width, 3, stride), ConvBN(self, f"{name}_c", width, out, 1, 1)]
                else:
                    branch = [ConvBN(self, f"{name}_a", channels, width, 3, stride), ConvBN(self, f"{name}_b", width, width, 3, 1)]
                projection = ConvBN(self, f"{name}_proj", channels, out, 1, stride) if stride != 1 or channels != out else None
                self.steps.append((branch, projection))
                channels = out
        self.dim = channels

    def forward(self, images):
        x = images.permute(0, 3, 1, 2) * 2 - 1
        x = F.relu(self.stem(x))
        if self.imagenet_stem:
            x = F.max_pool2d(pad_same(x, 3, 2, value=float("-inf")), 3, 2)
        for branch, projection in self.steps:
            y = x
            for position, layer in enumerate(branch):
                y = layer(y)
                if position < len(branch) - 1:
                    y = F.relu(y)
            x = F.relu(y + (projection(x) if projection is not None else x))
        return x.mean(dim=(2, 3))


class ProjectionHead(nn.Module):
    """g: Linear(d, d, no bias) → batch norm → ReLU → Linear(d, out), the app's head_* layers."""

    def __init__(self, dim, out_dim):
        super().__init__()
        self.head_dense1 = nn.Linear(dim, dim, bias=False)
        self.head_batch_normalization = GlobalBatchNorm(dim)
        self.head_dense2 = nn.Linear(dim, out_dim)

    def forward(self, h):
        return self.head_dense2(F.relu(self.head_batch_normalization(self.head_dense1(h))))


class Simclr(nn.Module):
    def __init__(self, architecture, projection_dim):
        super().__init__()
        self.encoder = Encoder(architecture)
        self.head = ProjectionHead(self.encoder.dim, projection_dim)

    def forward(self, views):
        return self.head(self.encoder(views))
