"""The figures and tables of lesson 02_encoder_decoder (notebooks/02_encoder_decoder.ipynb).

The lesson's cells keep what it teaches in view; the layout of its tables and figures, the
nearest-code distances and the bookkeeping of its 2-D maps live here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle

from ..i18n import display_width, table_row, tr
from ..plotting import label, plot_latent_scatter, show_images

if TYPE_CHECKING:
    from ..widgets import LiveFigure

Survey = dict[str, torch.Tensor]  # what `survey` finds on one 2-D map


def shape_table(trace: list[tuple[str, torch.Size, torch.Size]], batch_shape: torch.Size) -> None:
    """Print the forward hooks' record as a table: which half each layer belongs to, n_in -> n_out,
    the batch's shape after it, and what comes next. Why: the squeeze 784 -> 256 -> 20 and the
    unpacking back are read straight off the shapes."""
    then = {"fc1": "ReLU", "fc2_mean": tr("= μ, the centre"), "fc2_logvar": tr("= log σ², the spread"),
            "fc3": "ReLU", "fc4": tr("sigmoid: pixels in (0, 1)")}
    widths = (8, 11, 12, 13)
    print(table_row([tr("part"), tr("layer"), tr("maps"), tr("output shape"), tr("then")], widths))
    print(table_row([tr("input"), "x", "", str(tuple(batch_shape)), tr("eight test digits")], widths))
    for name, shape_in, shape_out in trace:
        if name == "fc3":  # what fc3 receives is the sampled code z
            print(table_row([tr("sample"), "z = μ + σ·ε", "", str(tuple(shape_in)), tr("the capsule")], widths))
        part = tr("encoder") if name.startswith(("fc1", "fc2")) else tr("decoder")
        maps = f"{shape_in[1]} -> {shape_out[1]}"
        print(table_row([part, name, maps, str(tuple(shape_out)), then[name]], widths))


def parameter_table(model: torch.nn.Module, counts: dict[str, int]) -> None:
    """Print each layer's weight shape, biases and parameter count, with its share of the total.
    Why: it shows where a network's size sits (here: at the two layers that touch the pixels)."""
    total = sum(counts.values())
    widths, right = (11, 10, 5, 11), (False, True, True, True)
    print(table_row([tr("layer"), tr("weight"), tr("bias"), tr("parameters")], widths, right))
    for name, layer in model.named_children():
        n = counts[name]
        print(f"{name:11s} {str(tuple(layer.weight.shape)):>10s} {layer.bias.numel():5d} {n:11,d}  ({n / total:5.1%})")
    print(table_row([tr("total"), "", "", f"{total:11,d}"], widths, right))


def same_weights(digits: torch.Tensor, by_article: torch.Tensor, by_package: torch.Tensor,
                 col_labels: list[str]) -> None:
    """The test digits and their repaintings by the article's class and by the package's VAE,
    loaded with the same trained weights. Why: the same pixels twice say it is one network."""
    show_images(torch.cat([digits, by_article, by_package]), nrow=8, col_labels=col_labels,
                row_labels=[label("test digit"), label("article's class"), label("package's VAE")],
                title=label("the same trained weights in two classes"))
    plt.show()


def autoencoder_repaints(digits: torch.Tensor, repainted: torch.Tensor, col_labels: list[str]) -> None:
    """The test digits over the plain autoencoder's repaintings. Why: it shows by eye what the
    judge's score says, that as a compressor the autoencoder works."""
    show_images(torch.cat([digits, repainted]), nrow=8, col_labels=col_labels,
                row_labels=[label("test digit"), label("repainted")],
                title=label("the plain autoencoder (20 numbers)"))
    plt.show()


def decode_paintings(digits: torch.Tensor, repainted: torch.Tensor, new_digits: torch.Tensor,
                     col_labels: list[str]) -> None:
    """Two figures from the exercise's decode and the trained VAE's fc3 and fc4: the test digits
    repainted from their μ, then paintings from new random codes. Why: the learner's own function
    paints, from the codes of real digits and from fresh ones."""
    show_images(torch.cat([digits, repainted]), nrow=8, col_labels=col_labels,
                row_labels=[label("test digit"), "decode(μ)"],
                title=label("decode with the trained VAE's fc3 and fc4: repainting from μ"))
    plt.show()
    show_images(new_digits, nrow=8, col_labels=[f"z #{k}" for k in range(1, 9)], row_labels=["decode(z)"],
                title=label("... and painting from new random codes z ~ N(0, I)"))
    plt.show()


def _recipe_names(name: str) -> tuple[str, str]:
    """A recipe's name on the figure (two lines) and in print (one line)."""
    return {"autoencoder, z ~ N(0, I)":
                (label("autoencoder,\nz ~ N(0, I)"), tr("autoencoder, z ~ N(0, I)")),
            "autoencoder, z with its codes' mean, spread":
                (label("autoencoder, z with\nits codes' mean, spread"), tr("autoencoder, z with its codes' mean, spread")),
            "VAE, z ~ N(0, I)": (label("VAE,\nz ~ N(0, I)"), tr("VAE, z ~ N(0, I)"))}[name]


def judge_on_recipes(recipes: dict[str, torch.Tensor], sure: dict[str, float], sure_real: float) -> None:
    """The first 8 paintings of each recipe, a row each, labelled with how sure the judge is of
    them on average; then the same numbers in print, beside real digits. Why: the learner's
    prediction is checked by eye and by number at once."""
    fig, ax = plt.subplots(figsize=(0.75 * 8 + 2.0, 0.75 * 3 + 0.75))   # room for the row labels
    show_images(torch.cat([images[:8] for images in recipes.values()]), nrow=8, ax=ax,
                col_labels=[f"z #{k}" for k in range(1, 9)],
                row_labels=[label("{name}\n(judge {s:.0%} sure)", name=_recipe_names(name)[0], s=s)
                            for name, s in sure.items()],
                title=label("decode(z) for random z: the first 8 of 200 per recipe"))
    fig.tight_layout(pad=0.2)
    plt.show()
    for name, s in sure.items():
        print(tr("{name:45s} the judge is {s:.0%} sure on average", name=_recipe_names(name)[1], s=s))
    print(tr("{name:45s} the judge is {s:.0%} sure on average",
             name=tr("real test digits, for comparison"), s=sure_real))


def code_statistics(codes: torch.Tensor, mu: torch.Tensor, z_normal: torch.Tensor) -> None:
    """Print, for the autoencoder's codes, the VAE's centres μ and draws of N(0, I): the range of
    the 20 per-dimension means and spreads, and the lengths |z| from 1% to 99%. Why: whether a
    model's codes look like N(0, I) is what decides if a random z lands among them."""
    rows = {tr("autoencoder's codes"): codes, tr("VAE's centres μ"): mu, tr("z ~ N(0, I)"): z_normal}
    q = torch.tensor([0.01, 0.99], device=codes.device)
    print(table_row(["", tr("means of the 20 dims"), tr("spreads of the 20 dims"), tr("length |z|, 1%–99%")],
               (20, 21, 23, 20), (False, True, True, True)))
    for name, z in rows.items():
        m, s, (l1, l99) = z.mean(0), z.std(0), z.norm(dim=1).quantile(q)
        print(tr("{name} {m_lo:9.2f} to {m_hi:5.2f}  {s_lo:11.2f} to {s_hi:5.2f}  {l1:10.1f} to {l99:5.1f}",
                 name=table_row([name], (20,)), m_lo=m.min(), m_hi=m.max(),
                 s_lo=s.min(), s_hi=s.max(), l1=l1, l99=l99))


def nearest(points: torch.Tensor, codes: torch.Tensor, exclude_self: bool = False) -> torch.Tensor:
    """Distance from each point to its nearest code (the second nearest when it is one of the codes)."""
    d = torch.cdist(points, codes)
    return (d.kthvalue(2, dim=1) if exclude_self else d.min(dim=1)).values


def nearest_code_distances(codes: dict[str, torch.Tensor], z_random: torch.Tensor) -> dict[str, tuple[float, float]]:
    """Per model ("autoencoder", "VAE"): the median distance from a real code (the first 1,000)
    to its nearest other code, and from a random z to its nearest code; printed and returned.
    Why: 'far' means something only against how far apart the codes themselves are."""
    names = {"autoencoder": tr("autoencoder"), "VAE": tr("VAE")}
    apart = {}
    for name, c in codes.items():
        real = nearest(c[:1000], c, exclude_self=True).median().item()
        rand = nearest(z_random, c).median().item()
        apart[name] = (real, rand)
        print(tr("{name:12s} a real code's nearest other code: {real:4.1f} away; a random z's nearest "
                 "code: {rand:4.1f} away ({ratio:.1f} ×) (medians)",
                 name=names[name], real=real, rand=rand, ratio=rand / real))
    return apart


# ---------------------------------------------------------------- section 6: the 2-D maps

@torch.no_grad()
def survey(model: torch.nn.Module, judge: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
           m: int = 29, show: int = 4, near: int = 20, seam: float = 0.7) -> Survey:
    """Encode `images` with a model of 2-number codes (a VAE's code is its centre μ), lay an
    m x m grid over the box of the codes (their middle 99% in each direction),
    decode it and let the judge name each painting; mark the points far from every code (over
    1/20 of the box's diagonal) and the seams (among the `near` codes nearest a point, no digit
    has a share of `seam` or more). Why: the map's islands, seams and holes become numbers.
    `shown` picks every `show`-th point of the grid, row by row, for the figure."""
    codes = model.encode(images)
    codes = codes[0] if isinstance(codes, tuple) else codes     # the VAE: (μ, log σ²)
    lo, hi = codes.quantile(0.005, dim=0), codes.quantile(0.995, dim=0)
    t = torch.linspace(0, 1, m, device=codes.device)
    col, row = torch.meshgrid(t, t.flip(0), indexing="xy")     # row by row, top row first
    z = lo + (hi - lo) * torch.stack([col.reshape(-1), row.reshape(-1)], dim=1)
    paintings = model.decode(z)
    probs = torch.softmax(judge(paintings), dim=1)
    distance = torch.cdist(z, codes)                            # from every grid point to every code
    nearest = distance.topk(near, dim=1, largest=False).indices  # the `near` nearest codes
    votes = F.one_hot(labels[nearest], 10).sum(dim=1)           # their digits, counted
    keep = [r * m + c for r in range(0, m, show) for c in range(0, m, show)]
    return {"codes": codes, "lo": lo, "hi": hi, "z": z, "paintings": paintings,
            "sure": probs.max(dim=1).values, "named": probs.argmax(dim=1),
            "empty": distance.min(dim=1).values > (hi - lo).norm() / 20,
            "seam": votes.max(dim=1).values < seam * near, "nearest_digit": labels[nearest[:, 0]],
            "shown": keep, "side": len(range(0, m, show)), "settings": {"m": m, "near": near, "majority": seam}}


MAP_POINTS = 1000   # test digits whose codes the maps draw (all 10,000 are counted)


def _model_name(name: str) -> str:
    """'plain autoencoder' or 'VAE' as figure text."""
    return {"plain autoencoder": label("plain autoencoder"), "VAE": label("VAE")}[name]


def maps_figure(maps: dict[str, Survey], labels: torch.Tensor) -> Figure:
    """One row per model: left, the codes of the test digits coloured by digit, the grid points
    (grey; a red x where the judge is under 50% sure) and the circle where 86% of N(0, I) falls;
    right, what the painter paints at those grid points, a red frame where the judge is unsure.
    Why: islands, seams and empty space side by side with what the painter paints there."""
    fig, axes = plt.subplots(2, 2, figsize=(11.8, 15.2), gridspec_kw={"width_ratios": [1, 1.6]})
    for (name, s), (a, b) in zip(maps.items(), axes):
        n = s["side"]   # grid points shown per row
        z, unsure = s["z"][s["shown"]].cpu(), (s["sure"][s["shown"]] < 0.5).cpu()
        plot_latent_scatter(s["codes"], labels, ax=a, max_points=MAP_POINTS,
                            title=label("{name}:\ncodes of {n:,} test digits", name=_model_name(name),
                                        n=min(MAP_POINTS, len(s["codes"]))))
        a.collections[0].colorbar.remove()   # under the map, so that the map gets the column's width
        fig.colorbar(a.collections[0], ax=a, orientation="horizontal", shrink=0.9, pad=0.08,
                     ticks=range(10), label=label("digit"))
        a.plot(*z.T.numpy(), ".", color="0.35", ms=6)
        a.plot(*z[unsure].T.numpy(), "rx", ms=8, mew=2)
        a.add_patch(Circle((0, 0), 2, fill=False, ls="--", ec="black", lw=1.5))
        (x0, y0), (x1, y1) = s["lo"].tolist(), s["hi"].tolist()
        dx, dy = (x1 - x0) / (2 * (n - 1)), (y1 - y0) / (2 * (n - 1))   # half a grid step
        a.set(xlim=(x0 - dx, x1 + dx), ylim=(y0 - dy, y1 + dy))
        a.set_aspect("equal")   # so that the N(0, I) circle is round
        show_images(s["paintings"][s["shown"]], nrow=n, ax=b,
                    col_labels=[f"{v:.1f}" for v in z[:n, 0].tolist()],
                    row_labels=[f"{v:.1f}" for v in z[::n, 1].tolist()])
        b.set_xlabel("z[0]"), b.set_ylabel("z[1]")
        b.xaxis.set_label_position("top")
        b.set_title(label("{name}: decode(z) at the grid points", name=_model_name(name)), pad=34)
        for k in unsure.nonzero().flatten().tolist():
            r, c = divmod(k, n)
            b.add_patch(Rectangle((30 * c + 1, 30 * r + 1), 29, 29, fill=False, ec="red", lw=2))
    fig.tight_layout()
    return fig


@torch.no_grad()
def _map_shares(s: Survey, paintings: torch.Tensor, judge: torch.nn.Module) -> dict[str, object]:
    """What `map_statistics` counts on one map (see there)."""
    probs = torch.softmax(judge(paintings), dim=1)
    unsure, empty = s["sure"] < 0.5, s["empty"]
    seam, island = s["seam"] & ~empty, ~s["seam"] & ~empty

    def share(where: torch.Tensor) -> float:
        return where.float().mean().item() if where.any() else float("nan")

    f = {"inside": (s["codes"].norm(dim=1) < 2).float().mean().item(),
         "random_sure": probs.max(dim=1).values.mean().item(),
         "digits": torch.bincount(probs.argmax(dim=1), minlength=10).tolist(),
         "empty": share(empty), "seam": share(seam), "unsure": share(unsure),
         "unsure_empty": share(unsure[empty]), "unsure_occupied": share(unsure[~empty]),
         "unsure_seam": share(unsure[seam]), "unsure_island": share(unsure[island]),
         "sure_empty": s["sure"][empty].mean().item() if empty.any() else float("nan"),
         "nearest_empty": share((s["named"] == s["nearest_digit"])[empty])}
    f["kinds"] = sum(n > 0 for n in f["digits"])              # digits seen at least once
    f["commonest"] = max(f["digits"]) / len(paintings)        # the share of the commonest one
    return f


def _percent(share: float) -> str:  # '–' where there was nothing to count (NaN)
    return "–" if share != share else f"{share:.0%}"


def map_statistics(maps: dict[str, Survey], paintings: dict[str, torch.Tensor],
                   judge: torch.nn.Module) -> dict[str, dict[str, object]]:
    """Count, on each 2-D map, where the codes lie, what the judge sees in `paintings` (that
    painter's from z ~ N(0, I)) and where on the grid it is unsure; print it as one table, a
    column per map, and return it, per map. Why: the claims about the N(0, I) circle, islands,
    seams and holes are tested on these shares, and the two maps are compared line by line."""
    found = {name: _map_shares(s, paintings[name], judge) for name, s in maps.items()}
    names = {"plain autoencoder": tr("plain autoencoder"), "VAE": tr("VAE")}
    settings = next(iter(maps.values()))["settings"]
    n = len(next(iter(paintings.values())))
    rows = [(tr("test digits' codes inside the N(0, I) circle (radius 2)"), "inside"),
            (tr("{n} paintings from z ~ N(0, I): how sure the judge is, on average", n=n), "random_sure"),
            (tr("  the share of the digit it names most often"), "commonest"),
            (tr("grid points far from every code (1)"), "empty"),
            (tr("grid points on a seam (2)"), "seam"),
            (tr("the judge is less than 50% sure of the painting:"), None),
            (tr("  at all the grid points"), "unsure"),
            (tr("  at the points on a seam"), "unsure_seam"),
            (tr("  at the points inside an island"), "unsure_island"),
            (tr("  at the points far from every code"), "unsure_empty"),
            (tr("  at all the points among the codes (seam or island)"), "unsure_occupied"),
            (tr("far from every code: how sure the judge is, on average"), "sure_empty"),
            (tr("  the share where it names the nearest code's digit"), "nearest_empty")]
    first = max(display_width(text) for text, _ in rows)
    widths = [first] + [max(display_width(names[name]), 5) for name in found]
    right = [False] + [True] * len(found)  # numbers right-aligned
    print(table_row([""] + [names[name] for name in found], widths, right))
    for text, key in rows:
        print(table_row([text] + [_percent(f[key]) if key else "" for f in found.values()], widths, right))
    print(tr("how many paintings from z ~ N(0, I) the judge names as each digit 0 to 9:"))
    for name, f in found.items():
        print(f"  {table_row([names[name]], (max(widths[1:]),))} {f['digits']}")
    print(tr("the grid: {m} × {m} points over the box of each map's codes (its middle 99% in each direction)\n"
             "(1) no test digit's code within 1/20 of the box's diagonal\n"
             "(2) among the {near} codes nearest the point, no digit has {majority:.0%} or more", **settings))
    return found


# ---------------------------------------------------------------- section 7: the picker

def _picker_draw(s: Survey, labels: torch.Tensor, decode: Callable, judge: torch.nn.Module) -> Callable:
    """draw(fig, x, y): the map with a cross at (x, y) and, beside it, the painting there; returns
    a line naming the nearest code and the judge's verdict."""
    codes, labels = s["codes"].cpu(), labels.cpu()
    shown = torch.randperm(len(codes), generator=torch.Generator().manual_seed(0))[:MAP_POINTS]
    ranges = torch.stack([s["lo"], s["hi"]], dim=1).tolist()   # the box of the grid
    view = [(lo - (hi - lo) / 20, hi + (hi - lo) / 20) for lo, hi in ranges]
    device = s["z"].device

    def draw(fig: Figure, x: float, y: float) -> str:
        columns = fig.add_gridspec(1, 2, width_ratios=[1.7, 1])
        a = fig.add_subplot(columns[0])
        plot_latent_scatter(codes[shown], labels[shown], ax=a)
        a.collections[0].colorbar.set_label(label("digit"))
        a.plot([x], [y], "kx", ms=12, mew=3)
        a.set(xlim=view[0], ylim=view[1])
        b = fig.add_subplot(columns[1])
        with torch.no_grad():
            painting = decode(torch.tensor([[x, y]], dtype=torch.float32, device=device))
            p = torch.softmax(judge(painting), dim=1)[0]
        b.imshow(painting.reshape(28, 28).cpu().numpy(), cmap="gray", vmin=0, vmax=1)
        b.set_axis_off()
        b.set_title(f"decode({x:.1f}, {y:.1f})")
        d = (codes - torch.tensor([x, y])).norm(dim=1)
        k = d.argmin()
        return label("nearest code: {dist:.2f} away, a {digit}; the judge: {named}, {sure:.0%} sure",
                     dist=d[k], digit=labels[k].item(), named=p.argmax().item(), sure=p.max())
    return draw


def map_picker(s: Survey, labels: torch.Tensor, decode: Callable, judge: torch.nn.Module) -> LiveFigure:
    """Two sliders move a cross over the map (the box of the grid); the painting at the cross and
    the judge's verdict follow. It starts at the grid point the judge is least sure of. Why: the
    learner finds for themselves where the painting stops being a digit."""
    import ipywidgets as W

    from ..widgets import LiveFigure

    start = s["z"][s["sure"].argmin()].tolist()
    ranges = torch.stack([s["lo"], s["hi"]], dim=1).tolist()
    controls = {name: W.FloatSlider(value=v, min=r[0], max=r[1], step=(r[1] - r[0]) / 200,
                                    description=text, readout_format=".1f")
                for name, text, v, r in zip("xy", ("z[0]", "z[1]"), start, ranges)}
    return LiveFigure(_picker_draw(s, labels, decode, judge), controls, figsize=(7, 3.2))


def picker_snapshots(s: Survey, labels: torch.Tensor, decode: Callable, judge: torch.nn.Module) -> Figure:
    """The picker's view at three grid points, each titled: where the judge is surest and least
    sure among the codes, and the point farthest from every code. Why: readers where widgets do
    not run (GitHub, nbviewer) still see what the widget shows."""
    occupied = (~s["empty"]).nonzero().flatten()
    points = {label("the grid point the judge is surest of, among codes"): occupied[s["sure"][occupied].argmax()],
              label("the one it is least sure of, among codes"): occupied[s["sure"][occupied].argmin()],
              label("the grid point farthest from every code"):
                  torch.cdist(s["z"], s["codes"]).min(dim=1).values.argmax()}
    draw = _picker_draw(s, labels, decode, judge)
    fig = plt.figure(figsize=(7, 3 * 3.6), layout="constrained")
    for panel, (where, k) in zip(fig.subfigures(3, 1), points.items()):
        x, y = (round(v, 1) for v in s["z"][k].tolist())
        line = draw(panel, x, y)
        panel.suptitle(label("{where}:\nx = {x}, y = {y}; {line}", where=where[0].upper() + where[1:],
                             x=x, y=y, line=line))
    return fig
