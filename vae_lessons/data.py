"""MNIST and Fashion-MNIST as whole in-memory tensors (every lesson starts here; lesson 01 meets them).

Why whole tensors: 60,000 images of 784 floats are 188 MB, small enough to keep in memory (or on
the GPU) at once. Indexing a tensor with a shuffled batch of indices is far faster than a
DataLoader that turns every image into a PIL picture and back, one at a time.

Where the data comes from, in order:
1. the `root` argument;
2. the environment variable VAE_LESSONS_DATA;
3. a per-user cache folder (XDG_CACHE_HOME or ~/.cache, then vae_lessons).
Each is a torchvision-style root: `<root>/MNIST/raw/*-ubyte`. The files are read directly (their
format is a 16-byte header and raw bytes); torchvision is imported only to download them, into the
first of those folders, because importing it costs 1.5 s or more on a 2-core machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

ENV_VAR = "VAE_LESSONS_DATA"
DATASETS = {"mnist": "MNIST", "fashion": "FashionMNIST"}  # name -> torchvision's folder and class
IDX_MAGIC = {1: 2049, 3: 2051}  # dimensions -> the IDX magic number of unsigned-byte files


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


def read_idx(path: Path, dims: int) -> torch.Tensor:
    """An IDX file of unsigned bytes (MNIST's format) -> a uint8 tensor of its shape.

    A file that is not one (wrong magic number, cut short) is a ValueError naming it."""
    data = path.read_bytes()
    magic = int.from_bytes(data[:4], "big")
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    header = 4 + 4 * dims
    if magic != IDX_MAGIC[dims] or len(data) != header + torch.Size(shape).numel():
        raise ValueError(f"{path} is not an MNIST-format file of {dims} dimension(s) "
                         "(damaged or cut short?); delete it and load again to re-download")
    return torch.frombuffer(bytearray(data), dtype=torch.uint8, offset=header).reshape(shape)


def _read(folder: Path, train: bool) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(images, labels) from `<folder>/raw`, or None if its files are not there."""
    prefix = "train" if train else "t10k"
    images, labels = folder / "raw" / f"{prefix}-images-idx3-ubyte", folder / "raw" / f"{prefix}-labels-idx1-ubyte"
    if not (images.is_file() and labels.is_file()):
        return None
    return read_idx(images, 3), read_idx(labels, 1)


def load_dataset(name: str = "mnist", train: bool = True, root: str | os.PathLike | None = None,
                 download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (images, labels): images (N, 784) float32 in [0, 1], labels (N,) int64.

    The same call serves MNIST (`"mnist"`) and Fashion-MNIST (`"fashion"`).
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    folder, roots = DATASETS[name], candidate_roots(root)
    for r in roots:
        found = _read(r / folder, train)
        if found is not None:
            break
    else:
        found = _read(roots[0] / folder, train) if download and _download(folder, roots[0]) else None
        if found is None:
            raise DataNotFoundError(_missing_message(folder, roots, download))
    images, labels = found
    return images.reshape(len(images), 784).float().div_(255), labels.long()


def _download(folder: str, root: Path) -> bool:
    """Try torchvision's download of both splits into `root`; False if that fails."""
    try:
        from torchvision import datasets

        root.mkdir(parents=True, exist_ok=True)
        for train in (True, False):
            getattr(datasets, folder)(str(root), train=train, download=True)
        return True
    except (OSError, RuntimeError, ValueError):  # offline: URLError is an OSError
        return False


def _missing_message(folder: str, roots: list[Path], tried_download: bool) -> str:
    tried = "\n".join(f"  - {r / folder / 'raw'}" for r in roots)
    how = "The download failed (are you offline?)." if tried_download else "Downloading was off."
    return (f"{folder} was not found. Folders searched:\n{tried}\n{how}\n"
            f"To fix it, either connect to the internet and call again with download=True, or put "
            f"the four {folder} files (train/t10k images/labels, *-ubyte) in <root>/{folder}/raw/ "
            f"and set {ENV_VAR}=<root> (or pass root=<root>).")
