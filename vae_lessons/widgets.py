"""Live widgets for the lessons, built from core ipywidgets only (so they work on Colab too).

Both widgets update one `ipywidgets.Image` in place with fresh PNG bytes: no new figure per
move, no flicker, no plots stacking up in an Output area.
"""

from __future__ import annotations

import io
from typing import Callable

import ipywidgets as W
import PIL.Image
import torch
from matplotlib.figure import Figure

from .i18n import tr
from .models import flatten_images
from .plotting import figure_png, image_png

SLIDER_RANGE = 3.0  # the prior N(0, 1) puts 99.7% of its mass within +-3


class LatentExplorer:
    """One slider per latent dimension, and the digit the decoder paints from them.

    `.sliders` are the latent_dim sliders in dimension order and `.image` the decoded digit,
    so code (and tests) can drive it; buttons set a random z, reset to zero, or load the mean
    code mu of test digit #k (needs `images`).
    """

    def __init__(self, model, images: torch.Tensor | None = None, scale: int = 12):
        self.model, self.images, self.scale = model.eval(), images, scale
        self.device = next(model.parameters()).device
        self._holding = False  # True while many sliders are set at once: render once at the end
        layout = W.Layout(width="300px")
        self.sliders = [W.FloatSlider(value=0.0, min=-SLIDER_RANGE, max=SLIDER_RANGE, step=0.05,
                                      description=f"z[{i}]", continuous_update=True,
                                      readout_format=".2f", layout=layout)
                        for i in range(model.latent_dim)]
        for s in self.sliders:
            s.observe(self._on_change, names="value")
        self.image = W.Image(format="png", layout=W.Layout(width=f"{28 * scale}px"))
        self.random_button = W.Button(description=tr("random z", "随机 z"), icon="random")
        self.reset_button = W.Button(description=tr("reset to 0", "归零"), icon="undo")
        self.digit_index = W.BoundedIntText(value=0, min=0, max=max(len(images) - 1, 0) if images is not None else 0,
                                            description=tr("test #", "测试图 #"), layout=W.Layout(width="150px"))
        self.encode_button = W.Button(description=tr("encode test digit", "编码这张测试图"), icon="pencil",
                                      disabled=images is None)
        self.random_button.on_click(lambda _: self.set_z(torch.randn(model.latent_dim)))
        self.reset_button.on_click(lambda _: self.set_z(torch.zeros(model.latent_dim)))
        self.encode_button.on_click(lambda _: self.encode_digit(self.digit_index.value))
        half = (len(self.sliders) + 1) // 2
        columns = W.HBox([W.VBox(self.sliders[:half]), W.VBox(self.sliders[half:])])
        buttons = W.HBox([self.random_button, self.reset_button, self.digit_index, self.encode_button])
        self.widget = W.VBox([buttons, W.HBox([self.image, columns])])
        self.widget.add_class("vae-latent-explorer")  # CSS hooks: big-screen styling, browser tests
        self.image.add_class("vae-latent-digit")
        self.render()

    @property
    def z(self) -> torch.Tensor:
        return torch.tensor([s.value for s in self.sliders], dtype=torch.float32)

    def set_z(self, z: torch.Tensor) -> None:
        """Move every slider (clipped to the slider range) and redraw once."""
        if z.numel() != len(self.sliders):
            raise ValueError(f"z has {z.numel()} values, the explorer has {len(self.sliders)} sliders")
        self._holding = True
        try:
            for s, v in zip(self.sliders, z.reshape(-1).tolist()):
                s.value = min(max(v, -SLIDER_RANGE), SLIDER_RANGE)
        finally:
            self._holding = False
        self.render()

    @torch.no_grad()
    def encode_digit(self, k: int) -> None:
        """Set the sliders to the mean code mu of test image #k."""
        if self.images is None:
            raise ValueError("this explorer was built without test images")
        if not 0 <= k < len(self.images):
            raise IndexError(f"test digit #{k} does not exist: choose 0..{len(self.images) - 1}")
        mu, _ = self.model.encode(flatten_images(self.images[k:k + 1]).to(self.device))
        self.set_z(mu[0].cpu())

    @torch.no_grad()
    def render(self) -> None:
        """Slider values -> decode -> PNG bytes -> the image widget (the whole update path)."""
        z = torch.tensor([[s.value for s in self.sliders]], device=self.device)
        self.image.value = image_png(self.model.decode(z), self.scale)

    def _on_change(self, _change) -> None:
        if not self._holding:
            self.render()

    def _repr_mimebundle_(self, **kwargs):  # display(explorer) shows the widget
        return self.widget._repr_mimebundle_(**kwargs)


class LiveFigure:
    """A matplotlib figure that redraws in place when its controls move.

    `draw(fig, **values)` draws into one persistent Figure (not pyplot, so no figure piles up);
    the result goes to an Image widget as PNG. `controls` maps names to ipywidgets controls.
    """

    def __init__(self, draw: Callable[..., None], controls: dict[str, W.ValueWidget],
                 figsize: tuple[float, float] = (6, 2.6), dpi: int = 80):
        self.draw, self.controls = draw, controls
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.image = W.Image(format="png")
        self.output = W.HTML()  # a line of text the draw function may return
        for c in controls.values():
            c.observe(lambda _: self.update(), names="value")
        self.widget = W.VBox([W.HBox(list(controls.values())), self.image, self.output])
        self.update()

    def update(self) -> None:
        self.figure.clear()
        text = self.draw(self.figure, **{k: c.value for k, c in self.controls.items()})
        self.output.value = f"<pre>{text}</pre>" if text else ""
        self.image.value = figure_png(self.figure)

    def snapshot(self, settings: list[dict[str, object]]):
        """A static picture of the widget at a few settings, one panel under the other, each
        titled with its values: what GitHub and nbviewer readers see, where widgets don't run.

        Returns an IPython Image (a plain PNG output); the live widget is left as it was.
        """
        from IPython.display import Image

        panels = []
        for values in settings:
            self.figure.clear()
            text = self.draw(self.figure, **{**{k: c.value for k, c in self.controls.items()}, **values})
            caption = ", ".join(f"{k} = {v:g}" if isinstance(v, (int, float)) else f"{k} = {v}"
                                for k, v in values.items())
            self.figure.suptitle(caption + (f"  ({text})" if text else ""), fontsize=11)
            self.figure.tight_layout()
            panels.append(PIL.Image.open(io.BytesIO(figure_png(self.figure))).convert("RGB"))
        self.update()
        sheet = PIL.Image.new("RGB", (max(p.width for p in panels), sum(p.height for p in panels)), "white")
        top = 0
        for panel in panels:
            sheet.paste(panel, (0, top))
            top += panel.height
        buf = io.BytesIO()
        sheet.save(buf, format="png", optimize=True)
        return Image(data=buf.getvalue())

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
