"""One training loop for the lessons and the command line (lesson 05 teaches it).

It is the classic loop (Adam at 1e-3, batches of 128, summed BCE + KL), made faster without
changing what it computes:

- the whole dataset is one tensor on the device, and each batch is a slice of a shuffled
  index, so no per-image Python work happens at all (the classic DataLoader's main cost);
- Adam runs `fused` (one pass over each weight tensor instead of a dozen tensor operations);
- the BCE is `summed_bce`: PyTorch's formula and gradient, in vectorised operations.

`train_step` is one step of it, the four lines every PyTorch loop repeats; `train(...,
step_fn=my_step)` runs the real loop with a learner's own version of that step.
"""

from __future__ import annotations

import random
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .losses import kl_divergence, vae_loss_parts
from .models import flatten_images

History = dict[str, list[float]]
EpochCallback = Callable[[int, nn.Module, History], None]
LR_SCHEDULES = ("constant", "cosine")
StepFn = Callable[[nn.Module, torch.optim.Optimizer, torch.Tensor, float],
                  tuple[torch.Tensor, torch.Tensor]]


def available_devices() -> list[str]:
    """The devices this machine can train on: always "cpu", then each CUDA GPU, then Apple's "mps"."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        devices += ["cuda"] if count == 1 else [f"cuda:{i}" for i in range(count)]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else the best available: cuda, then Apple's mps, then cpu.

    Asking for a device this machine does not have (say "cuda" without an NVIDIA GPU) is a
    ValueError that names the devices it does have, instead of an error deep inside training.
    """
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"{device!r} is not a device name; this machine has: "
                         f"{', '.join(available_devices())}") from e
    have = ", ".join(available_devices())
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} asked for, but there is no CUDA GPU here "
                             f"(torch.cuda.is_available() is False); this machine has: {have}")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {str(device)!r} asked for, but there are only "
                             f"{torch.cuda.device_count()} CUDA GPU(s); this machine has: {have}")
    elif device.type == "mps" and "mps" not in available_devices():
        raise ValueError(f"device 'mps' asked for, but Apple's Metal (mps) is not available "
                         f"here; this machine has: {have}")
    return device


def seed_everything(seed: int) -> None:
    """Seed Python, torch (all devices) and, if present, NumPy, so a run can be repeated."""
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy as np
        np.random.seed(seed)
    except ImportError:
        pass


class _SummedBCE(torch.autograd.Function):
    """`F.binary_cross_entropy(p, x, reduction="sum")`, same formula and same gradient, but in
    vectorised tensor operations: on a CPU, PyTorch's own kernel computes its two logarithms one
    number at a time, which made it a fifth of a training step."""

    @staticmethod
    def forward(ctx, p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(p, x)
        log_p = torch.log(p).clamp_min_(-100)         # PyTorch clamps the logs at -100 too,
        log_1mp = torch.log1p(-p).clamp_min_(-100)    # so p = 0 or 1 gives a finite loss
        # -(x * log p + (1 - x) * log(1 - p)), summed
        return -(torch.dot(x.reshape(-1), (log_p - log_1mp).reshape(-1)) + log_1mp.sum())

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        p, x = ctx.saved_tensors
        # PyTorch's gradient: (p - x) / max(p (1 - p), 1e-12)
        return grad * (p - x) / (p * (1 - p)).clamp_min_(1e-12), None


def summed_bce(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the pictures `p` against `x`, summed (the classic VAE's BCE)."""
    x = x.reshape(p.shape)
    if p.device.type == "cpu" and p.dtype == x.dtype == torch.float32:
        return _SummedBCE.apply(p, x)
    return F.binary_cross_entropy(p, x, reduction="sum")


def loss_parts(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(BCE, KL) summed over the batch; a plain autoencoder has no KL term, so it is 0.

    The same numbers as `losses.vae_loss_parts` (the BCE is computed by `summed_bce`)."""
    out = model(x)
    if isinstance(out, tuple):
        recon, mu, logvar = out
        if recon.shape[0] != x.shape[0] or recon[0].numel() != x[0].numel():
            return vae_loss_parts(recon, x, mu, logvar)  # raises its clear shape error
        return summed_bce(recon, x), kl_divergence(mu, logvar)
    return summed_bce(out, x), torch.zeros((), device=x.device)


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
               beta: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """One optimisation step on the batch `x`; returns (BCE, KL), summed over the batch, detached.

    The four lines every PyTorch training loop repeats: forget the old gradients, compute the
    loss (BCE + beta * KL), backpropagate it, and let the optimizer move the weights.
    """
    optimizer.zero_grad(set_to_none=True)
    bce, kl = loss_parts(model, x)
    loss = bce + beta * kl
    loss.backward()
    optimizer.step()
    return bce.detach(), kl.detach()


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, beta: float = 1.0, batch_size: int = 1000) -> float:
    """Mean loss per image (summed BCE + beta * KL), as the classic example reports test loss."""
    model.eval()
    device = next(model.parameters()).device
    x = flatten_images(x)
    total = torch.zeros((), device=device)
    for i in range(0, len(x), batch_size):
        bce, kl = loss_parts(model, x[i:i + batch_size].to(device))
        total += bce + beta * kl
    return total.item() / len(x)


def train(model: nn.Module, train_x: torch.Tensor, test_x: torch.Tensor | None = None, *,
          epochs: int = 10, batch_size: int = 128, lr: float = 1e-3, beta: float = 1.0,
          seed: int = 0, device: str | torch.device | None = None,
          callback: EpochCallback | None = None, progress: bool = True,
          step_fn: StepFn = train_step, lr_schedule: str = "constant") -> History:
    """Train `model` in place on the images `train_x` and return the per-epoch history.

    history["train_loss"], ["train_bce"], ["train_kl"] are means per image over the epoch;
    ["test_loss"] is `evaluate` on `test_x` after the epoch (when given). `callback(epoch,
    model, history)` runs after every epoch, e.g. to keep reconstruction snapshots.
    `step_fn(model, optimizer, x, beta) -> (bce, kl)` makes one step on one batch; it is
    `train_step` unless you pass your own (lesson 05 lets a learner write it).
    `lr_schedule="cosine"` lowers the learning rate epoch by epoch along half a cosine, from
    `lr` in the first epoch towards 0 in the last (the default, "constant", keeps `lr`).
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")
    if lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {lr_schedule!r}")
    seed_everything(seed)
    device = pick_device(device)
    model.to(device)
    x = flatten_images(train_x).to(device)
    test_x = None if test_x is None else flatten_images(test_x).to(device)
    optimizer = _adam(model, lr, device)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
                 if lr_schedule == "cosine" else None)
    history: History = {"epoch": [], "train_loss": [], "train_bce": [], "train_kl": [], "test_loss": []}
    bar = tqdm(total=epochs * -(-len(x) // batch_size), disable=not progress, unit="batch", desc="training")
    for epoch in range(1, epochs + 1):
        bce_mean, kl_mean = _epoch(model, optimizer, x, batch_size, beta, step_fn, bar.update)
        if scheduler is not None:
            scheduler.step()
        history["epoch"].append(epoch)
        history["train_bce"].append(bce_mean)
        history["train_kl"].append(kl_mean)
        history["train_loss"].append(bce_mean + beta * kl_mean)
        if test_x is not None:
            history["test_loss"].append(evaluate(model, test_x, beta))
        bar.set_postfix(loss=f"{history['train_loss'][-1]:.1f}")
        if callback is not None:
            callback(epoch, model, history)
    bar.close()
    model.eval()
    return history


def _adam(model: nn.Module, lr: float, device: torch.device) -> torch.optim.Adam:
    """Adam, fused where it can be: one kernel updates each weight tensor in a single pass (CPU
    and CUDA) instead of a dozen tensor operations; elsewhere, foreach does them all at once."""
    fused = device.type in ("cpu", "cuda")
    return torch.optim.Adam(model.parameters(), lr=lr, fused=fused, foreach=not fused)


def _epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, batch_size: int,
           beta: float, step_fn: StepFn, tick: Callable[[], object]) -> tuple[float, float]:
    """One pass over x in shuffled batches; the mean BCE and KL per image."""
    model.train()
    # running BCE and KL sums stay on the device, read back once per epoch
    bce_sum, kl_sum = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    for idx in torch.randperm(len(x), device=x.device).split(batch_size):
        bce, kl = step_fn(model, optimizer, x[idx], beta)
        with torch.no_grad():  # a learner's step may hand back losses that still need grad
            bce_sum += bce
            kl_sum += kl
        tick()
    return bce_sum.item() / len(x), kl_sum.item() / len(x)
