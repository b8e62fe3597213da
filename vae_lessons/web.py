"""The offline classroom page's generated part: `export_web("web")` writes web/weights.js.

The page (web/index.html) runs the lessons' models in plain JavaScript, opened straight from
disk: Chromium refuses fetch() and ES modules on file://, so the weights travel as a classic
script that assigns one object to a global. This module writes that script from the bundled
checkpoints, plus the few numbers the page cannot work out for itself: the KL order of the
classic VAE's 20 dimensions (measured on real digits, as lesson 06's lab does), the prior's
99% shell, one test digit of each class (the sample buttons), the 2-D model's map of the test
set, the noise schedule and DDIM timesteps as `diffusion` defines them, the latent scale and
the prompt vocabulary.

Stored weights are copied bit for bit. The tables computed here (the noise schedule, the
timestep frequencies, the map) are worked out in float64 and only then rounded to the stored
precision, and the measured numbers (the KL bars, the shell) are rounded to 5 decimals, so the
file comes out the same on every CPU: float32 maths (torch.exp, a vectorised matmul) may differ
in the last bit from one CPU to another.
Regenerate it whenever the bundled weights change:

    python -m vae_lessons export-web --out web
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import operator
import os
from pathlib import Path

import torch

from . import diffusion
from .checkpoints import WEIGHTS_DIR, atomic_write, read_checkpoint
from .data import load_dataset
from .losses import kl_divergence, typical_radius
from .pretrained import load_pretrained
from .widgets.core import KL_IMAGES, SLIDER_RANGE  # the page mirrors lesson 06's lab

FILE_NAME = "weights.js"
GLOBAL_NAME = "VAE_LESSONS_WEIGHTS"
MAX_STEPS = 50         # the page's steps slider: 1 .. 50
MAP_EXTENT = 4.5       # the 2-D map shows -4.5 .. 4.5 on both axes: every test digit's mu is inside
# The classic VAE's fc2_logvar is left out: the page only needs mu (the KL bars are measured here).
VAE_TENSORS = ("fc1.weight", "fc1.bias", "fc2_mean.weight", "fc2_mean.bias",
               "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias")
# The 2-D model's decoder only: the map's points are encoded here (an encoder would add 0.5 MB).
VAE2_TENSORS = ("fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias")
# The tensors computed by this module rather than copied from a checkpoint (see the docstring).
COMPUTED = ("alphas_bar", "time_freqs", "map.mu")


def _tensor(t: torch.Tensor, kind: str | None = None) -> dict:
    """A tensor as {shape, dtype, data}: little-endian bytes in base64. float16 weights stay
    float16 (they are stored that way, so nothing is lost); float32 ones stay float32, because
    the page must agree with torch to 1e-4 and float16 would cost ~1e-3. `kind` ("f16", "f32",
    "u8") rounds a computed tensor (float64) to that precision instead."""
    t = t.detach().cpu().contiguous()
    kind = kind or ("f16" if t.dtype == torch.float16 else "f32")
    numpy_type = {"f16": "<f2", "f32": "<f4", "u8": "u1"}[kind]
    raw = (t.numpy() if kind == "u8" else t.double().numpy()).astype(numpy_type).tobytes()
    return {"shape": list(t.shape), "dtype": kind, "data": base64.b64encode(raw).decode("ascii")}


def schedule_tables(cond_dim: int) -> dict[str, torch.Tensor]:
    """`diffusion.alphas_bar()` and `diffusion.timestep_frequencies(cond_dim)`, the same formulas
    in float64 (the page rounds them to float32), so no CPU's float32 exp changes a bit."""
    T, half = diffusion.T, cond_dim // 2
    alphas_bar = list(itertools.accumulate((1 - (1e-4 + (0.02 - 1e-4) * i / (T - 1)) for i in range(T)),
                                           operator.mul))  # plain Python floats: no vectorised rounding
    freqs = [math.exp(-math.log(10000) * k / half) for k in range(half)]
    return {"alphas_bar": torch.tensor(alphas_bar, dtype=torch.float64),
            "time_freqs": torch.tensor(freqs, dtype=torch.float64)}


@torch.no_grad()
def latent_map(test_x: torch.Tensor, test_y: torch.Tensor) -> dict:
    """The 2-D model's map: every test digit's mu (float64 maths, stored as float16) and label."""
    vae2 = load_pretrained("mnist-vae-2").double()
    mu = vae2.encode(test_x.double())[0]
    if mu.abs().max() >= MAP_EXTENT:
        raise ValueError(f"a test digit's mu lies outside the map's +-{MAP_EXTENT}: raise MAP_EXTENT")
    return {"mu": mu, "labels": test_y}


def sample_digits(test_x: torch.Tensor, test_y: torch.Tensor) -> torch.Tensor:
    """(10, 784) the first test digit of each class, as bytes 0..255 (the sample buttons)."""
    first = [int((test_y == d).nonzero()[0]) for d in range(10)]
    return test_x[first].reshape(10, 784).mul(255).round().to(torch.uint8)


def _stored(name: str) -> dict[str, torch.Tensor]:
    """The tensors of a bundled checkpoint as the file holds them (float16 where saved half)."""
    return read_checkpoint(WEIGHTS_DIR / f"{name}.pt")["state_dict"]


def web_payload(data_root: str | os.PathLike | None = None) -> dict:
    """Everything the page loads: tensors and metadata, as one JSON-able dict."""
    vae = load_pretrained("mnist-vae-20").double()
    pipe = load_pretrained("mnist-latent-diffusion")
    test_x, test_y = load_dataset("mnist", train=False, root=data_root)
    with torch.no_grad():  # how much the model uses each dimension: the sliders' order and bars
        kl = kl_divergence(*vae.encode(test_x[:KL_IMAGES].double()), reduction="none").mean(0).tolist()
    low, high = typical_radius(vae.latent_dim)
    vae_state, vae2_state = _stored("mnist-vae-20"), _stored("mnist-vae-2")
    conv_state, den_state = _stored("mnist-conv-vae"), _stored("mnist-latent-denoiser")
    tensors = {f"vae.{k}": _tensor(vae_state[k]) for k in VAE_TENSORS}
    tensors |= {f"vae2.{k}": _tensor(vae2_state[k]) for k in VAE2_TENSORS}
    tensors |= {f"conv_vae.{k}": _tensor(v) for k, v in conv_state.items() if k.startswith("decoder.")}
    tensors |= {f"denoiser.{k}": _tensor(v) for k, v in den_state.items()}
    tensors |= {k: _tensor(v, "f32") for k, v in schedule_tables(pipe.denoiser.config["cond_dim"]).items()}
    points = latent_map(test_x, test_y)
    tensors["map.mu"], tensors["map.labels"] = _tensor(points["mu"], "f16"), _tensor(points["labels"], "u8")
    tensors["samples"] = _tensor(sample_digits(test_x, test_y), "u8")
    start = int(test_y[0])  # the page opens on the first test digit: the sample of its class
    return {
        "format": "vae-lessons-web/2",
        "tensors": tensors,
        "vae": {"latent_dim": vae.latent_dim, "hidden_dim": vae.config["hidden_dim"],
                "kl": [round(v, 5) for v in kl], "kl_images": KL_IMAGES,
                "order": sorted(range(vae.latent_dim), key=lambda i: -kl[i]),
                "shell": [round(low, 5), round(high, 5)], "slider_range": SLIDER_RANGE, "start": start},
        "vae2": {"latent_dim": 2, "hidden_dim": vae2_state["fc3.weight"].shape[0],
                 "extent": MAP_EXTENT, "points": len(test_y)},
        "diffusion": {"T": diffusion.T, "latent_scale": pipe.scale,
                      "latent_shape": [pipe.vae.latent_channels, 7, 7],
                      "conv_vae": dict(pipe.vae.config), "denoiser": dict(pipe.denoiser.config),
                      "guidance": diffusion.DEFAULT_GUIDANCE, "steps": diffusion.DEFAULT_STEPS,
                      "max_steps": MAX_STEPS,
                      "timesteps": {str(s): diffusion.ddim_timesteps(s) for s in range(1, MAX_STEPS + 1)}},
        "vocabulary": {"digits": dict(diffusion.DIGITS), "filler": sorted(diffusion.FILLER),
                       "empty": diffusion.EMPTY},
    }


def render_script(payload: dict) -> str:
    """The payload as a classic script (no fetch, no modules: both are blocked on file://).
    Sorted keys and fixed separators: the same weights always give the same bytes."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return (f"// Generated by `python -m vae_lessons export-web`: do not edit by hand.\n"
            f"// The bundled weights and the metadata the page needs (see vae_lessons/web.py).\n"
            f"window.{GLOBAL_NAME} = {body};\n")


def export_web(out_dir: str | os.PathLike = "web", data_root: str | os.PathLike | None = None) -> Path:
    """Write `out_dir`/weights.js atomically (temporary file, then rename): a page open in a
    browser or a half-finished run never sees half a file. Returns its path."""
    return atomic_write(Path(out_dir) / FILE_NAME, render_script(web_payload(data_root)).encode("ascii"))
