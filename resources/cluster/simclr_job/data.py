"""The job's images: uint8 shards [n, S, S, 3] (NumPy .npy, memory-mapped) and the manifest tying rows to the project."""
import csv
import json
import os

import numpy as np
import torch


class JobImages:
    def __init__(self, job_dir):
        with open(os.path.join(job_dir, "job.json")) as file:
            self.job = json.load(file)
        self.shards = [np.load(os.path.join(job_dir, shard["file"]), mmap_mode="r") for shard in self.job["shards"]]
        self.starts = np.cumsum([0] + [len(s) for s in self.shards])
        self.count = int(self.starts[-1])
        with open(os.path.join(job_dir, "manifest.csv"), newline="") as file:
            self.manifest = list(csv.DictReader(file))
        if len(self.manifest) != self.count:
            raise ValueError(f"manifest.csv lists {len(self.manifest)} images but the shards hold {self.count}")

    def pixels(self, rows):
        """Rows' pixels as float32 [len(rows), S, S, 3] in [0, 1]."""
        out = []
        for row in rows:
            shard = int(np.searchsorted(self.starts, row, side="right") - 1)
            out.append(self.shards[shard][row - self.starts[shard]])
        return torch.from_numpy(np.stack(out).astype(np.float32) / 255.0)


def epoch_order(count, seed, epoch):
    """The same permutation on every process: each takes its slice of every global batch."""
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    return torch.randperm(count, generator=generator)
