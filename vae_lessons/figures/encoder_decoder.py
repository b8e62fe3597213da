"""The figures and tables of lesson 02_encoder_decoder (notebooks/02_encoder_decoder.ipynb).

The lesson's cells keep what it teaches in view; the layout of its tables and figures and the
counting of holes live here; the 2-D maps of section 6 are counted in `encoder_decoder_maps`.
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
from .encoder_decoder_maps import Survey, map_shares, survey  # noqa: F401  (survey: the lesson calls it from here)

if TYPE_CHECKING:
    from ..widgets import LiveFigure


def trace_layers(model: torch.nn.Module, x: torch.Tensor) -> list[tuple[str, torch.Size, torch.Size]]:
    """Run `x` once through `model` with a forward hook on each layer (PyTorch calls the hook
    each time the layer runs) and return (layer name, input shape, output shape), in the order
    the layers ran. Why: the shapes of every layer, read off a real pass, for `shape_table`."""
    names = {layer: name for name, layer in model.named_children()}
    trace = []
    hooks = [layer.register_forward_hook(lambda layer, inputs, output:   # inputs is a tuple, here (x,)
                                         trace.append((names[layer], inputs[0].shape, output.shape)))
             for layer in names]
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return trace


def shape_table(trace: list[tuple[str, torch.Size, torch.Size]], batch_shape: torch.Size) -> None:
    """Print the forward hooks' record as a table: which half each layer belongs to, n_in -> n_out,
    the batch's shape after it, and what comes next. Why: the squeeze 784 -> 256 -> 20 and back."""
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
    """The test digits and their repaintings by the classic class and by the package's VAE,
    loaded with the same trained weights. Why: the same pixels twice say it is one network."""
    show_images(torch.cat([digits, by_article, by_package]), nrow=8, col_labels=col_labels,
                row_labels=[label("test digit"), label("classic class"), label("package's VAE")],
                title=label("the same trained weights in two classes"))
    plt.show()


def repaints(digits: torch.Tensor, scores: dict[str, dict], col_labels: list[str]) -> None:
    """The test digits over each model's repaintings (`repaint_scores`), a row per model. Why: it
    shows by eye what the judge's score says, and where a repainting went wrong."""
    n = len(digits)
    show_images(torch.cat([digits] + [found["repainted"][:n] for found in scores.values()]), nrow=8,
                col_labels=col_labels, row_labels=[label("test digit")] + [_model_name(name) for name in scores],
                title=label("repainted from the code (the VAE: from its centre μ)"))
    plt.show()


@torch.no_grad()
def repaint_scores(models: dict[str, torch.nn.Module], images: torch.Tensor, labels: torch.Tensor,
                   judge: torch.nn.Module) -> dict[str, dict]:
    """Per model: the test BCE per image of the repainting from the code (the VAE's centre μ:
    no random draw, as the autoencoder), the share of repaintings the judge names right, and
    the repaintings ("bce", "named", "repainted"); printed beside the real digits. Why: the race
    is fair only if both compress."""
    found = {}
    for name, model in models.items():
        codes = model.encode(images)
        codes = codes[0] if isinstance(codes, tuple) else codes   # the VAE: (μ, log σ²)
        repainted = model.decode(codes)
        bce = F.binary_cross_entropy(repainted, images, reduction="sum").item() / len(images)
        named = (judge.predict(repainted) == labels).float().mean().item()
        found[name] = {"bce": bce, "named": named, "repainted": repainted}
        print(tr("{name} test BCE per image {bce:5.1f}; the judge names {named:.1%} of its repaintings right",
                 name=table_row([_names()[name]], (17,)), bce=bce, named=named))   # padded by display width
    real = (judge.predict(images) == labels).float().mean().item()
    print(tr("(the judge names {real:.1%} of the real test digits right; painting every pixel 0.5 would "
             "score a BCE of 784 · ln 2 ≈ 543)", real=real))
    return found


def _names() -> dict[str, str]:  # the models' names in print
    return {"plain autoencoder": tr("plain autoencoder"), "VAE": tr("VAE")}


def _model_name(name: str) -> str:  # 'plain autoencoder' or 'VAE' as figure text
    return {"plain autoencoder": label("plain autoencoder"), "VAE": label("VAE")}[name]


RECIPES = ("z ~ N(0, I)", "z ~ its own codes' mean and spread", "halfway between two codes",
           "the codes themselves")


def _recipe_text() -> dict[str, str]:  # the recipes' names in print
    return dict(zip(RECIPES, (tr("z ~ N(0, I)"), tr("z ~ its own codes' mean and spread"),
                              tr("halfway between two codes"), tr("the codes themselves"))))


def _models(by: dict[tuple[str, str], object]) -> list[str]:  # the model names of (model, recipe) keys
    return list(dict.fromkeys(name for name, _ in by))


def hole_table(holes: dict[tuple[str, str], float], sure: dict[tuple[str, str], torch.Tensor]) -> None:
    """Print, for each model (a column) and each recipe for z (a row; `RECIPES`), the share of
    holes among its paintings and, in brackets, how sure the judge is of them on average. Why:
    the two models and the four recipes compared line by line."""
    widths, right, names = (36, 22, 22), (False, True, True), _models(holes)
    print(table_row([tr("where z comes from")] + [_names()[name] for name in names], widths, right))
    for recipe in RECIPES:
        print(table_row([_recipe_text()[recipe]] + [tr("{hole:4.0%} holes ({sure:.0%} sure)", hole=holes[name, recipe],
                                           sure=sure[name, recipe].mean()) for name in names], widths, right))
    n = len(next(iter(sure.values())))
    print(tr("{n:,} codes per recipe; a hole: the judge is less than 50% sure of the painting", n=n))


def hole_figure(paintings: dict[tuple[str, str], torch.Tensor], holes: dict[tuple[str, str], float],
                sure: dict[tuple[str, str], torch.Tensor]) -> None:
    """The first 8 paintings of the first three recipes for each model, a row each, labelled with
    the share of holes, a red frame on each hole. Why: the learner's prediction is checked by eye
    and by number at once."""
    rows = [(name, recipe) for name in _models(paintings) for recipe in RECIPES[:3]]
    text = {RECIPES[0]: label("z ~ N(0, I)"), RECIPES[1]: label("z ~ its codes' mean, spread"),
            RECIPES[2]: label("halfway between two codes")}
    fig, ax = plt.subplots(figsize=(0.8 * 8 + 3.0, 0.8 * len(rows) + 0.8))
    show_images(torch.cat([paintings[row][:8] for row in rows]), nrow=8, ax=ax,
                col_labels=[f"z #{k}" for k in range(1, 9)],
                row_labels=[label("{model}\n{recipe}\n{hole:.0%} holes", model=_model_name(name),
                                  recipe=text[recipe], hole=holes[name, recipe]) for name, recipe in rows],
                title=label("decode(z): the first 8 codes of three recipes; red frame: a hole"))
    for r, row in enumerate(rows):
        for c in (sure[row][:8] < 0.5).nonzero().flatten().tolist():
            ax.add_patch(Rectangle((30 * c + 1, 30 * r + 1), 29, 29, fill=False, ec="red", lw=2.5))
    fig.subplots_adjust(left=0.31, right=0.99, top=0.9, bottom=0.01)   # room for the row labels
    plt.show()


def decode_paintings(digits: torch.Tensor, repainted: torch.Tensor, new_digits: torch.Tensor,
                     col_labels: list[str], painter: Callable) -> None:
    """Two figures from the exercise's decode (`painter`: the learner's, or the package's until
    it passes) and the trained VAE's fc3 and fc4: the test digits repainted from their μ, then
    paintings from new random codes. Why: the learner's own function paints, from the codes of
    real digits and from fresh ones; the titles say whose function it was."""
    yours = painter.__name__ != "VAE.decode"
    show_images(torch.cat([digits, repainted]), nrow=8, col_labels=col_labels,
                row_labels=[label("test digit"), "decode(μ)"],
                title=label("your decode with the trained VAE's fc3 and fc4: repainting from μ") if yours
                else label("the package's VAE.decode with the trained VAE's fc3 and fc4: repainting from μ"))
    plt.show()
    show_images(new_digits, nrow=8, col_labels=[f"z #{k}" for k in range(1, 9)], row_labels=["decode(z)"],
                title=label("the same decode, from eight new random codes z ~ N(0, I)"))
    plt.show()


def code_statistics(codes: torch.Tensor, mu: torch.Tensor, z_normal: torch.Tensor,
                    drawn: torch.Tensor | None = None) -> None:
    """Print, for the autoencoder's codes, the VAE's centres μ, the VAE's drawn codes μ + σ·ε
    (`drawn`, if given) and draws of N(0, I): the range of the 20 per-dimension means and
    spreads, and the lengths |z| from 1% to 99%. Why: whether a model's codes look like N(0, I)
    is what decides if a random z lands among them."""
    rows = {tr("autoencoder's codes"): codes, tr("VAE's centres μ"): mu}
    if drawn is not None:
        rows[tr("VAE's draws μ + σ·ε")] = drawn
    rows[tr("z ~ N(0, I)")] = z_normal
    q = torch.tensor([0.01, 0.99], device=codes.device)
    print(table_row(["", tr("means of the 20 dims"), tr("spreads of the 20 dims"), tr("length |z|, 1%–99%")],
               (20, 21, 23, 20), (False, True, True, True)))
    for name, z in rows.items():
        m, s, (l1, l99) = z.mean(0), z.std(0), z.norm(dim=1).quantile(q)
        print(tr("{name} {m_lo:9.2f} to {m_hi:5.2f}  {s_lo:11.2f} to {s_hi:5.2f}  {l1:10.1f} to {l99:5.1f}",
                 name=table_row([name], (20,)), m_lo=m.min(), m_hi=m.max(),
                 s_lo=s.min(), s_hi=s.max(), l1=l1, l99=l99))


# ---------------------------------------------------------------- sections 6 and 7: the 2-D maps

MAP_POINTS = 1000   # test digits whose codes the maps draw (all 10,000 are counted)


def map_figure(s: Survey, labels: torch.Tensor, name: str) -> Figure:
    """One model's map: left, the test digits' codes coloured by digit, the grid points (a red x
    on a hole) and the circle where 86% of N(0, I) falls; right, the paintings at those points, a
    red frame on each hole. Why: where the codes lie beside what the painter paints there."""
    n = s["side"]   # grid points shown per row
    z, hole = s["z"][s["shown"]].cpu(), (s["sure"][s["shown"]] < 0.5).cpu()
    with plt.rc_context({"font.size": 14, "axes.titlesize": 15, "axes.labelsize": 14,
                         "xtick.labelsize": 12, "ytick.labelsize": 12}):
        fig, (a, b) = plt.subplots(1, 2, figsize=(14, 8.6), gridspec_kw={"width_ratios": [1, 1.15]})
        plot_latent_scatter(s["codes"], labels, ax=a, max_points=MAP_POINTS,
                            title=label("{name}: the codes of {n:,} test digits", name=_model_name(name),
                                        n=min(MAP_POINTS, len(s["codes"]))))
        a.collections[0].colorbar.remove()   # under the map, so that the map gets the column's width
        _centre_ticks(a)
        fig.colorbar(a.collections[0], ax=a, orientation="horizontal", shrink=0.9, pad=0.1,
                     ticks=range(10), label=label("digit"))
        a.plot(*z.T.numpy(), "+", color="black", ms=9, mew=1.5)   # black, unlike any digit's colour
        a.plot(*z[hole].T.numpy(), "rx", ms=10, mew=2.5)
        a.add_patch(Circle((0, 0), 2, fill=False, ls="--", ec="black", lw=1.5))
        (x0, y0), (x1, y1) = s["lo"].tolist(), s["hi"].tolist()
        dx, dy = (x1 - x0) / (2 * (n - 1)), (y1 - y0) / (2 * (n - 1))   # half a grid step
        a.set(xlim=(x0 - dx, x1 + dx), ylim=(y0 - dy, y1 + dy))
        a.set_aspect("equal")   # so that the N(0, I) circle is round
        show_images(s["paintings"][s["shown"]], nrow=n, ax=b,
                    col_labels=[f"{v:.0f}" if abs(v) >= 10 else f"{v:.1f}" for v in z[:n, 0].tolist()],
                    row_labels=[f"{v:.1f}" for v in z[::n, 1].tolist()])
        b.set_xlabel("z[0]"), b.set_ylabel("z[1]")
        b.xaxis.set_label_position("top")
        b.set_title(label("decode(z) at the black + grid points"), pad=36)
        for k in hole.nonzero().flatten().tolist():
            r, c = divmod(k, n)
            b.add_patch(Rectangle((30 * c + 1, 30 * r + 1), 29, 29, fill=False, ec="red", lw=2.5))
        fig.subplots_adjust(left=0.06, right=0.995, top=0.88, bottom=0.02, wspace=0.16)   # room above for titles
    return fig


def _centre_ticks(ax) -> None:  # digit k coloured by the k-th block of the colour bar: ticks at centres
    ax.collections[0].set_clim(-0.5, 9.5)


def _percent(share: float) -> str:  # '–' where there was nothing to count (NaN)
    return "–" if share != share else f"{share:.0%}"


def map_statistics(maps: dict[str, Survey], paintings: dict[str, torch.Tensor],
                   judge: torch.nn.Module) -> dict[str, dict[str, object]]:
    """Count, on each 2-D map, where the codes lie, what the judge sees in `paintings` (that
    painter's from z ~ N(0, I)) and where on the grid it is unsure; print it as one table, a
    column per map, and return it, per map. Why: the claims about the N(0, I) circle, islands,
    seams and holes are tested on these shares, and the two maps are compared line by line."""
    found = {name: map_shares(s, paintings[name], judge) for name, s in maps.items()}
    names = _names()
    settings = next(iter(maps.values()))["settings"]
    n = len(next(iter(paintings.values())))
    rows = [(tr("test digits' codes inside the N(0, I) circle (radius 2)"), "inside"),
            (tr("{n} paintings from z ~ N(0, I): holes", n=n), "random_holes"),
            (tr("  the share of the digit the judge names most often"), "commonest"),
            (tr("grid points on an island"), "island"),
            (tr("grid points on a seam"), "seam"),
            (tr("grid points in empty space"), "empty"),
            (tr("holes, among all the grid points"), "unsure"),
            (tr("  of all the holes: the share on a seam"), "holes_on_seam"),
            (tr("  holes among the points on an island"), "unsure_island"),
            (tr("  holes among the points on a seam"), "unsure_seam"),
            (tr("  holes among the points in empty space"), "unsure_empty"),
            (tr("empty space: how sure the judge is, on average"), "sure_empty"),
            (tr("  the share it names as the nearest code's digit"), "nearest_empty")]
    first = max(display_width(text) for text, _ in rows)
    widths = [first] + [max(display_width(names[name]), 5) for name in found]
    right = [False] + [True] * len(found)  # numbers right-aligned
    print(table_row([""] + [names[name] for name in found], widths, right))
    for text, key in rows:
        print(table_row([text] + [_percent(f[key]) for f in found.values()], widths, right))
    print(tr("a hole: the judge is under 50% sure. The grid: {m} × {m} points over the box of each map's "
             "codes (its middle 99% in each direction). Among the {near} codes nearest a point, one digit "
             "has {majority:.0%} or more on an island, none on a seam; empty space: no test digit's code "
             "within 1/20 of the box's diagonal (counted neither as island nor as seam).", **settings))
    print(tr("how many paintings from z ~ N(0, I) the judge names as each digit 0 to 9:"))
    for name, f in found.items():
        print(f"  {table_row([names[name]], (max(widths[1:]),))} {f['digits']}")
    return found


# ---------------------------------------------------------------- section 7: the picker

def _picker_draw(s: Survey, labels: torch.Tensor, decode: Callable, judge: torch.nn.Module) -> Callable:
    """draw(fig, x, y): the map with a cross at (x, y) and, beside it, the painting there; returns
    a line naming the nearest code and the judge's verdict."""
    codes, labels = s["codes"].cpu(), labels.cpu()
    shown = torch.randperm(len(codes), generator=torch.Generator().manual_seed(0))[:MAP_POINTS]
    ranges = torch.stack([codes[shown].min(dim=0).values, codes[shown].max(dim=0).values], dim=1).tolist()
    view = [(lo - (hi - lo) / 20, hi + (hi - lo) / 20) for lo, hi in ranges]   # every code drawn, and a margin
    device = s["z"].device

    def draw(fig: Figure, x: float, y: float) -> str:
        columns = fig.add_gridspec(1, 2, width_ratios=[1.7, 1])
        a = fig.add_subplot(columns[0])
        plot_latent_scatter(codes[shown], labels[shown], ax=a)
        _centre_ticks(a)
        a.collections[0].colorbar.ax.set_title(label("digit"), fontsize=10)   # upright, in any language
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
        panel.suptitle(label("{where}:\nz[0] = {x}, z[1] = {y}; {line}", where=where[0].upper() + where[1:],
                             x=x, y=y, line=line))
    return fig
