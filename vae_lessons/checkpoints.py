"""Saving and loading models, and the pretrained weights that ship with the package.

A checkpoint is a plain dict of tensors, strings and numbers, so `torch.load(...,
weights_only=True)` reads it without running any pickled code:

    {"format": "vae-lessons/1", "class": "VAE", "config": {"hidden_dim": 256, ...},
     "meta": {"dataset": "mnist", "epochs": 30, "test_loss": 101.9, "version": "0.1.0"},
     "state_dict": {...}}

Files are written to a temporary name first and then renamed, so a crash mid-write never
leaves half a checkpoint where a good one was.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import torch
from torch import nn

from . import __version__
from . import models
from .data import cache_dir

FORMAT = "vae-lessons/1"
WEIGHTS_DIR = Path(__file__).parent / "weights"


class CheckpointError(ValueError):
    """A checkpoint that cannot be read, or does not fit the model it is meant for."""


def save_checkpoint(model: nn.Module, path: str | os.PathLike, *, half: bool = False,
                    **meta: object) -> Path:
    """Write `model` and its metadata to `path` atomically. `half=True` stores float16
    weights (half the size; loading casts them back to float32)."""
    path = Path(path)
    state = {k: (v.half() if half and v.is_floating_point() else v).detach().cpu().clone()
             for k, v in model.state_dict().items()}
    ckpt = {"format": FORMAT, "class": type(model).__name__, "config": dict(model.config),
            "meta": {**meta, "version": __version__}, "state_dict": state}
    buffer = io.BytesIO()
    torch.save(ckpt, buffer)
    return atomic_write(path, buffer.getvalue())


def atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` so that no reader ever sees half a file and a failed write leaves
    the old one intact: a temporary file beside it, flushed to disk, then renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes it private; give it a normal file's mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path: str | os.PathLike) -> dict:
    """The checkpoint dict, checked to be one of ours; clear errors for missing or broken files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, random bytes, a pickle with code in it, ...
        raise CheckpointError(f"{path} could not be read as a checkpoint (corrupted or not a "
                              f"vae-lessons file): {type(e).__name__}: {e}") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT} checkpoint")
    return ckpt


def load_checkpoint(path: str | os.PathLike, model: nn.Module | type[nn.Module] | None = None,
                    device: str | torch.device = "cpu") -> nn.Module:
    """Load a checkpoint into `model` and return it in eval mode.

    `model` may be an instance (its architecture must match the file), a class (built from the
    file's config), or None (the class named in the file, looked up in `models`).
    """
    ckpt = read_checkpoint(path)
    if model is None:
        model = getattr(models, ckpt["class"], None)
        if not (isinstance(model, type) and issubclass(model, nn.Module)):
            raise CheckpointError(f"{path} holds a {ckpt['class']}, which is not in "
                                  "vae_lessons.models; pass its class as `model`")
    if isinstance(model, type):
        model = model(**ckpt["config"])
    _check_fits(model, ckpt["state_dict"], path)
    model.load_state_dict(ckpt["state_dict"])
    model.meta = ckpt["meta"]
    return model.to(device).eval()


def _check_fits(model: nn.Module, state: dict, path: Path) -> None:
    """Name every missing, unexpected or mis-shaped tensor instead of torch's first error."""
    own = model.state_dict()
    problems = [f"missing {k}" for k in own if k not in state]
    problems += [f"unexpected {k}" for k in state if k not in own]
    problems += [f"{k}: file has {tuple(state[k].shape)}, model has {tuple(v.shape)}"
                 for k, v in own.items() if k in state and state[k].shape != v.shape]
    if problems:
        raise CheckpointError(f"{path} does not fit {type(model).__name__}"
                              f"({getattr(model, 'config', '')}): " + "; ".join(problems))


def user_checkpoint(name: str) -> Path:
    """Where lessons keep a model they trained, outside the checkout:
    <the per-user cache>/checkpoints/<name>.pt (see `data.cache_dir`)."""
    return cache_dir() / "checkpoints" / f"{name}.pt"
