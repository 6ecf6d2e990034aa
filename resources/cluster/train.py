#!/usr/bin/env python3
"""SimCLR pretraining of a SimCLR Studio job on one or many GPUs (or CPUs), with PyTorch only.

    torchrun --nproc_per_node=N train.py                 # one machine, N processes (one per GPU)
    torchrun --nnodes=M --node_rank=R --master_addr=HOST --master_port=29500 --nproc_per_node=N train.py
    python3 train.py                                     # one process

The job folder holds the images (shards/), the manifest tying them to the project, job.json (the run's exact
settings: encoder, head, augmentation, temperature, optimizer, schedule, batch, seed) and init.safetensors (the
app's starting weights). Training writes run/checkpoint.pt (resumed automatically when the same command is run
again) and run/encoder.safetensors, which the app imports:  simclr-studio job import run/encoder.safetensors
"""
import argparse
import json
import math
import os
import signal
import sys
import time
import warnings

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simclr_job.augment import two_views  # noqa: E402
from simclr_job.data import JobImages, epoch_order  # noqa: E402
from simclr_job.lars import learning_rate_at, make_optimizer  # noqa: E402
from simclr_job.loss import global_nt_xent  # noqa: E402
from simclr_job.model import Simclr  # noqa: E402
from simclr_job.weights import load_model_tensors, model_tensors, read_safetensors, write_safetensors  # noqa: E402

WARMUP_FRACTION = 0.1
# DDP notes that 1×1 convolutions' gradients come back in another memory layout; it costs nothing measurable here.
warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--job", default=here, help="the exported job folder (default: this script's folder)")
    parser.add_argument("--out", help="where checkpoints go (default: <job>/run)")
    parser.add_argument("--epochs", type=int, help="train this many epochs instead of job.json's")
    parser.add_argument("--batch-size", type=int, help="global batch size instead of job.json's (split across processes)")
    parser.add_argument("--steps", type=int, help="stop after this many steps in all (a trial run)")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU even where CUDA is available")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start from init.safetensors")
    parser.add_argument("--checkpoint-minutes", type=float, default=10.0, help="also checkpoint this often (default 10)")
    parser.add_argument("--log-every", type=int, default=10, help="print a line every this many steps")
    parser.add_argument("--log-json", help="append one JSON line per step (step, loss, lr) to this file")
    parser.add_argument("--embed", metavar="FILE", help="write h of every job image (float32 .npy) with the current weights, then exit")
    return parser.parse_args()


class Processes:
    """This process's place among the torchrun processes (one process when started without torchrun)."""

    def __init__(self, cpu):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() and not cpu
        self.device = torch.device(f"cuda:{local_rank}") if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        if self.world > 1:
            dist.init_process_group(backend="nccl" if cuda else "gloo")

    @property
    def main(self):
        return self.rank == 0

    def barrier(self):
        if self.world > 1:
            dist.barrier()

    def _reduce(self, flags, op):
        if self.world == 1:
            return [bool(flag) for flag in flags]
        values = torch.tensor([float(bool(flag)) for flag in flags], device=self.device)
        dist.all_reduce(values, op=op)
        return [bool(value) for value in values.tolist()]

    def any_of(self, *flags):
        """Each flag, true when it is true on any process: every process then takes the same branch."""
        return self._reduce(flags, dist.ReduceOp.MAX)

    def all_of(self, *flags):
        return self._reduce(flags, dist.ReduceOp.MIN)

    def say(self, line):
        if self.main:
            print(f"simclr-job: {line}", flush=True)


def encoder_metadata(config, step, epoch, loss):
    return {
        "format": "simclr-studio-encoder",
        "version": 1,
        "jobId": config["jobId"],
        "encoder": config["options"]["encoder"],
        "imageSize": config["options"]["imageSize"],
        "projectionDim": config["projectionDim"],
        "step": step,
        "epoch": epoch,
        "loss": loss,
        "trainer": f"pytorch {torch.__version__}",
    }


def save(out, model, optimizer, config, batch, step, epoch, loss):
    """run/checkpoint.pt (everything resume needs) and run/encoder.safetensors (what the app imports), atomically."""
    os.makedirs(out, exist_ok=True)
    temporary = os.path.join(out, "checkpoint.pt.partial")
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step, "epoch": epoch, "loss": loss, "jobId": config["jobId"], "batch": batch}
    torch.save(state, temporary)
    os.replace(temporary, os.path.join(out, "checkpoint.pt"))
    write_safetensors(os.path.join(out, "encoder.safetensors"), model_tensors(model), encoder_metadata(config, step, epoch, loss))


def embed(images, model, path, device, batch=256):
    model.eval()
    rows = []
    with torch.no_grad():
        for start in range(0, images.count, batch):
            pixels = images.pixels(range(start, min(images.count, start + batch))).to(device)
            rows.append(model.encoder(pixels).cpu().numpy())
    np.save(path, np.concatenate(rows).astype(np.float32))


def main():
    args = parse_args()
    processes = Processes(args.cpu)
    images = JobImages(args.job)
    config = images.job["config"]
    options = config["options"]
    out = args.out or os.path.join(args.job, "run")
    torch.manual_seed(options["seed"])

    model = Simclr(config["architecture"], config["projectionDim"]).to(processes.device)
    checkpoint_path = os.path.join(out, "checkpoint.pt")
    found = os.path.exists(checkpoint_path) and not args.fresh
    # Every process must resume, or none: a checkpoint on one node's disk only would split the run.
    (some,), (every,) = processes.any_of(found), processes.all_of(found)
    if some and not every:
        raise SystemExit(f"{checkpoint_path} is there for some processes and not for others: put --out on storage every machine shares")
    resumed = every
    checkpoint = torch.load(checkpoint_path, map_location=processes.device) if resumed else None
    if checkpoint is not None:
        if checkpoint.get("jobId") != config["jobId"]:
            raise SystemExit(f"{checkpoint_path} belongs to another job ({checkpoint.get('jobId')}); use --fresh or another --out")
        model.load_state_dict(checkpoint["model"])
    else:
        init = os.path.join(args.job, "init.safetensors")
        tensors, _ = read_safetensors(init)
        load_model_tensors(model, tensors)

    if args.embed:
        if processes.main:
            embed(images, model, args.embed, processes.device)
        return

    batch = min(args.batch_size or options["batchSize"], images.count)
    if batch % processes.world:
        processes.say(f"batch {batch} does not split over {processes.world} processes; using {batch - batch % processes.world}")
        batch -= batch % processes.world
    local = batch // processes.world
    if local < 1:
        raise SystemExit(f"{processes.world} processes need a batch of at least {processes.world} images")
    epochs = args.epochs or options["epochs"]
    steps_per_epoch = images.count // batch
    total_steps = epochs * steps_per_epoch
    warmup = math.ceil(total_steps * WARMUP_FRACTION)

    optimizer = make_optimizer(options["optimizer"], model.named_parameters(), options["learningRate"])
    step, epoch = 0, 0
    if checkpoint is not None:
        if checkpoint.get("batch", batch) != batch:
            raise SystemExit(f"{checkpoint_path} trained with a global batch of {checkpoint['batch']}; resume with that batch (--batch-size {checkpoint['batch']}) or start afresh with --fresh")
        optimizer.load_state_dict(checkpoint["optimizer"])
        step, epoch = checkpoint["step"], checkpoint["epoch"]
    trained = model
    if processes.world > 1:
        device_ids = [processes.device.index] if processes.device.type == "cuda" else None
        trained = torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)

    stop = {"signal": None}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: stop.update(signal=number))

    where = f"{processes.world} process{'es' if processes.world > 1 else ''} on {processes.device.type}"
    processes.say(f"{'resuming at step ' + str(step) if resumed else 'starting'}: {options['encoder']} at {options['imageSize']} px, global batch {batch} ({local} per process), {epochs} epochs of {steps_per_epoch} steps, {options['optimizer']} lr {options['learningRate']:.3g}, τ {options['temperature']}, {where}")
    log = open(args.log_json, "a") if args.log_json and processes.main else None
    last_checkpoint = time.time()
    started, started_step = time.time(), step
    loss_value = float("nan")
    epoch_losses = []
    stopping = False
    while epoch < epochs and not stopping and not (args.steps and step >= args.steps):
        order = epoch_order(images.count, options["seed"], epoch)
        for position in range(step - epoch * steps_per_epoch, steps_per_epoch):
            rows = order[position * batch : (position + 1) * batch][processes.rank * local : (processes.rank + 1) * local].tolist()
            pixels = images.pixels(rows).to(processes.device)
            view1, view2 = two_views(pixels, rows, step, options["seed"], options["imageSize"], config["augment"])
            lr = learning_rate_at(step, options["learningRate"], warmup, total_steps)
            for group in optimizer.param_groups:
                group["lr"] = lr
            # Both views in one batch, as the app trains them (batch norm sees all 2B views).
            z = trained(torch.cat([view1, view2]))
            loss = global_nt_xent(z[:local], z[local:], options["temperature"])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            loss_value = float(loss.detach())
            epoch_losses.append(loss_value)
            if log:
                log.write(json.dumps({"step": step, "epoch": epoch, "loss": loss_value, "lr": lr, "time": time.time()}) + "\n")
                log.flush()
            if step % args.log_every == 0 or step == total_steps:
                rate = (step - started_step) * batch / max(1e-9, time.time() - started)
                processes.say(f"epoch {epoch + 1}/{epochs} step {step}/{total_steps} loss {loss_value:.4f} lr {lr:.4g} {rate:.1f} img/s")
            # Decided together: a signal seen by one process, or rank 0's checkpoint clock, moves every process alike.
            stopping, checkpoint_due = processes.any_of(stop["signal"] is not None, processes.main and time.time() - last_checkpoint > args.checkpoint_minutes * 60)
            if stopping or (args.steps and step >= args.steps):
                break
            if checkpoint_due:
                if processes.main:
                    save(out, model, optimizer, config, batch, step, epoch, loss_value)
                processes.barrier()
                last_checkpoint = time.time()
        if step >= (epoch + 1) * steps_per_epoch:
            epoch += 1
            processes.say(f"epoch {epoch}/{epochs} done: mean loss {sum(epoch_losses) / max(1, len(epoch_losses)):.4f}")
            epoch_losses = []
            if epoch < epochs and not stopping:
                if processes.main:
                    save(out, model, optimizer, config, batch, step, epoch, loss_value)
                processes.barrier()
                last_checkpoint = time.time()
    if processes.main:
        save(out, model, optimizer, config, batch, step, epoch, loss_value)
    processes.barrier()
    why = "stopped by a signal; run the same command to resume" if stopping else "done"
    processes.say(f"{why} at step {step}. Import it into the project with:  simclr-studio job import {os.path.join(out, 'encoder.safetensors')}")
    if processes.world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
