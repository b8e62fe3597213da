"""What every widget shares: the slider range and sizes, one torch thread per update, display
on ipywidgets 7 and 8, and LiveFigure, a matplotlib figure that follows its controls."""

from __future__ import annotations

import io
from contextlib import contextmanager
from functools import reduce
from typing import Callable, Iterator

import ipywidgets as W
import PIL.Image
import torch
from matplotlib.figure import Figure

from ..plotting import compact_image_png, figure_png, label

SLIDER_RANGE = 3.0  # the prior N(0, 1) puts 99.7% of its mass within +-3
KL_IMAGES = 1000    # the lab ranks its sliders by the mean KL of each dimension over this many digits
WALK = 6            # pictures in the playground's denoising walk
# Torch threads for a widget's update. The models are tiny: a second thread gains nothing on a
# quiet machine and, beside a busy program (a browser, a shared Colab VM), fights it for the
# core: 78.6 ms against 41.3 ms per playground update with one core busy (benchmarks/widget_latency.py). None keeps
# torch's setting. Training is untouched: the learner's global setting is restored after each update.
INTERACTIVE_THREADS: int | None = 1  # set widgets.core.INTERACTIVE_THREADS to change it


@contextmanager
def interactive_threads() -> Iterator[None]:
    """Run the body with INTERACTIVE_THREADS torch threads, then restore the learner's setting."""
    before = torch.get_num_threads()
    if INTERACTIVE_THREADS:
        torch.set_num_threads(INTERACTIVE_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Shown:
    """Shows itself as its ipywidgets `.widget` when it ends a cell or goes to display().

    Through IPython's display protocol, which ipywidgets 7 (Colab's) and 8 both answer: a
    widget's own `_repr_mimebundle_` exists in ipywidgets 8 only.
    """

    widget: W.Widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class LiveFigure(Shown):
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

    @interactive_threads()
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
        for values in settings:  # a figure of its own: tight_layout must not touch the live one
            fig = Figure(figsize=self.figure.get_size_inches(), dpi=self.figure.dpi)
            text = self.draw(fig, **{**{k: c.value for k, c in self.controls.items()}, **values})
            caption = reduce(lambda listed, setting: label("{listed}, {setting}", listed=listed, setting=setting),
                             [self._setting(k, v) for k, v in values.items()])
            if text:
                caption = label("{caption} ({text})", caption=caption, text=text)
            fig.suptitle(caption, fontsize=11)
            fig.tight_layout()
            panels.append(PIL.Image.open(io.BytesIO(figure_png(fig))).convert("RGB"))
        sheet = PIL.Image.new("RGB", (max(p.width for p in panels), sum(p.height for p in panels)), "white")
        top = 0
        for panel in panels:
            sheet.paste(panel, (0, top))
            top += panel.height
        return Image(data=compact_image_png(sheet))

    def _setting(self, name: str, value: object) -> str:
        """"μ = 0.5", "capsule size k = 20", "photo: step 20": the control's own
        description and value or option label, as the learner sees them on the live widget (in
        the language in force), not the Python names. A number reads as an equation; a worded
        option label follows its description after a colon."""
        control = self.controls.get(name)
        shown = getattr(control, "description", "") or name
        options = dict(zip(getattr(control, "_options_values", ()), getattr(control, "_options_labels", ())))
        value = options.get(value, value)
        if isinstance(value, (int, float)) or _is_number(str(value)):
            return f"{shown} = {value:g}" if isinstance(value, (int, float)) else f"{shown} = {value}"
        return label("{name}: {value}", name=shown, value=value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
