"""SimCLR's augmentation as the app draws and applies it (src/main/engine/ml/model/augment.ts).

Each view's parameters are drawn per image from the job's resolved ranges; the images are then cropped,
coloured and blurred in batched tensor ops. The parameters of image `row` at step `step` come from a
generator seeded by (seed, step, row, view), so a run gives every image the same views however many
processes share the batch.
"""
import math
import random

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)
JITTER_OPS = ("brightness", "contrast", "saturation", "hue")
# Row-vector RGB→YIQ and back: the hue shift is a rotation of the (I, Q) plane.
TO_YIQ = ((0.299, 0.596, 0.211), (0.587, -0.274, -0.523), (0.114, -0.322, 0.312))
FROM_YIQ = ((1.0, 1.0, 1.0), (0.956, -0.272, -1.106), (0.621, -0.647, 1.703))
MAX_UNBLURRED_SIDE = 32


def blur_kernel_size(side):
    """Odd, about side/10 as in the paper's code; 0 (no blur) at sides of 32 px and below."""
    if side <= MAX_UNBLURRED_SIDE:
        return 0
    return 2 * max(1, (side // 10) // 2) + 1


def view_rng(seed, step, row, view):
    return random.Random(f"{seed}:{step}:{row}:{view}")


def sample_crop_box(rng, height, width, scale, ratio):
    """Inception-style crop, normalised [y1, x1, y2, x2]: 10 tries at a random area and log-uniform aspect, else the whole image."""
    for _ in range(10):
        area = rng.uniform(scale[0], scale[1]) * height * width
        aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
        w = math.sqrt(area * aspect)
        h = math.sqrt(area / aspect)
        if w <= width and h <= height:
            y = rng.uniform(0, height - h)
            x = rng.uniform(0, width - w)
            return [y / height, x / width, (y + h) / height, (x + w) / width]
    return [0.0, 0.0, 1.0, 1.0]


def draw_view_params(rng, height, width, out_size, options):
    """Everything random about one view of one image, from the job's augmentation options."""
    y1, x1, y2, x2 = sample_crop_box(rng, height, width, options["cropScale"], options["cropRatio"])
    flip = rng.random() < options["flipProb"]
    jitter = None
    if rng.random() < options["colorJitterProb"]:
        s = options["colorStrength"]
        order = list(JITTER_OPS)
        rng.shuffle(order)
        factor = lambda amount: rng.uniform(max(0.0, 1 - amount), 1 + amount)  # noqa: E731
        jitter = {"order": order, "brightness": factor(0.8 * s), "contrast": factor(0.8 * s), "saturation": factor(0.8 * s), "hue": rng.uniform(-0.2 * s, 0.2 * s)}
    grayscale = rng.random() < options["grayscaleProb"]
    blur_sigma = None
    if blur_kernel_size(out_size) > 0 and rng.random() < options["blurProb"]:
        blur_sigma = rng.uniform(*options["blurSigma"])
    box = [y1, x2, y2, x1] if flip else [y1, x1, y2, x2]
    return {"box": box, "flip": flip, "jitter": jitter, "grayscale": grayscale, "blurSigma": blur_sigma}


def _matmul3(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
GRAY = [[w, w, w] for w in LUMA]


def _hue_matrix(fraction):
    c, s = math.cos(2 * math.pi * fraction), math.sin(2 * math.pi * fraction)
    return _matmul3(_matmul3(TO_YIQ, [[1, 0, 0], [0, c, s], [0, -s, c]]), FROM_YIQ)


def _jitter_step(op, jitter):
    """One jitter op as rgb·M + k·mean(luma); contrast is the only op that needs the mean."""
    if op is None:
        return IDENTITY, 0.0
    if op == "brightness":
        return [[v * jitter["brightness"] for v in row] for row in IDENTITY], 0.0
    if op == "contrast":
        return [[v * jitter["contrast"] for v in row] for row in IDENTITY], 1 - jitter["contrast"]
    if op == "saturation":
        t = jitter["saturation"]
        return [[IDENTITY[i][j] * t + GRAY[i][j] * (1 - t) for j in range(3)] for i in range(3)], 0.0
    return _hue_matrix(jitter["hue"]), 0.0


def _apply_colour_maps(pixels, maps):
    """pixels [B, P, 3] · per-image M, plus k·mean luma, clipped to [0, 1] after each op as in the paper."""
    m = torch.tensor([mat for mat, _ in maps], dtype=pixels.dtype, device=pixels.device)
    out = torch.bmm(pixels, m)
    weights = torch.tensor([k for _, k in maps], dtype=pixels.dtype, device=pixels.device)
    if bool((weights != 0).any()):
        luma = torch.tensor(LUMA, dtype=pixels.dtype, device=pixels.device)
        mean_luma = (pixels @ luma).mean(dim=1)
        out = out + (mean_luma * weights).view(-1, 1, 1)
    return out.clamp(0, 1)


def _gaussian_taps(sigma, radius):
    if sigma is None:
        taps = [1.0 if i == radius else 0.0 for i in range(2 * radius + 1)]
    else:
        taps = [math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)) for i in range(2 * radius + 1)]
    total = sum(taps)
    return [t / total for t in taps]


def _blur(images, params):
    """Separable Gaussian blur with each image's own sigma, reflected edges; images [B, 3, S, S]."""
    if all(p["blurSigma"] is None for p in params):
        return images
    b, c, s, _ = images.shape
    radius = max(1, (blur_kernel_size(s) - 1) // 2)
    taps = torch.tensor([_gaussian_taps(p["blurSigma"], radius) for p in params], dtype=images.dtype, device=images.device)
    kernel = taps.repeat_interleave(c, dim=0)  # [B*3, K]
    x = F.pad(images.reshape(1, b * c, s, s), (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, kernel.view(b * c, 1, -1, 1), groups=b * c)
    x = F.conv2d(x, kernel.view(b * c, 1, 1, -1), groups=b * c)
    return x.reshape(b, c, s, s)


def crop_and_resize(images, boxes, out_size):
    """TF's cropAndResize (bilinear): output pixel i samples y1·(H−1) + i·(y2−y1)·(H−1)/(S−1); images [B, 3, H, W]."""
    steps = torch.linspace(0, 1, out_size, dtype=images.dtype, device=images.device)
    y1, x1, y2, x2 = boxes.unbind(dim=1)
    ys = y1[:, None] + (y2 - y1)[:, None] * steps[None, :]
    xs = x1[:, None] + (x2 - x1)[:, None] * steps[None, :]
    # grid_sample with align_corners maps −1 and 1 to the first and last pixel centres, as cropAndResize does.
    grid = torch.stack([xs[:, None, :].expand(-1, out_size, -1), ys[:, :, None].expand(-1, -1, out_size)], dim=-1) * 2 - 1
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=True)


def apply_view_params(images, out_size, params):
    """images float [B, H, W, 3] in [0, 1] → views [B, S, S, 3]: crop+resize+flip, colour, grayscale, blur."""
    b = images.shape[0]
    boxes = torch.tensor([p["box"] for p in params], dtype=images.dtype, device=images.device)
    x = crop_and_resize(images.permute(0, 3, 1, 2), boxes, out_size)  # [B, 3, S, S]
    pixels = x.permute(0, 2, 3, 1).reshape(b, -1, 3)
    if any(p["jitter"] for p in params):
        for slot in range(4):
            maps = [_jitter_step(p["jitter"]["order"][slot] if p["jitter"] else None, p["jitter"]) for p in params]
            pixels = _apply_colour_maps(pixels, maps)
    if any(p["grayscale"] for p in params):
        pixels = _apply_colour_maps(pixels, [(GRAY if p["grayscale"] else IDENTITY, 0.0) for p in params])
    x = pixels.reshape(b, out_size, out_size, 3).permute(0, 3, 1, 2)
    return _blur(x, params).clamp(0, 1).permute(0, 2, 3, 1)


def two_views(images, rows, step, seed, out_size, options):
    """The two views SimCLR contrasts, for a batch whose rows are the images' global indices."""
    _, h, w, _ = images.shape
    views = []
    for view in (0, 1):
        params = [draw_view_params(view_rng(seed, step, int(row), view), h, w, out_size, options) for row in rows]
        views.append(apply_view_params(images, out_size, params))
    return views
