"""Stable Diffusion's own VAE on a real photograph, for lesson 07: the loading and the figure.

The lesson's cell shows the `diffusers` calls themselves (encode -> latents -> decode); this
module does the plumbing around them:

* `load()` gets the tiny distilled VAE (`AutoencoderTiny`, "madebyollin/taesd", about 10 MB) or,
  with `full=True`, Stable Diffusion's full one (`AutoencoderKL`, "stabilityai/sd-vae-ft-mse",
  335 MB), from the Hugging Face cache or the Hub. The Hub address is huggingface_hub's: it
  honours `HF_ENDPOINT` (e.g. https://hf-mirror.com) and `HF_HUB_OFFLINE`. Where the weights
  cannot be had, it prints one line saying what the cell would show and how to get it, and
  returns None: no traceback, and in fast mode no wait of more than about a second.
* `photo()` is a real photograph that ships with matplotlib (Grace Hopper), as SD reads it.
* `show_round_trip()` draws photo | the latent's 4 channels | the decoded photo.
* `random_model()` builds either VAE with random weights (same layers, no download): the tests.

`diffusers` is imported inside the functions only: the rest of the package does not pay for it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import urllib.error
import urllib.request
import warnings

import matplotlib.pyplot as plt
import PIL.Image
import torch
from matplotlib.figure import Figure

from .i18n import tr
from .lesson import fast_mode
from .plotting import label

TINY = "madebyollin/taesd"  # AutoencoderTiny (TAESD): ~10 MB, MIT licence
FULL = "stabilityai/sd-vae-ft-mse"  # AutoencoderKL: SD 1.x's VAE with the fine-tuned decoder, 335 MB, MIT
SCALE = 0.18215  # SD's latent scale factor: AutoencoderKL latents * SCALE have a std of about 1
PHOTO = "grace_hopper.jpg"  # in matplotlib's sample data (mpl-data/sample_data), 512 wide, 600 high

# stabilityai/sd-vae-ft-mse's config.json, the fields that define its layers (scaling_factor is
# not in that file: diffusers' default, 0.18215, applies). AutoencoderTiny()'s defaults are
# already madebyollin/taesd's configuration.
SD_VAE_FT_MSE_CONFIG = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "act_fn": "silu",
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 256,
}

PROBE_TIMEOUT_S = (1.0, 10.0)  # how long to wait for the Hub to answer: fast mode, full mode


# ---------------------------------------------------------------- loading

def load(full: bool = False, device: str | torch.device = "cpu"):
    """The pretrained VAE in eval mode (AutoencoderTiny; AutoencoderKL with full=True), from the
    cache or downloaded once; None, after one printed line saying why, when it cannot be had.
    Nothing slow happens before it knows the weights can be had: not even importing diffusers."""
    repo = FULL if full else TINY
    if importlib.util.find_spec("diffusers") is None:
        reason = tr("the `diffusers` library is not installed (pip install diffusers)")
    else:
        model = _from_pretrained(full, local_only=True) if _in_cache(repo) else None
        if model is not None:
            return model.to(device).eval()
        reason = _why_not_reachable(repo)
        if reason is None:
            try:
                return _from_pretrained(full, local_only=False).to(device).eval()
            except Exception as error:  # disk full, a broken download, a mirror without it, ...
                reason = tr("the download failed ({error})", error=type(error).__name__)
    print(unavailable_message(repo, reason))
    return None


def unavailable_message(repo: str, reason: str) -> str:
    """The one line the lesson prints instead of the figure: what it would show, how to get it."""
    line = tr("Not shown: Stable Diffusion's VAE ({repo}) squeezing a photo to 4×64×64 and painting it "
              "back, because {reason}. To see it, connect to the internet, or set HF_ENDPOINT to a "
              "mirror (e.g. https://hf-mirror.com), or download it once with `hf download {repo} config.json "
              "diffusion_pytorch_model.safetensors`; the lesson goes on without it.", repo=repo, reason=reason)
    return " ".join(line.split())  # one line, whatever the error text held


def _in_cache(repo: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo, "config.json"), str)


def _why_not_reachable(repo: str) -> str | None:
    """None when the Hub (or the mirror in HF_ENDPOINT) answers within the probe timeout; else
    why not, in words. One short request instead of huggingface_hub's retries (about 20 s)."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return tr("HF_HUB_OFFLINE is set and the weights are not in the cache")
    endpoint = constants.ENDPOINT.rstrip("/")
    request = urllib.request.Request(f"{endpoint}/{repo}/resolve/main/config.json", method="HEAD")
    try:
        urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_S[0 if fast_mode() else 1]).close()
    except urllib.error.HTTPError as answer:  # it answered, but not with the file
        return tr("{endpoint} answered HTTP {code} for {repo}", endpoint=endpoint, code=answer.code, repo=repo)
    except (OSError, ValueError):  # no network, no name resolution, a timeout, a bad HF_ENDPOINT
        return tr("{endpoint} cannot be reached from here", endpoint=endpoint)
    return None


@contextlib.contextmanager
def _quiet():
    """Hide diffusers' and huggingface_hub's warnings and log messages while loading (a download
    still shows its progress bar)."""
    loggers = [logging.getLogger(name) for name in ("diffusers", "huggingface_hub")]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def _from_pretrained(full: bool, local_only: bool):
    """diffusers' from_pretrained, quietly; None when local_only and the cache lacks a file."""
    from diffusers import AutoencoderKL, AutoencoderTiny

    cls, repo = (AutoencoderKL, FULL) if full else (AutoencoderTiny, TINY)
    with _quiet():
        try:
            return cls.from_pretrained(repo, local_files_only=local_only)
        except Exception:
            if local_only:
                return None
            raise


def random_model(full: bool = False):
    """The same VAE with random weights (no download): for the tests, and to time the layers."""
    from diffusers import AutoencoderKL, AutoencoderTiny

    with _quiet():
        model = AutoencoderKL(**SD_VAE_FT_MSE_CONFIG) if full else AutoencoderTiny()
    return model.eval()


def is_tiny(vae) -> bool:
    """True for AutoencoderTiny (its latents are already SD's scaled ones), False for AutoencoderKL."""
    return type(vae).__name__ == "AutoencoderTiny"


@torch.no_grad()
def round_trip(vae, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """images (N, 3, H, W) in [-1, 1] -> (SD's scaled latents (N, 4, H/8, W/8), decoded images):
    the lesson's cell, as one function."""
    if is_tiny(vae):
        z = vae.encode(images).latents
        return z, vae.decode(z).sample
    z = vae.encode(images).latent_dist.sample() * SCALE
    return z, vae.decode(z / SCALE).sample


# ---------------------------------------------------------------- the photograph and the figure

def photo(size: int = 512) -> torch.Tensor:
    """Grace Hopper's portrait from matplotlib's sample data: its top 512×512 square (the face),
    resized to size×size, as (1, 3, size, size) in [-1, 1], the range SD's VAE reads."""
    from matplotlib import cbook

    with PIL.Image.open(cbook.get_sample_data(PHOTO, asfileobj=False)) as img:
        side = min(img.size)
        left = (img.width - side) // 2
        square = img.convert("RGB").crop((left, 0, left + side, side))
        if side != size:
            square = square.resize((size, size), PIL.Image.Resampling.LANCZOS)
    x = torch.frombuffer(bytearray(square.tobytes()), dtype=torch.uint8).reshape(size, size, 3)
    return x.permute(2, 0, 1).unsqueeze(0).float() / 127.5 - 1


def _as_picture(x: torch.Tensor):
    """(1, 3, H, W) in [-1, 1] -> (H, W, 3) in [0, 1] for imshow."""
    return ((x[0].detach().float().cpu().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def _sizes(x: torch.Tensor) -> str:
    return "×".join(str(n) for n in x.shape[1:])


def show_round_trip(image: torch.Tensor, latents: torch.Tensor, decoded: torch.Tensor,
                    title: str | None = None) -> Figure:
    """photo | its latent's 4 channels (one colour scale, its bar below) | the decoded photo; the
    title counts the numbers on each side. Latent pixels are drawn at 2x their size or more."""
    width, height, side, tile = 11.9, 5.6, 3.8, 1.7  # inches; a 64-pixel channel: 163 px at 96 dpi
    fig = plt.figure(figsize=(width, height))

    def box(x: float, y: float, w: float, h: float):  # an axes placed in inches from the bottom left
        return fig.add_axes((x / width, y / height, w / width, h / height))

    for x, picture, text in ((0.05, image, label("the photo ({sizes})", sizes=_sizes(image))),
                             (8.05, decoded, label("decoded ({sizes})", sizes=_sizes(decoded)))):
        ax = box(x, 1.0, side, side)
        ax.imshow(_as_picture(picture), interpolation="antialiased")
        ax.set_title(text), ax.set_xticks([]), ax.set_yticks([])
    z = latents[0].detach().float().cpu()
    limit = max(z.abs().max().item(), 1e-6)
    for c in range(min(4, z.shape[0])):
        ax = box(4.15 + (c % 2) * (tile + 0.2), 3.1 - (c // 2) * (tile + 0.4), tile, tile)
        shown = ax.imshow(z[c].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(label("channel {c}", c=c)), ax.set_xticks([]), ax.set_yticks([])
    bar = fig.colorbar(shown, cax=box(4.15, 0.55, 2 * tile + 0.2, 0.15), orientation="horizontal")
    bar.set_label(label("latent value (red +, blue −)"))
    numbers = (image[0].numel(), latents[0].numel())
    fig.suptitle(title or label("{big} = {n_big:,} numbers → latent {small} = {n_small:,}: {k:g}× fewer",
                                big=_sizes(image), n_big=numbers[0], small=_sizes(latents),
                                n_small=numbers[1], k=numbers[0] / numbers[1]), y=0.99, fontsize=13)
    return fig
