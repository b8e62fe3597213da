"""The offline classroom page's generated part: `export_web("web")` writes web/weights.js.

The page (web/index.html) runs the lessons' models in plain JavaScript, opened straight from
disk: Chromium refuses fetch() and ES modules on file://, so the weights travel as a classic
script that assigns one object to a global. This module writes that script from the bundled
checkpoints, plus the few numbers the page cannot work out for itself: the KL order of the
classic VAE's 20 dimensions (measured on real digits, as lesson 06's lab does), the prior's
99% shell, the noise schedule and DDIM timesteps exactly as `diffusion` computes them, the
latent scale and the prompt vocabulary. Regenerate it whenever the bundled weights change:

    python -m vae_lessons export-web --out web
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import torch

from . import diffusion
from .checkpoints import WEIGHTS_DIR, atomic_write, read_checkpoint
from .data import load_dataset
from .losses import kl_divergence, typical_radius
from .pretrained import load_pretrained

FILE_NAME = "weights.js"
GLOBAL_NAME = "VAE_LESSONS_WEIGHTS"
KL_IMAGES = 1000       # lesson 06's lab measures the KL of each dimension on the first 1,000 test digits
SLIDER_RANGE = 3.0     # the prior N(0, 1) puts 99.7% of its mass within +-3, as in the lab
MAX_STEPS = 50         # the page's steps slider: 1 .. 50
WALK = 6               # pictures in the denoising walk, as in lesson 07's playground
# The classic VAE's fc2_logvar is left out: the page only needs mu (the KL bars are measured here).
VAE_TENSORS = ("fc1.weight", "fc1.bias", "fc2_mean.weight", "fc2_mean.bias",
               "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias")


def _tensor(t: torch.Tensor) -> dict:
    """A tensor as {shape, dtype, data}: little-endian bytes in base64. float16 weights stay
    float16 (they are stored that way, so nothing is lost); float32 ones stay float32, because
    the page must agree with torch to 1e-4 and float16 would cost ~1e-3."""
    t = t.detach().cpu().contiguous()
    if t.dtype not in (torch.float16, torch.float32):
        t = t.float()
    kind = "f16" if t.dtype == torch.float16 else "f32"
    raw = t.numpy().astype("<f2" if kind == "f16" else "<f4").tobytes()
    return {"shape": list(t.shape), "dtype": kind, "data": base64.b64encode(raw).decode("ascii")}


def _stored(name: str) -> dict[str, torch.Tensor]:
    """The tensors of a bundled checkpoint as the file holds them (float16 where saved half)."""
    return read_checkpoint(WEIGHTS_DIR / f"{name}.pt")["state_dict"]


def web_payload(data_root: str | os.PathLike | None = None) -> dict:
    """Everything the page loads: tensors and metadata, as one JSON-able dict."""
    vae = load_pretrained("mnist-vae-20")
    pipe = load_pretrained("mnist-latent-diffusion")
    test_x, test_y = load_dataset("mnist", train=False, root=data_root)
    with torch.no_grad():  # how much the model uses each dimension: the sliders' order and bars
        kl = kl_divergence(*vae.encode(test_x[:KL_IMAGES]), reduction="none").mean(0).tolist()
    low, high = typical_radius(vae.latent_dim)
    vae_state, conv_state = _stored("mnist-vae-20"), _stored("mnist-conv-vae")
    den_state = _stored("mnist-latent-denoiser")
    tensors = {f"vae.{k}": _tensor(vae_state[k]) for k in VAE_TENSORS}
    tensors |= {f"conv_vae.{k}": _tensor(v) for k, v in conv_state.items() if k.startswith("decoder.")}
    tensors |= {f"denoiser.{k}": _tensor(v) for k, v in den_state.items()}
    tensors["alphas_bar"] = _tensor(diffusion.alphas_bar())
    tensors["time_freqs"] = _tensor(diffusion.timestep_frequencies(pipe.denoiser.config["cond_dim"]))
    return {
        "format": "vae-lessons-web/1",
        "tensors": tensors,
        "vae": {"latent_dim": vae.latent_dim, "hidden_dim": vae.config["hidden_dim"],
                "kl": [round(v, 5) for v in kl], "kl_images": KL_IMAGES,
                "order": sorted(range(vae.latent_dim), key=lambda i: -kl[i]),
                "shell": [round(low, 5), round(high, 5)], "slider_range": SLIDER_RANGE,
                # the page opens on a real digit (the first test image), its 20 numbers on the sliders
                "start": {"label": int(test_y[0]), "pixels": test_x[0].mul(255).round().int().tolist()}},
        "diffusion": {"T": diffusion.T, "latent_scale": pipe.scale,
                      "latent_shape": [pipe.vae.latent_channels, 7, 7],
                      "conv_vae": dict(pipe.vae.config), "denoiser": dict(pipe.denoiser.config),
                      "guidance": diffusion.DEFAULT_GUIDANCE, "steps": diffusion.DEFAULT_STEPS,
                      "max_steps": MAX_STEPS, "walk": WALK,
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
