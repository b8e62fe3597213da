"""Live widgets for the lessons: the latent lab, the 2-D pad, the diffusion playground, and a
matplotlib figure that follows its controls.

Built from core ipywidgets (they work on Colab too), plus the small drawing canvas of
`drawing`. Every widget updates `ipywidgets.Image`s in place with fresh PNG bytes: no new
figure per move, no flicker, no plots stacking up in an Output area.
"""

from __future__ import annotations

import html
import io
from contextlib import contextmanager
from typing import Callable, Iterator

import ipywidgets as W
import PIL.Image
import torch
from matplotlib.figure import Figure

from . import drawing as drawing_module
from .i18n import tr
from .losses import kl_divergence, typical_radius
from .models import flatten_images
from .plotting import compact_image_png, figure_png, image_png

SLIDER_RANGE = 3.0  # the prior N(0, 1) puts 99.7% of its mass within +-3
# Torch threads for a widget's update. The models are tiny: a second thread gains nothing on a
# quiet machine and, beside a busy program (a browser, a shared Colab VM), fights it for the
# core: 148 ms against 45 ms per playground update (benchmarks/widget_latency.py). None keeps
# torch's setting. Training is untouched: the learner's global setting is restored after each update.
INTERACTIVE_THREADS: int | None = 1


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


class LatentExplorer(Shown):
    """The latent lab: one slider per latent dimension and the digit the decoder paints from them.

    Beside the live decode stands the digit you started from (a test digit, or one you drew);
    sliders are ordered by how much the model uses each dimension (its mean KL on `images`),
    with a bar for that KL and, where the lesson observed one, a short label ("slant"); a
    meter shows ||z|| against the prior's typical shell. Everything is reachable from Python:
    `.sliders` (in dimension order), `.order`, `.image`, `.original`, `.draw(image)`,
    `.show_digit(label=3)`, `.encode_digit(k)`, `.back_button`, `.canvas`.
    """

    def __init__(self, model, images: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                 scale: int = 8, dimension_labels: dict[int, str] | None = None, canvas: bool = True):
        self.model, self.images, self.labels, self.scale = model.eval(), images, labels, scale
        self.device = next(model.parameters()).device
        dim = model.latent_dim
        self._holding = False  # True while many sliders are set at once: render once at the end
        self.kl = self._kl_per_dimension()
        self.order = sorted(range(dim), key=lambda i: -self.kl[i])
        self.low, self.high = typical_radius(dim)
        self.start_z = torch.zeros(dim)
        # one Layout and one style shared by all rows: the notebook saves each widget model once
        slider_layout, slider_style, row_layout = W.Layout(width="260px"), W.SliderStyle(), W.Layout()
        html_layout = W.Layout()
        self.sliders = [W.FloatSlider(value=0.0, min=-SLIDER_RANGE, max=SLIDER_RANGE, step=0.05,
                                      description=f"z[{i}]", continuous_update=True, readout_format=".2f",
                                      layout=slider_layout, style=slider_style)
                        for i in range(dim)]
        for s in self.sliders:
            s.observe(self._on_change, names="value")
        names = dimension_labels or {}
        top = max(self.kl) if max(self.kl) > 0 else 1.0
        rows = [W.HBox([self.sliders[i], W.HTML(
            f'<div title="KL {self.kl[i]:.2f} nats" style="display:flex;align-items:center;gap:6px">'
            f'<div style="width:{60 * self.kl[i] / top:.0f}px;height:10px;background:#1f77b4"></div>'
            f'<span style="font-size:12px">{self.kl[i]:.1f} {names.get(i, "")}</span></div>',
            layout=html_layout)], layout=row_layout)
            for i in self.order]
        picture = W.Layout(width=f"{28 * scale}px")
        box, button = W.Layout(), W.Layout()  # shared: fewer models in the saved widget state
        self.image = W.Image(format="png", layout=picture)
        self.original = W.Image(format="png", layout=picture)
        self.original_caption = W.HTML(layout=html_layout)
        self.image_caption = W.HTML(tr("<b>live decode</b>", "<b>实时解码</b>"), layout=html_layout)
        self.meter = W.HTML(layout=html_layout)
        self.random_button = W.Button(description=tr("random z", "随机 z"), icon="random", layout=button)
        self.reset_button = W.Button(description=tr("reset to 0", "归零"), icon="undo", layout=button)
        self.back_button = W.Button(description=tr("back to my digit", "回到我的数字"), icon="reply",
                                    disabled=True, layout=button)
        n = len(images) if images is not None else 0
        self.digit_index = W.BoundedIntText(value=0, min=0, max=max(n - 1, 0),
                                            description=tr("test #", "测试图 #"), layout=W.Layout(width="170px"))
        self.encode_button = W.Button(description=tr("encode test digit", "编码这张测试图"), icon="pencil",
                                      disabled=images is None, layout=button)
        self.digit_class = W.Dropdown(options=list(range(10)), value=3, description=tr("a random", "随机一个"),
                                      layout=W.Layout(width="150px"), disabled=labels is None)
        self.class_button = W.Button(description=tr("show it", "显示"), disabled=labels is None, layout=button)
        self.random_button.on_click(lambda _: self.set_z(torch.randn(dim)))
        self.reset_button.on_click(lambda _: self.set_z(torch.zeros(dim)))
        self.back_button.on_click(lambda _: self.set_z(self.start_z))
        self.encode_button.on_click(lambda _: self.encode_digit(self.digit_index.value))
        self.class_button.on_click(lambda _: self.show_digit(label=self.digit_class.value))
        self.canvas = None
        drawing = [W.HTML(tr("<b>draw a digit</b>", "<b>画一个数字</b>"), layout=html_layout)]
        if canvas and drawing_module.Canvas is not None:
            self.canvas = drawing_module.Canvas(size=8 * 28)
            self.canvas.observe(self._on_strokes, names="strokes")
            clear = W.Button(description=tr("clear", "清除"), icon="eraser", layout=W.Layout(width="90px"))
            clear.on_click(lambda _: self.canvas.clear())
            drawing += [self.canvas, clear]
        else:
            drawing.append(W.HTML(drawing_module.CANVAS_ERROR or tr("drawing is off", "绘图已关闭")))
        pictures = W.HBox([W.VBox(drawing, layout=box), W.VBox([self.original_caption, self.original], layout=box),
                           W.VBox([self.image_caption, self.image, self.meter], layout=box)], layout=box)
        buttons = W.HBox([self.digit_index, self.encode_button, self.digit_class, self.class_button], layout=box)
        buttons2 = W.HBox([self.random_button, self.reset_button, self.back_button], layout=box)
        half = (len(rows) + 1) // 2
        sliders = W.HBox([W.VBox(rows[:half], layout=box), W.VBox(rows[half:], layout=box)], layout=box)
        legend = W.HTML(tr(f"<small>Sliders ordered by how much the model uses each dimension "
                           f"(bar: mean KL in nats over {n} test digits).</small>",
                           f"<small>滑块按模型对每个维度的使用程度排序（条形：{n} 张测试图上的平均 KL，单位奈特）。</small>")
                        if images is not None else "")
        self.widget = W.VBox([pictures, buttons, buttons2, legend, sliders])
        self.widget.add_class("vae-latent-explorer")  # CSS hooks: big-screen styling, browser tests
        self.image.add_class("vae-latent-digit")
        self._show_original(None, "")
        self.render()

    @torch.no_grad()
    def _kl_per_dimension(self) -> list[float]:
        """Mean KL of each dimension over the given images, computed once (not per move)."""
        if self.images is None:
            return [0.0] * self.model.latent_dim
        mu, logvar = self.model.encode(flatten_images(self.images[:2000]).to(self.device))
        return kl_divergence(mu, logvar, reduction="none").mean(0).cpu().tolist()

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
    def _start_from(self, image: torch.Tensor, caption: str) -> None:
        """Show `image` as the original, encode it, move the sliders to its mu, remember it."""
        mu, _ = self.model.encode(flatten_images(image.reshape(1, -1)).to(self.device))
        self.start_z = mu[0].cpu()
        self.back_button.disabled = False
        self._show_original(image, caption)
        self.set_z(self.start_z)

    def _show_original(self, image: torch.Tensor | None, caption: str) -> None:
        self.original.value = image_png(torch.zeros(784) if image is None else image, self.scale)
        self.original_caption.value = f"<b>{caption or tr('your digit', '你的数字')}</b>"

    def encode_digit(self, k: int) -> None:
        """Start from test image #k: the sliders jump to its mean code mu."""
        if self.images is None:
            raise ValueError("this explorer was built without test images")
        if not 0 <= k < len(self.images):
            raise IndexError(f"test digit #{k} does not exist: choose 0..{len(self.images) - 1}")
        label = f" ({tr('a', '是')} {int(self.labels[k])})" if self.labels is not None else ""
        self._start_from(self.images[k].cpu(), f"{tr('test', '测试图')} #{k}{label}")

    def show_digit(self, label: int | None = None, index: int | None = None) -> int:
        """Start from a random test digit of class `label`, or from test image #index; returns its index."""
        if index is None:
            if self.labels is None:
                raise ValueError("this explorer was built without test labels")
            candidates = torch.nonzero(self.labels == label).flatten()
            if len(candidates) == 0:
                raise ValueError(f"no test digit with label {label}")
            index = int(candidates[torch.randint(len(candidates), ())])
        self.encode_digit(index)
        return index

    def draw(self, image) -> None:
        """Use `image` (one grey digit, 28x28 or larger, ink bright, values in [0, 1]) as if it had
        been drawn on the canvas: prepare it like MNIST, show it, encode it."""
        self._start_from(drawing_module.mnist_like(image), tr("your drawing", "你画的数字"))

    def _on_strokes(self, change) -> None:
        if change["new"]:
            self.draw(drawing_module.render_strokes(change["new"]))

    @interactive_threads()
    @torch.no_grad()
    def render(self) -> None:
        """Slider values -> decode -> PNG bytes -> the image widget, and the ||z|| meter."""
        z = torch.tensor([[s.value for s in self.sliders]], device=self.device)
        self.image.value = image_png(self.model.decode(z), self.scale)
        norm = z.norm().item()
        inside = self.low <= norm <= self.high
        colour = "#2ca02c" if inside else "#d62728"
        where = (tr("inside the prior's shell", "在先验的常见范围内") if inside else
                 tr("outside: few training codes live here", "在范围之外：训练编码很少在这里"))
        self.meter.value = (f'<span style="font-size:13px">‖z‖ = <b style="color:{colour}">{norm:.2f}</b> '
                            f"({tr('typical', '典型')} {self.low:.1f}–{self.high:.1f}): {where}</span>")

    def _on_change(self, _change) -> None:
        if not self._holding:
            self.render()



class LatentPad(Shown):
    """A 2-D latent plane to drag a point over, with the test digits' codes as backdrop, and the
    digit a 2-D model (`mnist-vae-2`) paints from that point. `.move_to(z0, z1)` drives it."""

    def __init__(self, model, images: torch.Tensor, labels: torch.Tensor, span: float = 3.0,
                 scale: int = 8, max_points: int = 3000):
        if model.latent_dim != 2:
            raise ValueError(f"the pad needs a model with a 2-D latent space, got {model.latent_dim}-D")
        self.model, self.span, self.scale = model.eval(), span, scale
        self.device = next(model.parameters()).device
        with torch.no_grad():
            mu, _ = model.encode(flatten_images(images[:max_points]).to(self.device))
        self.image = W.Image(format="png", layout=W.Layout(width=f"{28 * scale}px"))
        self.readout = W.HTML()
        self.canvas = None
        if drawing_module.Canvas is not None:
            self.canvas = drawing_module.Canvas(mode="pad", size=280, backdrop=_scatter_data_url(mu.cpu(), labels[:max_points], span))
            self.canvas.observe(lambda c: self.move_to(*self._to_latent(c["new"])), names="point")
            pad = self.canvas
        else:
            pad = W.HTML(drawing_module.CANVAS_ERROR)
        self.widget = W.HBox([pad, W.VBox([self.image, self.readout])])
        self.widget.add_class("vae-latent-pad")
        self.move_to(0.0, 0.0)

    def _to_latent(self, point: list[float]) -> tuple[float, float]:
        x, y = point
        return (2 * x - 1) * self.span, (1 - 2 * y) * self.span

    @interactive_threads()
    @torch.no_grad()
    def move_to(self, z0: float, z1: float) -> None:
        """Decode the point (z0, z1) and show it."""
        z = torch.tensor([[z0, z1]], dtype=torch.float32, device=self.device)
        self.image.value = image_png(self.model.decode(z), self.scale)
        self.readout.value = f"z = ({z0:+.2f}, {z1:+.2f})"



def _scatter_data_url(mu: torch.Tensor, labels: torch.Tensor, span: float) -> str:
    """The codes as coloured dots on a square [-span, span]^2, as a PNG data: URL."""
    import base64
    from matplotlib import colormaps

    fig = Figure(figsize=(3.5, 3.5), dpi=80)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.scatter(mu[:, 0], mu[:, 1], c=colormaps["tab10"](labels.cpu().numpy() % 10), s=4,
               antialiased=False, linewidths=0)  # crisp dots: a backdrop a quarter the size
    ax.set(xlim=(-span, span), ylim=(-span, span))
    ax.set_facecolor("black")
    ax.axis("off")
    for d in range(10):
        sel = labels.cpu() == d
        if sel.any():
            cx, cy = mu[sel].median(0).values.tolist()
            if abs(cx) < span and abs(cy) < span:
                ax.text(cx, cy, str(d), color="white", fontsize=14, weight="bold", ha="center", va="center")
    fig.patch.set_facecolor("black")
    return "data:image/png;base64," + base64.b64encode(figure_png(fig)).decode()


class DiffusionPlayground(Shown):
    """Lesson 07's playground: a prompt, guidance, steps and seed drive the mini latent diffusion
    live. It shows the result, the denoising walk (the denoiser's guess of the clean picture at
    several steps) and the four latent channels. `.prompt`, `.guidance`, `.steps`, `.seed`,
    `.image`, `.walk`, `.channels`, `.message` are reachable from Python."""

    WALK = 6  # pictures in the denoising walk

    def __init__(self, pipe, prompt: str = "7", guidance: float = 4.0, steps: int = 25, scale: int = 8):
        self.pipe, self.scale = pipe, scale
        self.prompt = W.Text(value=prompt, description=tr("prompt", "提示词"), continuous_update=False)
        self.guidance = W.FloatSlider(value=guidance, min=0, max=10, step=0.5, description=tr("guidance", "引导"))
        self.steps = W.IntSlider(value=steps, min=1, max=50, description=tr("steps", "步数"))
        self.seed = W.IntText(value=0, description=tr("seed", "种子"), layout=W.Layout(width="160px"))
        self.image = W.Image(format="png", layout=W.Layout(width=f"{28 * scale}px"))
        self.walk = W.Image(format="png")
        self.channels = W.Image(format="png")
        self.message = W.HTML()
        for control in (self.prompt, self.guidance, self.steps, self.seed):
            control.observe(lambda _: self.update(), names="value")
        self.widget = W.VBox([
            W.HBox([self.prompt, self.seed]), W.HBox([self.guidance, self.steps]), self.message,
            W.HBox([W.VBox([W.HTML(tr("<b>result</b>", "<b>结果</b>")), self.image]),
                    W.VBox([W.HTML(tr("<b>denoising walk: the clean picture the denoiser sees at each step</b>",
                                      "<b>去噪过程：每一步去噪器“看到”的干净图像</b>")), self.walk,
                            W.HTML(tr("<b>the final latent's four channels (7×7 each; red +, blue −)</b>",
                                      "<b>最终潜变量的四个通道（各 7×7；红为正，蓝为负）</b>")), self.channels])])])
        self.widget.add_class("vae-diffusion-playground")
        self.update()

    @interactive_threads()
    def update(self) -> None:
        """Generate one image for the current settings; a prompt the pipeline does not understand
        shows its message here instead of a traceback."""
        steps = self.steps.value
        keep = sorted({round(i * steps / (self.WALK - 1)) for i in range(self.WALK)} - {0})
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
            caption = ", ".join(f"{k} = {v:g}" if isinstance(v, (int, float)) else f"{k} = {v}"
                                for k, v in values.items())
            fig.suptitle(caption + (f"  ({text})" if text else ""), fontsize=11)
            fig.tight_layout()
            panels.append(PIL.Image.open(io.BytesIO(figure_png(fig))).convert("RGB"))
        sheet = PIL.Image.new("RGB", (max(p.width for p in panels), sum(p.height for p in panels)), "white")
        top = 0
        for panel in panels:
            sheet.paste(panel, (0, top))
            top += panel.height
        return Image(data=compact_image_png(sheet))

