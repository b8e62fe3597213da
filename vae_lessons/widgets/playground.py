"""Lesson 07's diffusion playground: prompt, guidance, steps and seed drive the mini latent
diffusion live, with the denoising walk and the latent channels."""

from __future__ import annotations

import html
import io

import ipywidgets as W
import PIL.Image
import torch

from ..diffusion import DEFAULT_GUIDANCE, DEFAULT_STEPS
from ..i18n import tr
from ..plotting import image_png
from .core import WALK, Shown, interactive_threads

class DiffusionPlayground(Shown):
    """Lesson 07's playground: a prompt, guidance, steps and seed drive the mini latent diffusion
    live. It shows the result, the denoising walk (the denoiser's guess of the clean picture at
    several steps) and the four latent channels. `.prompt`, `.guidance`, `.steps`, `.seed`,
    `.image`, `.walk`, `.channels`, `.message` are reachable from Python."""

    def __init__(self, pipe, prompt: str = "7", guidance: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                 scale: int = 8):
        self.pipe, self.scale = pipe, scale
        self.prompt = W.Text(value=prompt, description=tr("prompt"), continuous_update=False)
        self.guidance = W.FloatSlider(value=guidance, min=0, max=10, step=0.5, description=tr("guidance"))
        self.steps = W.IntSlider(value=steps, min=1, max=50, description=tr("steps"))
        self.seed = W.IntText(value=0, description=tr("seed"), layout=W.Layout(width="160px"))
        self.image = W.Image(format="png", layout=W.Layout(width=f"{28 * scale}px"))
        self.walk = W.Image(format="png")
        self.channels = W.Image(format="png")
        self.message = W.HTML()
        for control in (self.prompt, self.guidance, self.steps, self.seed):
            control.observe(lambda _: self.update(), names="value")
        self.widget = W.VBox([
            W.HBox([self.prompt, self.seed]), W.HBox([self.guidance, self.steps]), self.message,
            W.HBox([W.VBox([W.HTML(tr("<b>result</b>")), self.image]),
                    W.VBox([W.HTML(tr("<b>denoising walk: the clean picture the denoiser sees at each step</b>")), self.walk,
                            W.HTML(tr("<b>the final latent's four channels (7×7 each; red +, blue −)</b>")), self.channels])])])
        self.widget.add_class("vae-diffusion-playground")
        self.update()

    @interactive_threads()
    def update(self) -> None:
        """Generate one image for the current settings; a prompt the pipeline does not understand
        shows its message here instead of a traceback."""
        steps = self.steps.value
        keep = sorted({round(i * steps / (WALK - 1)) for i in range(WALK)} - {0})
        try:
            images, kept = self.pipe([self.prompt.value], guidance=self.guidance.value, steps=steps,
                                     seed=self.seed.value, keep=keep, keep_x0=True)
        except (ValueError, TypeError) as e:
            self.message.value = f'<span style="color:#d62728">{html.escape(str(e))}</span>'
            return
        self.message.value = ""
        self.image.value = image_png(images[0], self.scale)
        walk = self.pipe.decode(torch.cat([kept[k] for k in keep])).clamp(0, 1)
        self.walk.value = _strip_png(walk, self.scale // 2, [f"{k}/{steps}" for k in keep])
        self.channels.value = _heatmaps_png(kept[steps][0].cpu(), 4 * self.scale)  # the last guess is the result



def _strip_png(images: torch.Tensor, scale: int, captions: list[str]) -> bytes:
    """Images side by side, each captioned underneath, as one PNG (no matplotlib: fast)."""
    import PIL.ImageDraw
    import PIL.ImageFont

    tile, gap, text_h = 28 * scale, 6, 20
    sheet = PIL.Image.new("L", (len(images) * (tile + gap), tile + text_h), 255)
    pen = PIL.ImageDraw.Draw(sheet)
    try:
        font = PIL.ImageFont.load_default(size=15)  # Pillow >= 10.1: a readable size
    except TypeError:
        font = PIL.ImageFont.load_default()
    for i, (img, cap) in enumerate(zip(images, captions)):
        sheet.paste(PIL.Image.open(io.BytesIO(image_png(img, scale))), (i * (tile + gap), 0))
        pen.text((i * (tile + gap) + 4, tile + 2), cap, fill=0, font=font)
    buf = io.BytesIO()
    sheet.save(buf, format="png", compress_level=1)
    return buf.getvalue()


def _heatmaps_png(latent: torch.Tensor, scale: int) -> bytes:
    """A (C, h, w) latent as C heatmaps side by side: red above 0, blue below, white at 0."""
    from matplotlib import colormaps

    c, h, w = latent.shape
    bound = max(latent.abs().max().item(), 1e-6)
    rgb = colormaps["RdBu_r"](((latent / bound + 1) / 2).numpy())[..., :3]       # (C, h, w, 3) in [0, 1]
    gap = 4
    sheet = PIL.Image.new("RGB", (c * (w * scale + gap), h * scale), "white")
    for i in range(c):
        tile = PIL.Image.fromarray((rgb[i] * 255).astype("uint8")).resize((w * scale, h * scale), PIL.Image.NEAREST)
        sheet.paste(tile, (i * (w * scale + gap), 0))
    buf = io.BytesIO()
    sheet.save(buf, format="png", compress_level=1)
    return buf.getvalue()


