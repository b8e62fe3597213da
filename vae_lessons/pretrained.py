"""The trained models that ship with the package, by name: `load_pretrained("mnist-vae-20")`.

It sits above `checkpoints` and `diffusion` (the latent-diffusion pipeline is assembled from
several checkpoints), so the dependency runs one way: checkpoints <- diffusion <- pretrained.
"""

from __future__ import annotations

import torch
from torch import nn

from .checkpoints import WEIGHTS_DIR, CheckpointError, load_checkpoint, user_checkpoint
from .diffusion import load_pipeline
from .i18n import tr

PIPELINES = ("mnist-latent-diffusion",)  # assembled from several checkpoints by `diffusion`
PIPELINE_PARTS = ("mnist-latent-denoiser",)  # loaded only as part of a pipeline


def pretrained_names() -> list[str]:
    """Names accepted by `load_pretrained`."""
    return sorted([p.stem for p in WEIGHTS_DIR.glob("*.pt") if p.stem not in PIPELINE_PARTS]
                  + list(PIPELINES))


def load_pretrained(name: str = "mnist-vae-20", device: str | torch.device = "cpu"):
    """A bundled, trained model in eval mode (see vae_lessons/weights/MODEL_CARD.md)."""
    if name in PIPELINES:
        return load_pipeline(device=device)
    path = WEIGHTS_DIR / f"{name}.pt"
    if name in PIPELINE_PARTS or not path.is_file():
        raise ValueError(f"no pretrained model {name!r}; available: {', '.join(pretrained_names())}")
    return load_checkpoint(path, device=device)


def load_own_or_pretrained(own: str, pretrained: str,
                           device: str | torch.device = "cpu") -> tuple[nn.Module, str]:
    """The model a learner trained earlier (`user_checkpoint(own)`) if it is readable, else the
    bundled `pretrained` one; with a sentence saying which (and never a machine path)."""
    reason = tr("no checkpoint from lesson 05 in this runtime (run lesson 05 in full mode here "
                "first; on Colab, in the same session)",
                "这个运行环境里没有第 05 课的检查点（要用自己的模型，先在这里以完整模式运行第 05 课；"
                "在 Colab 上须在同一个会话里）")
    bundled = load_pretrained(pretrained, device=device)
    if user_checkpoint(own).is_file():
        try:  # it must be the same kind of model as the bundled one, or the lesson breaks later
            model = load_checkpoint(user_checkpoint(own), type(bundled)(**bundled.config), device)
            epochs, loss = model.meta["epochs"], model.meta["test_loss"]
            return model, tr(f"your model from lesson 05 ({epochs} epochs, test loss {loss:.1f})",
                             f"你在第 05 课训练的模型（{epochs} 轮，测试损失 {loss:.1f}）")
        except (CheckpointError, KeyError):
            reason = tr("the checkpoint from lesson 05 is corrupted or of another architecture",
                        "第 05 课的检查点已损坏，或者是另一种结构的模型")
    loss = bundled.meta["test_loss"]
    return bundled, tr(f"the bundled {pretrained} model (test loss {loss:.1f}); {reason}",
                       f"本包自带的 {pretrained} 模型（测试损失 {loss:.1f}）；{reason}")
