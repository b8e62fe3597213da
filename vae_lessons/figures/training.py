"""Lesson 05_training's figures, tables, the training camera and the replay widget: how results
are shown, so the lesson's cells show what it teaches. Chinese: translations/zh/05_training.json."""

from __future__ import annotations

from typing import NamedTuple, Sequence

import ipywidgets as W
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from ..i18n import tr
from ..plotting import label, show_images
from ..widgets import LiveFigure


class Photo(NamedTuple):
    """One photograph of the model during training."""
    repaint: torch.Tensor  # the ten fixed digits, repainted from their cloud centres μ
    error: float           # the repaint error: BCE per image, on the whole probe
    grey: float            # the mid-grey share: pixels between 0.25 and 0.75 in the probe's repaints
    step: int              # optimisation steps done when it was taken


class Camera:
    """The record of training: each step's (BCE, KL, images), photographs, and the clouds (μ, log σ²)
    of `digits` probe digits after each of the first `early` steps and after epoch 1."""

    def __init__(self, model: torch.nn.Module, probe: torch.Tensor, photo_steps: Sequence[int],
                 early: int = 50, digits: int = 250):
        self.probe, self.photo_steps, self.early, self.digits = probe, photo_steps, early, digits
        self.snapshots = {"step 0": photograph(model, probe, 0)}   # name -> Photo
        self.log: list[tuple[float, float, int]] = []
        self.early_clouds: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.steps_per_epoch = 0

    @torch.no_grad()
    def after_step(self, model: torch.nn.Module, step: int, bce: torch.Tensor, kl: torch.Tensor,
                   images: int) -> None:
        self.log.append((float(bce), float(kl), images))
        if step <= self.early:
            self.early_clouds.append(model.encode(self.probe[:self.digits]))
        if step in self.photo_steps:
            self.snapshots[f"step {step}"] = photograph(model, self.probe, step)

    @torch.no_grad()
    def end_epoch(self, model: torch.nn.Module, epoch: int) -> None:
        """After the lesson's epoch `epoch` (from 1): a photograph (after epoch 1, the clouds too)."""
        if epoch == 1:
            self.steps_per_epoch = len(self.log)
            self.clouds_epoch_1 = model.encode(self.probe[:self.digits])
        self.snapshots[f"epoch {epoch}"] = photograph(model, self.probe, epoch * self.steps_per_epoch)

    def train_callback(self, epoch: int, model: torch.nn.Module, history: dict) -> None:
        """For `train(callback=...)`: train counts its epochs from 1, after the lesson's epoch 1."""
        self.end_epoch(model, epoch + 1)


def reference_levels(probe: torch.Tensor, train_x: torch.Tensor) -> dict[str, float]:
    """Repaint errors to read the photographs against: grey fog, the training mean image painted for
    every digit, and the floor: a perfect repaint's BCE (not 0 on grey pixels: their entropy)."""
    def bce(paint: torch.Tensor) -> float:
        return F.binary_cross_entropy(paint.expand_as(probe), probe, reduction="sum").item() / len(probe)
    levels = {"fog": bce(torch.full_like(probe[:1], 0.5)), "mean image": bce(train_x.mean(0, keepdim=True)),
              "floor": bce(probe.clamp(1e-6, 1 - 1e-6))}
    print(tr("reference levels of the repaint error: grey fog {fog:.0f} | the training mean image, painted for "
             "every digit {mean:.0f} | a perfect repaint (the floor: these pixels are grey, not 0 or 1) {floor:.1f}",
             fog=levels["fog"], mean=levels["mean image"], floor=levels["floor"]))
    return levels


def shown(name: str, figure: bool = False) -> str:
    """A photograph's name (an English key, "step 20") as the reader sees it, in the language in
    force ("第 20 步"); figure=True for figure text (`label`)."""
    kind, n = name.split()
    if figure:
        return label("step {n}", n=n) if kind == "step" else label("epoch {n}", n=n)
    return tr("step {n}", n=n) if kind == "step" else tr("epoch {n}", n=n)


def moments(names: Sequence[str]) -> str:
    """One or two photograph names as a phrase: "step 20 and step 50"."""
    if len(names) == 2:
        return tr("{a} and {b}", a=shown(names[0]), b=shown(names[1]))
    return ", ".join(shown(n) for n in names)


def per_moment(values: dict[str, float], spec: str) -> str:
    """"step 0: 544 | step 20: 251 | …": one value per photograph, formatted with `spec`."""
    return " | ".join(tr("{name}: {value}", name=shown(n), value=format(v, spec)) for n, v in values.items())


def columns(text: str) -> int:
    """How many screen columns `text` takes in a monospaced font (a Chinese character two)."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def cols(text: str, width: int, right: bool = False) -> str:
    """Pad text to `width` screen columns, so the lesson's tables line up in both editions."""
    pad = " " * max(0, width - columns(text))
    return pad + text if right else text + pad


@torch.no_grad()
def photograph(model: torch.nn.Module, probe: torch.Tensor, step: int) -> Photo:
    """After `step` steps: the ten fixed digits' repaints, the repaint error (BCE per image) and the
    mid-grey share (0.25 to 0.75) on the whole probe, all repainted from μ (no sampling noise)."""
    repaint = model.decode(model.encode(probe)[0])
    error = F.binary_cross_entropy(repaint, probe, reduction="sum").item() / len(probe)
    grey = ((repaint > 0.25) & (repaint < 0.75)).float().mean().item()
    return Photo(repaint[:10].cpu(), error, grey, step)


def first_epoch(step_log: Sequence[tuple[float, float, int]], seconds: float,
                test_loss: float) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
    """BCE and KL per image of every step, and epoch 1's row of the history (as `train` reports its
    epochs), from the loop's log; prints how the first epoch went."""
    log = torch.tensor(step_log)
    bce, kl = log[:, 0] / log[:, 2], log[:, 1] / log[:, 2]
    n = log[:, 2].sum()
    epoch = {"train_bce": (log[:, 0].sum() / n).item(), "train_kl": (log[:, 1].sum() / n).item()}
    epoch["train_loss"] = epoch["train_bce"] + epoch["train_kl"]
    epoch["test_loss"] = test_loss
    print(tr("epoch 1: {steps} steps in {seconds:.1f} s (measured in this run); loss per image fell from "
             "{first:.0f} (step 1) to {last:.0f} (step {steps}); test loss after the epoch: {test:.1f}",
             steps=len(log), seconds=seconds, first=float(bce[0] + kl[0]), last=float(bce[-1] + kl[-1]),
             test=test_loss))
    return bce, kl, epoch


def join_epochs(epoch_1: dict[str, float], rest: dict[str, list[float]]) -> dict[str, list[float]]:
    """The whole history: epoch 1 (the lesson's loop), then `train`'s epochs (counted from 1 again)."""
    keys = ("train_loss", "train_bce", "train_kl", "test_loss")
    history = {key: [epoch_1[key]] + rest[key] for key in keys}
    history["epoch"] = list(range(1, len(history["train_loss"]) + 1))
    return history


def epoch_table(history: dict[str, list[float]], seconds: float, device: torch.device) -> None:
    """How long the later epochs took, then the history as a table, one row per epoch."""
    more, per = len(history["epoch"]) - 1, seconds / max(1, len(history["epoch"]) - 1)
    if more == 1:
        print(tr("1 more epoch: {seconds:.1f} s, {per:.1f} s per epoch on {device} (measured in this run; "
                 "it depends on the machine and on what else it is doing)\n", seconds=seconds, per=per, device=device))
    else:
        print(tr("{n} more epochs: {seconds:.1f} s, {per:.1f} s per epoch on {device} (measured in this run; "
                 "it depends on the machine and on what else it is doing)\n",
                 n=more, seconds=seconds, per=per, device=device))
    head = [(tr("epoch"), 5), (tr("train loss"), 11), ("BCE", 7), ("KL", 6), (tr("test loss"), 10)]
    print(" ".join(cols(text, width, right=True) for text, width in head))
    keys = ("epoch", "train_loss", "train_bce", "train_kl", "test_loss")
    for e, loss, bce, kl, test in zip(*(history[key] for key in keys)):
        print(f"{e:5d} {loss:11.1f} {bce:7.1f} {kl:6.1f} {test:10.1f}")
    print(tr("(train: mean over the epoch's batches; test: after the epoch; all per image)"))


def untrained(fixed: torch.Tensor, repaint: torch.Tensor, digit_names: Sequence[str]) -> None:
    """The ten test digits above the untrained model's repaints of them: grey fog."""
    show_images(torch.cat([fixed, repaint]), row_labels=[label("test digit"), label("untrained")],
                col_labels=digit_names, title=label("ten test digits, repainted by an untrained VAE"))
    plt.show()


def step_curves(bce: torch.Tensor, kl: torch.Tensor, photo_steps: Sequence[int]) -> None:
    """Epoch 1 step by step: BCE (left axis), KL (right), log step axis, photographed steps dotted."""
    fig, a = plt.subplots(figsize=(6.4, 3.2))
    steps = torch.arange(1, len(bce) + 1)
    a.plot(steps, bce, color="tab:blue")
    a.set(xscale="log", title=label("epoch 1, one point per step"), xlabel=label("optimisation step (log scale)"))
    ticks = [1] + [s for s in photo_steps if s < len(bce)] + [len(bce)]
    a.set_xticks(ticks, [str(t) for t in ticks])
    a.minorticks_off()
    a.set_ylabel(label("BCE per image"), color="tab:blue")
    a2 = a.twinx()
    a2.plot(steps, kl, color="tab:red")
    a2.set_ylabel(label("KL per image"), color="tab:red")
    for s in photo_steps:
        if s <= len(bce):
            a.axvline(s, color="gray", lw=0.8, ls=":")
    fig.tight_layout()
    plt.show()


def epoch_curves(history: dict[str, list[float]]) -> None:
    """One point per epoch: training and test loss, then the training loss's BCE and KL, apart."""
    fig, (loss, bce, kl) = plt.subplots(1, 3, figsize=(9.6, 2.9))
    epochs = history["epoch"]
    loss.plot(epochs, history["train_loss"], "o-", label=label("training loss"))
    loss.plot(epochs, history["test_loss"], "s--", label=label("test loss"))
    loss.set(title=label("loss per image (BCE + KL)"))
    loss.legend()
    bce.plot(epochs, history["train_bce"], "o-", color="tab:blue")
    kl.plot(epochs, history["train_kl"], "s-", color="tab:red")
    bce.set(title=label("BCE (repaint error)"))
    kl.set(title=label("KL"))
    for a in (loss, bce, kl):
        a.set(xlabel=label("epoch"), xticks=epochs, ylabel=label("nats per image"))
    fig.suptitle(label("left: training and test loss; middle and right: the two parts of the training loss"),
                 fontsize=11)
    fig.tight_layout()
    plt.show()


def kl_line(kl: torch.Tensor, at_50: float, history: dict[str, list[float]]) -> None:
    """The KL per image at the moments the lesson's claims compare."""
    peak = int(kl[:50].argmax()) + 1
    print(tr("KL per image: step 1: {first:.1f} | highest of the first 50 steps: {top:.1f} (step {peak}) | "
             "step 50: {at_50:.1f} | mean over epoch 1: {epoch_1:.1f} | mean over epoch {epochs}: {last:.1f}",
             first=float(kl[0]), top=float(kl[peak - 1]), peak=peak, at_50=float(at_50),
             epoch_1=history["train_kl"][0], epochs=len(history["epoch"]), last=history["train_kl"][-1]))


def kl_split_table(parts: torch.Tensor, top: int, epoch_1: torch.Tensor, final: torch.Tensor,
                   epochs: int, digits: int) -> None:
    """The KL split (shift, scatter, width, total; mean σ) at five moments: which part makes the spike."""
    rows = {shown("step 1"): parts[0], tr("step {n} (peak)", n=top + 1): parts[top],
            shown(f"step {len(parts)}"): parts[-1], tr("end of epoch {n}", n=1): epoch_1,
            tr("end of epoch {n}", n=epochs): final}
    head = [(tr("shift"), 6), (tr("scatter"), 8), (tr("width"), 6), (tr("total"), 6)]
    print(cols(tr("KL per digit ({n})", n=digits), 20) + "".join(" " + cols(t, w, right=True) for t, w in head)
          + "   " + tr("mean σ"))
    for name, (shift, scatter, width, sigma) in rows.items():
        print(f"{cols(name, 20)} {shift:6.1f} {scatter:8.1f} {width:6.1f} {shift + scatter + width:6.1f}   {sigma:6.2f}")


def snapshot_grid(fixed: torch.Tensor, snapshots: dict[str, Photo], digit_names: Sequence[str]) -> None:
    """One row per photograph, the ten test digits in columns, the repaint error in brackets."""
    rows = torch.cat([fixed.cpu()] + [photo.repaint for photo in snapshots.values()])
    row_labels = [label("test digit")] + [label("{moment} ({error:.0f})", moment=shown(n, figure=True), error=p.error)
                                          for n, p in snapshots.items()]
    show_images(rows, nrow=10, col_labels=digit_names, row_labels=row_labels,
                title=label("repaints of ten test digits as training goes (in brackets: the repaint error)"))
    plt.show()


def replay(snapshots: dict[str, Photo], fixed: torch.Tensor, digit_names: Sequence[str],
           levels: dict[str, float]) -> tuple[LiveFigure, W.VBox]:
    """The replay widget: a slider (and ▶) over the photographs; the repaint error curve (moment shown
    ringed in red, mean-image and floor levels dashed) and five repaints. Returns (LiveFigure, panel)."""
    names = list(snapshots)

    def draw(fig: Figure, moment: str) -> str:
        curve, digits = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.45]})
        photo = snapshots[moment]
        curve.plot([snapshots[n].step for n in names], [snapshots[n].error for n in names], "o-", color="tab:blue")
        curve.plot(photo.step, photo.error, "o", ms=14, mfc="none", mec="tab:red", mew=2.5)
        for y, x, text in ((levels["mean image"], 0.97, label("mean image {v:.0f}", v=levels["mean image"])),
                           (levels["floor"], 0.03, label("floor {v:.0f}", v=levels["floor"]))):  # clear of the curve
            curve.axhline(y, color="gray", lw=1, ls="--")
            curve.text(x, y, text, transform=curve.get_yaxis_transform(), ha="right" if x > 0.5 else "left",
                       va="bottom", fontsize=10, color="dimgray")
        curve.set_xscale("symlog", linthresh=10, linscale=0.5)
        curve.set_xticks([0, 10, 100, 1000], ["0", "10", "100", "1000"], minor=False)
        curve.xaxis.set_minor_locator(NullLocator())
        curve.set(xlabel=label("optimisation steps (linear to 10, then log)"), ylabel=label("repaint error"),
                  xlim=(0, 1.6 * max(p.step for p in snapshots.values())), ylim=(0, None))
        curve.set_title(label("after {steps} steps: repaint error {error:.0f}", steps=photo.step, error=photo.error))
        show_images(torch.cat([fixed[:5].cpu(), photo.repaint[:5]]), nrow=5, ax=digits,
                    row_labels=[label("test digit"), shown(moment, figure=True)], col_labels=digit_names[:5])
        return ""

    moment = W.SelectionSlider(options=[(shown(n), n) for n in names], value=names[-1], description=tr("photo"))
    play = W.Play(min=0, max=len(names) - 1, value=len(names) - 1, interval=700)
    W.jslink((play, "value"), (moment, "index"))
    live = LiveFigure(draw, {"moment": moment}, figsize=(8.4, 3.0))
    return live, W.VBox([play, live.widget])


@torch.no_grad()
def per_image_loss(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Every image's loss (BCE + KL, z sampled), on the CPU: `training.evaluate` is their mean."""
    model.eval()
    losses = []
    for xb in x.split(batch_size):
        recon, mu, logvar = model(xb)
        bce = -(xb * recon.log().clamp_min(-100) + (1 - xb) * (-recon).log1p().clamp_min(-100)).sum(1)
        losses.append((bce - 0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).cpu())
    return torch.cat(losses)


def bootstrap_gap(on_train: torch.Tensor, on_test: torch.Tensor, draws: int = 200) -> torch.Tensor:
    """Train-minus-test mean loss over `draws` resamplings of both sets (with replacement, seed 0)."""
    g = torch.Generator().manual_seed(0)
    pick = lambda x: x[torch.randint(len(x), (len(x),), generator=g)].mean()  # noqa: E731
    return torch.stack([pick(on_train) - pick(on_test) for _ in range(draws)])


def gap_table(during: float, on_train: float, table_test: float, on_test: float,
              rescored: torch.Tensor, images_chance: torch.Tensor, history: dict[str, list[float]]) -> None:
    """The last epoch's train-test gap as the exact sum of three differences (timing, images, test
    set re-scored); how far chance moves the numbers (ε, resampled sets); what the images part says.
    The losses are rounded to 2 decimals first, so the printed parts add up to the printed gap."""
    during, on_train, table_test, on_test = (round(v, 2) for v in (during, on_train, table_test, on_test))
    rows = [(tr("last epoch, mean over its batches (the table's 'train loss'):"), during),
            (tr("final model on the training images:"), on_train),
            (tr("final model on the test images (the table's 'test loss'):"), table_test),
            (tr("final model on the test images, scored again (new ε):"), on_test)]
    width = max(columns(text) for text, _ in rows) + 1
    print("\n".join(f"{cols(text, width)}{value:7.2f}" for text, value in rows) + "\n")
    print(tr("gap in the table, epoch {epochs}: {during:.2f} − {test:.2f} = {gap:+.2f}, the sum of",
             epochs=len(history["epoch"]), during=during, test=table_test, gap=round(during - table_test, 2)))
    parts = [(during - on_train, tr("timing: the epoch's batches vs the final model, on the same training images")),
             (on_train - on_test, tr("images: training images vs test images, same model, same scoring "
                                     "(this part also holds chance)")),
             (on_test - table_test, tr("re-scoring: the test set scored twice by the same model (chance from ε)"))]
    for value, text in parts:
        print(f"  {round(value, 2):+.2f}  {text}")
    print(tr("gap in the table, epoch 1: {gap:+.1f}", gap=history["train_loss"][0] - history["test_loss"][0]) + "\n")
    easier, spread = on_train - on_test, images_chance.std().item()
    chance = [(tr("the test loss, scored {n} more times (new ε each time):", n=len(rescored)),
               f"{rescored.mean().item():7.2f} ± {rescored.std().item():.2f}"),
              (tr("training minus test images, {n} resamplings of both sets:", n=len(images_chance)),
               f"{easier:+7.2f} ± {spread:.2f}")]
    width = max(columns(text) for text, _ in chance) + 1
    print(tr("how far chance moves these numbers (mean ± standard deviation):"))
    print("\n".join(f"  {cols(text, width)}{value}" for text, value in chance))
    print(tr("Same model, training images vs test images: {verdict}", verdict=gap_verdict(easier, spread)))


def gap_verdict(easier: float, spread: float) -> str:
    """What the images part says: real only beyond 3 standard deviations of resampling."""
    sds = abs(easier) / max(spread, 1e-9)
    if sds > 3:
        if easier > 0:
            return tr("the test images have a loss {v:.2f} lower, {sds:.1f} standard deviations of chance "
                      "(more than 3): they are a little easier for this model.", v=easier, sds=sds)
        return tr("the training images have a loss {v:.2f} lower, {sds:.1f} standard deviations of chance "
                  "(more than 3): the model knows them a little better (a first sign of overfitting).",
                  v=-easier, sds=sds)
    lower = tr("the test images") if easier > 0 else tr("the training images")
    return tr("{lower} have a loss {v:.2f} lower, only {sds:.1f} standard deviations of chance (we ask for more "
              "than 3): a margin this small does not show that either set is easier. The model scores the "
              "images it was trained on no better than new ones: no measurable overfitting.",
              lower=lower, v=abs(easier), sds=sds)


def honest_table(meta: dict, theirs: float, epochs: int, yours_stored: float, yours_now: float) -> None:
    """Your model next to the bundled one: epochs, test loss stored and re-measured, settings."""
    print(cols(tr("model"), 24) + " " + cols(tr("epochs"), 6, True) + " "
          + cols(tr("test loss (stored)"), 19, True) + " " + cols(tr("(measured now)"), 15, True))
    print(f"{cols(tr('yours (this lesson)'), 24)} {epochs:6d} {yours_stored:19.1f} {yours_now:15.1f}")
    print(f"{cols(tr('bundled {name}', name='mnist-vae-20'), 24)} {meta['epochs']:6d} {meta['test_loss']:19.1f} {theirs:15.1f}")
    schedule = meta.get("lr_schedule", "constant")
    how = tr(": it falls towards 0 along half a cosine over the epochs") if schedule == "cosine" else ""
    print(tr("bundled model's settings: learning rate {lr:g} ({schedule}{how}), batches of {batch}, beta {beta:g}; "
             "yours: 0.001 (constant), 128, 1", lr=meta["lr"], schedule=tr("cosine") if schedule == "cosine" else tr("constant"), how=how,
             batch=meta["batch_size"], beta=meta["beta"]))


def yours_and_bundled(fixed: torch.Tensor, yours: torch.Tensor, bundled: torch.Tensor,
                      digit_names: Sequence[str], epochs: int, bundled_epochs: int) -> None:
    """The ten test digits, repainted from μ by your model and by the bundled one."""
    show_images(torch.cat([fixed, yours, bundled]), col_labels=digit_names,
                row_labels=[label("test digit"), label("yours ({epochs} ep.)", epochs=epochs),
                            label("bundled ({epochs} ep.)", epochs=bundled_epochs)],
                title=label("repainted from μ: yours and the bundled model"))
    plt.show()
