"""MNIST and Fashion-MNIST as whole in-memory tensors.

Why whole tensors: 60,000 images of 784 floats are 188 MB, small enough to keep in memory (or on
the GPU) at once. Indexing a tensor with a shuffled batch of indices is far faster than a
DataLoader that turns every image into a PIL picture and back, one at a time.

Where the data comes from, in order:
1. the `root` argument;
2. the environment variable VAE_LESSONS_DATA;
3. a per-user cache folder (XDG_CACHE_HOME or ~/.cache, then vae_lessons).
Each is a torchvision-style root: `<root>/MNIST/raw/*-ubyte`. If none holds the data and
`download=True`, torchvision downloads it into the first of those folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torchvision import datasets

ENV_VAR = "VAE_LESSONS_DATA"
DATASETS = {"mnist": datasets.MNIST, "fashion": datasets.FashionMNIST}


class DataNotFoundError(FileNotFoundError):
    """The dataset is on none of the searched folders and could not be downloaded."""


def cache_dir() -> Path:
    """The per-user cache of the lessons (XDG_CACHE_HOME or ~/.cache, then vae_lessons): data
    and checkpoints a learner makes live here, never in the checkout."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vae_lessons"


def candidate_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for the data, in order (see the module docstring)."""
    roots = []
    if root is not None:
        roots.append(Path(root))
    if os.environ.get(ENV_VAR):
        roots.append(Path(os.environ[ENV_VAR]))
    roots.append(cache_dir())
    return [r.expanduser() for r in roots]


def load_dataset(name: str = "mnist", train: bool = True, root: str | os.PathLike | None = None,
                 download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images, labels): images (N, 784) float32 in [0, 1], labels (N,) int64.

    The same call serves MNIST (`"mnist"`) and Fashion-MNIST (`"fashion"`).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    cls, roots = DATASETS[name], candidate_roots(root)
    for r in roots:
        try:
            ds = cls(str(r), train=train, download=False)
            break
        except RuntimeError:  # torchvision's "Dataset not found"
            continue
    else:
        ds = _download(cls, roots, train) if download else None
        if ds is None:
            raise DataNotFoundError(_missing_message(cls.__name__, roots, download))
    images = ds.data.reshape(len(ds.data), 784).float().div_(255)
    return images, ds.targets.long()


def _download(cls, roots: list[Path], train: bool):
    """Try torchvision's download into the first searched folder; None if that fails."""
    try:
        roots[0].mkdir(parents=True, exist_ok=True)
        return cls(str(roots[0]), train=train, download=True)
    except (OSError, RuntimeError, ValueError):  # offline: URLError is an OSError
        return None


def _missing_message(folder: str, roots: list[Path], tried_download: bool) -> str:
    tried = "\n".join(f"  - {r / folder / 'raw'}" for r in roots)
    how = "The download failed (are you offline?)." if tried_download else "Downloading was off."
    return (f"{folder} was not found. Folders searched:\n{tried}\n{how}\n"
            f"To fix it, either connect to the internet and call again with download=True, or put "
            f"the four {folder} files (train/t10k images/labels, *-ubyte) in <root>/{folder}/raw/ "
            f"and set {ENV_VAR}=<root> (or pass root=<root>).")
