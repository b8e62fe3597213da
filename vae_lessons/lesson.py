"""The two helpers every lesson notebook calls: `setup()` first, `check()` for exercises."""

from __future__ import annotations

import os

import torch

from .plotting import use_lesson_style
from .training import pick_device, seed_everything

FAST_ENV = "VAE_LESSONS_FAST"


def fast_mode() -> bool:
    """True when VAE_LESSONS_FAST=1: lessons shrink their data and epochs to run in about a
    minute on a 2-core CPU (CI uses it). Off by default: learners get the full lesson."""
    return os.environ.get(FAST_ENV, "0").strip().lower() in ("1", "true", "yes")


def setup(seed: int = 0) -> tuple[torch.device, bool]:
    """Pick the device, seed everything, set the figure style; say what was chosen."""
    device, fast = pick_device(), fast_mode()
    seed_everything(seed)
    use_lesson_style()
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else device.type
    print(f"device: {name} | fast mode: {'on' if fast else 'off'} ({FAST_ENV})")
    return device, fast


def check(answer, expected, hint: str, atol: float = 1e-4) -> None:
    """Compare an exercise answer with the expected one and print a verdict (never raises).

    It returns nothing, so a cell that ends with check(...) shows the verdict and no stray True.

    `answer` None (or ...) means "not answered yet": the learner gets the hint instead.
    Tensors and numbers are compared with tolerance `atol`; anything else with ==.
    """
    if answer is None or answer is ...:
        print(f"Not answered yet. Hint: {hint}")
        return
    try:
        if isinstance(answer, (str, bool)):
            ok = answer == expected
        else:  # numbers, tensors (on any device), lists, NumPy arrays: compare as numbers
            a = torch.as_tensor(answer).detach().cpu().double()
            e = torch.as_tensor(expected).detach().cpu().double()
            ok = a.shape == e.shape and torch.allclose(a, e, atol=atol, rtol=0)
    except (TypeError, ValueError, RuntimeError):
        ok = False
    print("Correct!" if ok else f"Not quite. Hint: {hint}")
