"""Your own digit, as MNIST would have it: a drawing canvas and the preprocessing behind it.

Why preprocessing matters: the encoder has only ever seen MNIST digits, which are fitted into a
20x20 box, centred by their centre of mass in 28x28, with strokes about 2-3 pixels wide. A digit
drawn big, off-centre or with a thin pen is far from anything it knows, and its 20 numbers
would say more about the pen than about the digit.

`Canvas` is a small anywidget (a custom widget whose front end is the ES module canvas.js): in
"draw" mode it sends the strokes drawn with mouse, touch or pen; in "pad" mode it sends the
point dragged over a backdrop picture (the 2-D latent plane). Where anywidget is missing,
`CANVAS_ERROR` says why and the lessons show that line instead.
"""

from __future__ import annotations

from pathlib import Path

import PIL.Image
import PIL.ImageDraw
import torch
import torch.nn.functional as F

try:
    import anywidget
    import traitlets
    CANVAS_ERROR = None
except ImportError as e:  # the rest of the lab works without it
    anywidget = traitlets = None
    CANVAS_ERROR = f"drawing needs the anywidget package ({e}); run: pip install anywidget"

BOX, SIZE = 20, 28          # MNIST: the digit fits a 20x20 box inside a 28x28 image
STROKE = 0.12               # stroke width as a fraction of the digit's longer side (~2.4 px in 20)
SUPERSAMPLE = 8             # strokes are drawn 8x finer, then averaged down (anti-aliasing)


def mnist_like(image) -> torch.Tensor:
    """Any grey image of a digit (H, W >= 28, values in [0, 1], ink bright) -> (784,) as MNIST
    prepares its digits: crop to the ink, fit the longer side into 20 pixels (area averaging,
    so thin lines become grey, not jagged), place in 28x28, shift the centre of mass to the
    middle. A blank image gives zeros."""
    x = torch.as_tensor(image, dtype=torch.float32).squeeze()
    if x.dim() != 2 or min(x.shape) < SIZE:
        raise ValueError(f"expected one grey image of at least 28x28 pixels, got shape {tuple(x.shape)}")
    if x.max() <= 0:
        return torch.zeros(SIZE * SIZE)
    rows, cols = torch.nonzero(x > 0.05 * x.max(), as_tuple=True)
    x = x[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    h, w = x.shape
    side = max(h, w)
    square = torch.zeros(side, side)                      # pad to a square, digit centred
    square[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = x
    small = F.interpolate(square[None, None], size=(BOX, BOX), mode="area" if side >= BOX else "bilinear")[0, 0]
    out = torch.zeros(SIZE, SIZE)
    out[4:4 + BOX, 4:4 + BOX] = small
    out = out / out.max()
    ys, xs = torch.meshgrid(torch.arange(SIZE, dtype=torch.float32), torch.arange(SIZE, dtype=torch.float32), indexing="ij")
    mass = out.sum()
    dy, dx = round(13.5 - (ys * out).sum().item() / mass.item()), round(13.5 - (xs * out).sum().item() / mass.item())
    out = torch.roll(out, shifts=(dy, dx), dims=(0, 1))   # the margin is empty, nothing wraps round
    return out.reshape(-1).clamp(0, 1)


def render_strokes(strokes: list[list[list[float]]]) -> torch.Tensor:
    """Strokes (lists of [x, y] points in [0, 1] canvas coordinates) -> a grey image of the digit
    at a stroke width in MNIST's range, whatever size it was drawn at, ready for `mnist_like`."""
    points = [p for s in strokes for p in s]
    if not points:
        return torch.zeros(SIZE, SIZE)
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    extent = max(max(xs) - min(xs), max(ys) - min(ys), 1e-3)
    res = BOX * SUPERSAMPLE
    scale = (res - 1) / extent / (1 + STROKE)            # the digit's longer side spans the box
    pad = res * STROKE                                    # room for the pen on every side
    canvas = PIL.Image.new("L", (int(res * (1 + 2 * STROKE)) + 2, int(res * (1 + 2 * STROKE)) + 2), 0)
    pen = PIL.ImageDraw.Draw(canvas)
    width = STROKE * res
    for stroke in strokes:
        pts = [((x - min(xs)) * scale + pad, (y - min(ys)) * scale + pad) for x, y in stroke]
        if len(pts) > 1:
            pen.line(pts, fill=255, width=round(width), joint="curve")
        for px, py in pts:                                # round caps and single dots
            pen.ellipse([px - width / 2, py - width / 2, px + width / 2, py + width / 2], fill=255)
    pixels = torch.frombuffer(bytearray(canvas.tobytes()), dtype=torch.uint8)
    return pixels.reshape(canvas.height, canvas.width).float() / 255



if anywidget is not None:
    class Canvas(anywidget.AnyWidget):
        """mode "draw": `.strokes` is what was drawn; mode "pad": `.point` is where the marker is,
        both in [0, 1] canvas coordinates (x to the right, y down)."""

        _esm = Path(__file__).with_name("canvas.js")  # anywidget reads the ES module from the file
        mode = traitlets.Unicode("draw").tag(sync=True)
        size = traitlets.Int(196).tag(sync=True)
        strokes = traitlets.List([]).tag(sync=True)
        point = traitlets.List([0.5, 0.5]).tag(sync=True)
        backdrop = traitlets.Unicode("").tag(sync=True)   # a data: URL (PNG)

        def clear(self) -> None:
            self.strokes = []
else:
    Canvas = None
