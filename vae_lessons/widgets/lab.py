"""Lesson 06's latent lab (one slider per latent dimension, a drawing pad, the ||z|| meter) and
the 2-D pad of a 2-D model."""

from __future__ import annotations

import ipywidgets as W
import torch
from matplotlib.figure import Figure

from .. import drawing as drawing_module
from ..i18n import tr
from ..losses import kl_divergence, typical_radius
from ..models import flatten_images
from ..plotting import figure_png, image_png
from .core import KL_IMAGES, SLIDER_RANGE, Shown, interactive_threads

class LatentExplorer(Shown):
    """The latent lab: one slider per latent dimension and the digit the decoder paints from them.

    Beside the live decode stands the digit you started from (a test digit, or one you drew);
    sliders are ordered by how much the model uses each dimension (its mean KL on `images`),
    with a bar for that KL and, where the lesson observed one, a short label ("slant"); a
    meter shows ||z|| against the prior's typical shell. Everything is reachable from Python:
    `.sliders` (in dimension order), `.order`, `.image`, `.original`, `.draw(image)`,
    `.show_digit(label=3)`, `.encode_digit(k)`, `.back_button`, `.canvas`, `.meter`, `.kl`,
    `.dimension_labels`.
    """

    def __init__(self, model, images: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                 scale: int = 8, dimension_labels: dict[int, str] | None = None, canvas: bool = True):
        self.model, self.images, self.labels, self.scale = model.eval(), images, labels, scale
        self.device = next(model.parameters()).device
        self._holding = False  # True while many sliders are set at once: render once at the end
        self.kl = self._kl_per_dimension()
        self.order = sorted(range(model.latent_dim), key=lambda i: -self.kl[i])
        self.low, self.high = typical_radius(model.latent_dim)
        self.start_z = torch.zeros(model.latent_dim)
        self._layout = self._box = W.Layout()  # shared: the notebook saves each widget model once
        self.dimension_labels = dimension_labels or {}  # dimension -> the word beside its slider
        rows = self._make_sliders(self.dimension_labels)
        self._make_buttons()
        self.widget = W.VBox([self._pictures(canvas), *self._button_rows(), self._legend(), self._columns(rows)])
        self.widget.add_class("vae-latent-explorer")  # CSS hooks: big-screen styling, browser tests
        self.image.add_class("vae-latent-digit")
        self._show_original(None, "")
        self.render()

    def _make_sliders(self, names: dict[int, str]) -> list[W.HBox]:
        """One slider per dimension, and rows in KL order, each with a bar for its KL."""
        layout, style = W.Layout(width="260px"), W.SliderStyle()
        self.sliders = [W.FloatSlider(value=0.0, min=-SLIDER_RANGE, max=SLIDER_RANGE, step=0.05,
                                      description=f"z[{i}]", continuous_update=True, readout_format=".2f",
                                      layout=layout, style=style)
                        for i in range(self.model.latent_dim)]
        for s in self.sliders:
            s.observe(self._on_change, names="value")
        top, nats = max(max(self.kl), 1e-9), tr("nats")  # the bar's tooltip: KL in nats, in the language in force
        return [W.HBox([self.sliders[i], W.HTML(
            f'<div title="KL {self.kl[i]:.2f} {nats}" style="display:flex;align-items:center;gap:6px">'
            f'<div style="width:{60 * self.kl[i] / top:.0f}px;height:10px;background:#1f77b4"></div>'
            f'<span style="font-size:12px">{self.kl[i]:.1f} {names.get(i, "")}</span></div>',
            layout=self._layout)], layout=self._layout)
            for i in self.order]

    def _make_buttons(self) -> None:
        n, dim, box = len(self.images) if self.images is not None else 0, self.model.latent_dim, self._box
        self.random_button = W.Button(description=tr("random z"), icon="random", layout=box)
        self.reset_button = W.Button(description=tr("reset to 0"), icon="undo", layout=box)
        self.back_button = W.Button(description=tr("back to my digit"), icon="reply", disabled=True, layout=box)
        self.digit_index = W.BoundedIntText(value=0, min=0, max=max(n - 1, 0),
                                            description=tr("test #"), layout=W.Layout(width="170px"))
        self.encode_button = W.Button(description=tr("encode test digit"), icon="pencil",
                                      disabled=self.images is None, layout=box)
        self.digit_class = W.Dropdown(options=list(range(10)), value=3, description=tr("a random"),
                                      layout=W.Layout(width="150px"), disabled=self.labels is None)
        self.class_button = W.Button(description=tr("show it"), disabled=self.labels is None, layout=box)
        self.random_button.on_click(lambda _: self.set_z(torch.randn(dim)))
        self.reset_button.on_click(lambda _: self.set_z(torch.zeros(dim)))
        self.back_button.on_click(lambda _: self.set_z(self.start_z))
        self.encode_button.on_click(lambda _: self.encode_digit(self.digit_index.value))
        self.class_button.on_click(lambda _: self.show_digit(label=self.digit_class.value))

    def _pictures(self, canvas: bool) -> W.HBox:
        """The drawing pad, the digit you started from, the live decode and the ||z|| meter."""
        box, picture = self._box, W.Layout(width=f"{28 * self.scale}px")
        self.image = W.Image(format="png", layout=picture)
        self.original = W.Image(format="png", layout=picture)
        self.original_caption, self.meter = W.HTML(layout=box), W.HTML(layout=box)
        self.canvas = None
        drawing = [W.HTML(tr("<b>draw a digit</b>"), layout=box)]
        if canvas and drawing_module.Canvas is not None:
            self.canvas = drawing_module.Canvas(size=8 * 28)
            self.canvas.observe(self._on_strokes, names="strokes")
            clear = W.Button(description=tr("clear"), icon="eraser", layout=W.Layout(width="90px"))
            clear.on_click(lambda _: self.canvas.clear())
            drawing += [self.canvas, clear]
        else:
            drawing.append(W.HTML(drawing_module.CANVAS_ERROR or tr("drawing is off")))
        live = [W.HTML(tr("<b>live decode</b>"), layout=box), self.image, self.meter]
        return W.HBox([W.VBox(drawing, layout=box), W.VBox([self.original_caption, self.original], layout=box),
                       W.VBox(live, layout=box)], layout=box)

    def _button_rows(self) -> list[W.HBox]:
        return [W.HBox([self.digit_index, self.encode_button, self.digit_class, self.class_button], layout=self._box),
                W.HBox([self.random_button, self.reset_button, self.back_button], layout=self._box)]

    def _legend(self) -> W.HTML:
        if self.images is None:
            return W.HTML("")
        return W.HTML(tr("<small>Sliders ordered by how much the model uses each dimension "
                         "(bar: mean KL in nats over {n} test digits).</small>",
                         n=min(len(self.images), KL_IMAGES)))

    def _columns(self, rows: list[W.HBox]) -> W.HBox:
        half = (len(rows) + 1) // 2
        return W.HBox([W.VBox(rows[:half], layout=self._box), W.VBox(rows[half:], layout=self._box)],
                      layout=self._box)

    @torch.no_grad()
    def _kl_per_dimension(self) -> list[float]:
        """Mean KL of each dimension over the given images, computed once (not per move)."""
        if self.images is None:
            return [0.0] * self.model.latent_dim
        mu, logvar = self.model.encode(flatten_images(self.images[:KL_IMAGES]).to(self.device))
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
        self.original_caption.value = f"<b>{caption or tr('your digit')}</b>"

    def encode_digit(self, k: int) -> None:
        """Start from test image #k: the sliders jump to its mean code mu."""
        if self.images is None:
            raise ValueError("this explorer was built without test images")
        if not 0 <= k < len(self.images):
            raise IndexError(f"test digit #{k} does not exist: choose 0..{len(self.images) - 1}")
        caption = (tr("test #{k} (a {digit})", k=k, digit=int(self.labels[k])) if self.labels is not None
                   else tr("test #{k}", k=k))
        self._start_from(self.images[k].cpu(), caption)

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
        self._start_from(drawing_module.mnist_like(image), tr("your drawing"))

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
        # One neutral colour: inside the shell means the typical size of a prior sample, not a digit.
        where = (tr("inside the prior's shell: the typical size, not a promise of a digit")
                 if self.low <= norm <= self.high else tr("outside: few training codes live here"))
        self.meter.value = (self._scale(norm) + f'<span style="font-size:13px">‖z‖ = <b>{norm:.2f}</b> '
                            + tr("(typical {low:.1f}–{high:.1f}): {where}", low=self.low, high=self.high, where=where)
                            + "</span>")

    def _scale(self, norm: float) -> str:
        """The meter's scale, as on the classroom page: ‖z‖ from 0 to twice the shell's outer edge,
        the shell (99% of prior draws) shaded grey, a black marker at ‖z‖ (at the end when beyond)."""
        top = 2 * self.high
        low, width, marker = (100 * min(v, top) / top for v in (self.low, self.high - self.low, norm))
        return ('<div style="position:relative;width:200px;height:12px;margin:6px 0 2px;'
                'border:2px solid #4a505a;border-radius:3px;background:#fff">'
                f'<div style="position:absolute;top:0;bottom:0;left:{low:.1f}%;'
                f'width:{width:.1f}%;background:#aab0b8"></div>'
                f'<div style="position:absolute;top:-5px;bottom:-5px;left:{marker:.1f}%;width:4px;margin-left:-2px;'
                'background:#000"></div></div>')

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


