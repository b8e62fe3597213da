"""The trained models that ship with the package, by name: `load_pretrained("mnist-vae-20")`.

It sits above `checkpoints` and `diffusion`: the latent-diffusion pipeline is assembled here
from two checkpoints (the conv VAE, and the denoiser with its text encoder and latent scale).
"""

from __future__ import annotations

import torch
from torch import nn

from .checkpoints import WEIGHTS_DIR, CheckpointError, load_checkpoint, user_checkpoint
from .diffusion import Denoiser, LatentDiffusionPipeline
from .i18n import tr

PIPELINES = ("mnist-latent-diffusion",)  # assembled from several checkpoints, below
PIPELINE_PARTS = ("mnist-latent-denoiser",)  # loaded only as part of a pipeline


def pretrained_names() -> list[str]:
    """Names accepted by `load_pretrained`."""
    return sorted([p.stem for p in WEIGHTS_DIR.glob("*.pt") if p.stem not in PIPELINE_PARTS]
                  + list(PIPELINES))


def load_pretrained(name: str = "mnist-vae-20", device: str | torch.device = "cpu"):
    """A bundled, trained model in eval mode (see vae_lessons/weights/MODEL_CARD.md)."""
    if name in PIPELINES:
        vae = load_checkpoint(WEIGHTS_DIR / "mnist-conv-vae.pt", device=device)
        denoiser = load_checkpoint(WEIGHTS_DIR / "mnist-latent-denoiser.pt", model=Denoiser, device=device)
        return LatentDiffusionPipeline(vae, denoiser, denoiser.meta["latent_scale"])
    path = WEIGHTS_DIR / f"{name}.pt"
    if name in PIPELINE_PARTS or not path.is_file():
        raise ValueError(f"no pretrained model {name!r}; available: {', '.join(pretrained_names())}")
    return load_checkpoint(path, device=device)


def load_own_or_pretrained(own: str, pretrained: str,
                           device: str | torch.device = "cpu") -> tuple[nn.Module, str]:
    """The model a learner trained earlier (`user_checkpoint(own)`) if it is readable, else the
    bundled `pretrained` one; with a sentence saying which (and never a machine path)."""
    reason = tr("no checkpoint from lesson 05 in this runtime (run lesson 05 in full mode here "
                "first; on Colab, in the same session)")
    bundled = load_pretrained(pretrained, device=device)
    if user_checkpoint(own).is_file():
        try:  # it must be the same kind of model as the bundled one, or the lesson breaks later
            model = load_checkpoint(user_checkpoint(own), type(bundled)(**bundled.config), device)
            epochs, loss = model.meta["epochs"], model.meta["test_loss"]
            return model, tr("your model from lesson 05 ({epochs} epochs, test loss {loss:.1f})",
                             epochs=epochs, loss=loss)
        except (CheckpointError, KeyError):
            reason = tr("the checkpoint from lesson 05 is corrupted or of another architecture")
    loss = bundled.meta["test_loss"]
    return bundled, tr("the bundled {name} model (test loss {loss:.1f}); {reason}",
                       name=pretrained, loss=loss, reason=reason)
