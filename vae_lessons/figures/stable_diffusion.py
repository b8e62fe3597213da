"""The figures and tables of lesson 07_stable_diffusion (notebooks/07_stable_diffusion.ipynb).

The lesson's cells keep what they teach (the noising formula, the denoiser's forward pass, the
loss, the sampler, the guidance sweep) and call these for the layout: heatmaps of latents, the
noise schedule, the training curve, the judge's tables, the guidance curves, the playground's
static picture, the cost table. Text goes through `label` (figures) and `tr` (printing); its
Chinese is in the lesson's catalog. The measurements with no text of their own are in
figures/diffusion_measures.py (re-exported here).
"""

from __future__ import annotations

import io
import statistics
from typing import Sequence

import matplotlib.pyplot as plt
import PIL.Image
import torch
from torch import nn

from .. import diffusion
from ..i18n import tr
from ..plotting import label, show_images
from .diffusion_measures import (print_table, _strip_axes, _walk_length, confidence, fade_brightness,  # noqa: F401
                                 noised_pixels, repainting_diversity, sd_alphas_bar, vae_cost, widget_message)

LATENT_LIMIT = 3.0  # heatmap colour range of scaled latents: +-3 standard deviations


def capsule_channels(vae: nn.Module, digit: torch.Tensor, kl: torch.Tensor) -> None:
    """One test digit, the 4 channel maps of its capsule mu, and the KL each channel carries
    on average: a switched-off channel would show as a flat map and a bar near 0."""
    with torch.no_grad():
        mu = vae.encode(digit.reshape(1, 784))[0][0].cpu()
    lim = mu.abs().max().item()
    fig, axes = plt.subplots(1, 6, figsize=(10.8, 2.1), gridspec_kw={"width_ratios": [1, 1, 1, 1, 1, 1.9]})
    axes[0].imshow(digit.reshape(28, 28).cpu(), cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(label("test digit"))
    for c in range(4):
        axes[c + 1].imshow(mu[c], cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[c + 1].set_title(label("channel {c}", c=c))
    for ax in axes[:5]:
        ax.set_xticks([]), ax.set_yticks([])
    bars = axes[5].bar(range(4), kl.cpu(), color="tab:blue")
    axes[5].bar_label(bars, fmt="%.0f", fontsize=10)
    axes[5].set_ylim(0, max(1.25 * kl.max().item(), 12))
    axes[5].axhline(5, color="k", ls="--", lw=1, label=label("5 nats: the check"))
    axes[5].axhline(10, color="tab:red", ls=":", lw=1.5, label=label("10 nats: KL floor"))
    axes[5].legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    axes[5].set(title=label("KL per channel"), xlabel=label("channel"), ylabel=label("nats"), xticks=range(4))
    fig.suptitle(label("its capsule μ: 4 maps of 7×7 (red > 0 > blue)"), x=0.38)
    fig.tight_layout()
    plt.show()


def repaint_two_vaes(conv_vae: nn.Module, classic_vae: nn.Module, x: torch.Tensor) -> None:
    """The same test digits repainted from their mean capsule by both VAEs, one row each."""
    with torch.no_grad():
        conv = conv_vae.decode(conv_vae.encode(x)[0])
        classic = classic_vae.decode(classic_vae.encode(x)[0]).reshape(-1, 1, 28, 28)
    show_images(torch.cat([x.reshape(-1, 1, 28, 28), conv, classic]), nrow=len(x),
                row_labels=[label("test digit"), label("conv VAE"), label("classic VAE")],
                title=label("repainted from the mean capsule μ"))
    plt.show()


def vae_differences(conv_meta: dict, classic_meta: dict, kl: tuple[float, float], bce: tuple[float, float]) -> None:
    """Every way the two VAEs differ, from their own records: not one change, several."""
    floor = conv_meta.get("free_nats_per_channel")
    rows = [(tr("numbers in the capsule"), "196 (4x7x7)", "20"),
            (tr("KL weight beta"), f"{conv_meta['beta']:g}", f"{classic_meta['beta']:g}"),
            (tr("KL floor, nats per channel"), f"{floor:g}" if floor else "-", "-"),
            (tr("training epochs"), f"{conv_meta['epochs']}", f"{classic_meta['epochs']}"),
            (tr("information held: KL, nats/image"), f"{kl[0]:.0f}", f"{kl[1]:.0f}"),
            (tr("repainting error: BCE/image, test"), f"{bce[0]:.1f}", f"{bce[1]:.1f}")]
    print_table([("", tr("conv VAE"), tr("classic VAE"))] + rows)


def three_capsules(judge: nn.Module, kinds: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Ten images of each kind (real digits, decoded noise, diffusion samples), one row each,
    then the judge's table: how sure it is, and how much ink. Returns the confidences."""
    rows = {"real test digits": label("real test digits"), "decoded z ~ N(0, I)": label("decoded z ~ N(0, I)"),
            "diffusion samples": label("diffusion samples")}
    names = {"real test digits": tr("real test digits"), "decoded z ~ N(0, I)": tr("decoded z ~ N(0, I)"),
             "diffusion samples": tr("diffusion samples")}
    show_images(torch.cat([imgs[:10] for imgs in kinds.values()]), nrow=10, row_labels=[rows[k] for k in kinds],
                title=label("the same decoder, three kinds of capsule"))
    plt.show()
    conf = {name: confidence(judge, imgs) for name, imgs in kinds.items()}
    print_table([("", tr("judge: mean confidence"), tr("over 90% sure"), tr("mean brightness"))]
                + [(names[name], f"{c.mean().item():.2f}", f"{(c > 0.9).float().mean().item():.0%}",
                    f"{kinds[name].mean().item():.3f}") for name, c in conf.items()])
    return conf


def latent_histogram(latents: torch.Tensor, scale: float) -> None:
    """The latent values before and after multiplying by the scale, against N(0, 1)."""
    fig, ax = plt.subplots(figsize=(6, 2.4))
    ax.hist(latents.flatten().cpu(), bins=80, alpha=0.6, density=True, label=label("raw latents"))
    ax.hist((latents * scale).flatten().cpu(), bins=80, alpha=0.6, density=True, label=label("scaled"))
    ax.hist(torch.randn(20000), bins=80, histtype="step", density=True, color="k", label="N(0, 1)")
    ax.set(xlabel=label("latent value"), ylabel=label("density"), title=label("latent values before and after scaling"))
    ax.legend()
    plt.show()


def latent_figure(lat: torch.Tensor, image_rows: dict[str, torch.Tensor], col_labels: Sequence[str],
                  title: str) -> None:
    """Rows: the 4 channels of each scaled latent in `lat` (N, 4, 7, 7) as heatmaps (red > 0 >
    blue), then one row of pictures per (row name, images) in `image_rows`; one column per
    latent. What the denoiser sees (the numbers) next to what the decoder paints from them."""
    lat = lat.detach().cpu()
    rows = 4 + len(image_rows)
    fig, axes = plt.subplots(rows, len(lat), figsize=(0.78 * len(lat) + 1.5, 0.78 * rows + 0.7), squeeze=False)
    for j in range(len(lat)):
        for c in range(4):
            axes[c, j].imshow(lat[j, c], cmap="RdBu_r", vmin=-LATENT_LIMIT, vmax=LATENT_LIMIT)
        for r, imgs in enumerate(image_rows.values()):
            axes[4 + r, j].imshow(imgs[j].detach().reshape(28, 28).cpu(), cmap="gray", vmin=0, vmax=1)
        axes[0, j].set_title(col_labels[j], fontsize=10)
    names = [label("channel {c}", c=c) for c in range(4)] + list(image_rows)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([]), ax.set_yticks([])
        if i % len(lat) == 0:
            ax.set_ylabel(names[i // len(lat)], rotation=0, ha="right", va="center", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout(h_pad=0.2, w_pad=0.2)
    plt.show()


def reported_claim(condition: object, text: str, /, **values: object) -> None:
    """`claim` for a denoiser the learner trained: the lesson's sentences describe the bundled
    one, so for yours each is reported (✓ or ✗), never enforced."""
    sentence = tr(text, **values)
    print(f"✓ {sentence}" if condition else tr("✗ not (yet) so for your denoiser: {sentence}", sentence=sentence))


def guidance_sweep(results: dict[float, tuple], ceiling: float, default_g: float) -> None:
    """Adherence and diversity against the guidance weight g: the two curves, then the table.
    `results[g]` is (adherence per digit, diversity per digit, samples) as the lesson measures."""
    gs = list(results)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.6, 2.9))
    a.plot(gs, [100 * results[g][0].mean().item() for g in gs], "o-")
    a.axvline(default_g, color="gray", ls=":")
    a.set(title=label("prompt adherence"), xlabel=label("guidance weight g"),
          ylabel=label("% read as the prompt"), ylim=(0, 102))
    b.plot(gs, [results[g][1].mean().item() for g in gs], "o-", label=label("samples"))
    b.axvline(default_g, color="gray", ls=":", label=label("default g = {g:g}", g=default_g))
    b.axhline(ceiling, color="tab:green", ls="--", label=label("VAE repaintings"))
    b.axhline(1, color="k", lw=0.8, label=label("real digits"))
    b.set(title=label("diversity"), xlabel=label("guidance weight g"), ylabel=label("vs real digits"), ylim=(0, 1.15))
    b.legend(fontsize=10, loc="lower left")
    fig.tight_layout()
    plt.show()
    print(tr("    g  adherence  lowest digit  diversity   samples per digit"))
    for g, (ad, dv, s) in results.items():
        lowest = f"{ad.argmin().item()}: {100 * ad.min():.0f}%"
        print(tr("{g:5g} {adh:9.1f}% {lowest:>13s} {div:10.2f}   {n}",
                 g=g, adh=100 * ad.mean().item(), lowest=lowest, div=dv.mean().item(), n=s.shape[1]))
    print(tr("VAE repaintings of real digits: diversity {ceiling:.2f}", ceiling=ceiling))
    per_digit = "  ".join(f"{d}: {100 * v:.0f}%" for d, v in enumerate(results[default_g][0].tolist()))
    print(tr("at the default g = {g:g}, per digit: {per_digit}", g=default_g, per_digit=per_digit))


def model_card(denoiser: nn.Module) -> dict[str, dict[str, float]]:
    """Prints adherence and diversity per g for the bundled weights, measured on 100 samples per
    digit when they were made (vae_lessons/weights/MODEL_CARD.md), and returns that table
    ({g: {"adherence": ..., "diversity": ...}}); {} and nothing printed for a learner's own denoiser."""
    table = getattr(denoiser, "meta", {}).get("guidance_table", {})
    if table:
        print(tr("adherence and diversity per g, measured on 100 samples per digit when the bundled weights "
                 "were made (model card):"))
        print("   " + ";  ".join(f"g = {g}: {100 * v['adherence']:.1f}%, {v['diversity']:.2f}" for g, v in table.items()))
    return table


def playground_snapshot(play, pipe, judge: nn.Module, settings: list[tuple[str, float, int]],
                        digit_like=None) -> list[tuple[int, float, bool]]:
    """A static picture of the playground at a few (prompt, g, steps), seed 0, for readers where
    widgets do not run: its controls are set from Python and the PNGs it shows are read back.
    Prints what the judge reads in each result, how sure it is, and whether the picture passes
    `digit_like` (images -> booleans); returns those, (digit, confidence, digit-like), per setting."""
    found = []
    fig, axes = plt.subplots(len(settings), 2, figsize=(9.2, 1.35 * len(settings) + 0.6),
                             gridspec_kw={"width_ratios": [1, 3.2]}, squeeze=False)
    walk = _walk_length(play)
    for (prompt, g, steps), (ax_img, ax_walk) in zip(settings, axes):
        play.prompt.value, play.guidance.value, play.steps.value, play.seed.value = prompt, g, steps, 0
        play.update()
        ax_img.imshow(PIL.Image.open(io.BytesIO(play.image.value)), cmap="gray", vmin=0, vmax=255)
        strip = PIL.Image.open(io.BytesIO(play.walk.value))
        ax_walk.imshow(strip.crop((0, 0, strip.width, strip.height - 20)), cmap="gray", vmin=0, vmax=255)  # no captions
        keep = sorted({round(i * steps / (walk - 1)) for i in range(walk)} - {0})  # the steps shown
        ax_walk.set_xlim(0, walk * 118 - 6)  # room for 6 tiles (112 px + 6 px gap), left-aligned
        ax_walk.set_xticks([118 * i + 56 for i in range(len(keep))], [label("step {k}", k=k) for k in keep])
        _strip_axes(ax_img, ax_walk)
        ax_img.set_xticks([])
        name = label("g = {g:g}\n{steps} steps", g=g, steps=steps) if steps > 1 else label("g = {g:g}\n1 step", g=g)
        ax_img.set_ylabel(name, rotation=0, ha="right", va="center")
        image = pipe([prompt], guidance=g, steps=steps, seed=0)
        seen, sure = judge.predict(image).item(), confidence(judge, image).item()
        like = bool(digit_like(image)[0]) if digit_like is not None else True
        found.append((seen, sure, like))
        print(tr("prompt {prompt}, guidance {g:g}, {steps:2d} step(s), seed 0: the judge reads {seen} ({sure:.0%} sure); "
                 "digit-like: {like}", prompt=prompt, g=g, steps=steps, seen=seen, sure=sure,
                 like=tr("yes") if like else tr("no")))
    axes[0, 0].set_title(label("result"))
    axes[0, 1].set_title(label("denoising walk: decoded guess x̂₀ after each step shown"))
    fig.suptitle(label("the playground, driven from Python: prompt seven, typed in Chinese; seed 0"))
    fig.tight_layout()
    plt.show()
    return found


def training_step_cost(nets: dict[str, nn.Module], batch: int, device: torch.device) -> dict[str, float]:
    """Seconds per DDPM training step of each net ("pixel" on 1x28x28, "latent" on 4x7x7),
    measured alternately on one thread (steadier on a busy machine; the median of two is
    kept), then the table: numbers per image, weights, milliseconds per step."""
    shapes = {"pixel": (1, 28, 28), "latent": (4, 7, 7)}
    times = {name: [] for name in nets}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in range(2):
            for name, net in nets.items():
                x0 = torch.randn(batch, *shapes[name], device=device)
                times[name].append(diffusion.time_training_step(net.to(device), x0, repeats=1))
    finally:
        torch.set_num_threads(threads)
    seconds = {name: statistics.median(t) for name, t in times.items()}
    rows = [("", tr("numbers/image"), tr("weights"), tr("ms per step"))]
    for name, title in (("pixel", tr("pixel space 1x28x28")), ("latent", tr("latent space 4x7x7"))):
        weights = sum(p.numel() for p in nets[name].parameters())
        n = shapes[name][0] * shapes[name][1] * shapes[name][2]
        rows.append((title, f"{n}", f"{weights:,d}", f"{1000 * seconds[name]:.1f}"))
    print_table(rows)
    return seconds


def unguided_summary(judge: nn.Module, results: dict[float, tuple], real_confidence: torch.Tensor,
                     default_g: float) -> tuple[float, float]:
    """What g = 0 draws, in one line: how many samples are the digit asked for, and how often the
    judge is over 90% sure of the digit it reads (at g = 0, at the default g, on real digits).
    Returns those two shares of sure samples, (g = 0, default g)."""
    sure0, sure_g, sure_real = ((c > 0.9).float().mean().item() for c in
                                (confidence(judge, results[0.0][2]), confidence(judge, results[default_g][2]),
                                 real_confidence))
    print(tr("g = 0: {adh:.0f}% read as the prompted digit (chance: 10%); the judge is over 90% sure of the digit "
             "it reads in {sure0:.0%} of all g = 0 samples (at g = {g:g}: {sure_g:.0%}; real digits: {sure_real:.0%})",
             adh=100 * results[0.0][0].mean().item(), sure0=sure0, g=default_g, sure_g=sure_g, sure_real=sure_real))
    return sure0, sure_g


def schedule_curves(ab: torch.Tensor) -> None:
    """sqrt(ab_t) (the clean latent's factor), sqrt(1 - ab_t) (the noise's) and ab_t against t,
    with Stable Diffusion's ab_t dashed."""
    ab, sd = ab.detach().cpu(), sd_alphas_bar()
    fig, ax = plt.subplots(figsize=(10, 2.8))
    ax.plot(ab.sqrt(), lw=2, label=label(r"$\sqrt{\bar\alpha_t}$: factor of the clean $x_0$"))
    ax.plot((1 - ab).sqrt(), lw=2, label=label(r"$\sqrt{1-\bar\alpha_t}$: factor of the noise $\varepsilon$"))
    ax.plot(ab, color="k", lw=1, label=label(r"$\bar\alpha_t$ (ours: $\beta$ linear, 0.0001 → 0.02)"))
    ax.plot(sd, color="k", lw=1, ls="--", label=label(r"$\bar\alpha_t$, Stable Diffusion (scaled linear, 0.00085 → 0.012)"))
    ax.set(xlabel=label("timestep t"), ylabel=label("factor"), title=label("the noise schedule"), ylim=(0, 1.02))
    ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    plt.show()


def training_curve(losses: list[float], window: int = 50) -> None:
    """The loss of each training step (light) and its moving average over `window` steps."""
    x = torch.tensor(losses)
    smooth = x.unfold(0, window, 1).mean(1) if len(x) >= window else x
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    ax.plot(range(1, len(x) + 1), x, color="tab:blue", alpha=0.3, lw=0.8, label=label("loss of each step"))
    ax.plot(range(len(x) - len(smooth) + 1, len(x) + 1), smooth, color="tab:blue", lw=2,
            label=label("mean of the last {w} steps", w=window))
    ax.set(xlabel=label("training step"), ylabel=label("loss: MSE of the noise guess"),
           title=label("your ddpm_loss, minimised"), ylim=(0, min(1.1, 1.05 * x.max().item())))
    ax.legend(fontsize=10)
    fig.tight_layout()
    plt.show()


def two_denoisers(pipes: dict[str, object], prompts: list[str], seed: int = 0) -> dict[str, torch.Tensor]:
    """One row of samples per pipeline (same prompts, same seed); returns the samples by row name."""
    samples = {name: pipe(prompts, seed=seed).cpu() for name, pipe in pipes.items()}
    show_images(torch.cat(list(samples.values())), nrow=len(prompts), row_labels=list(samples),
                col_labels=[p for p in prompts], title=label("the same prompts and seed, two denoisers"))
    plt.show()
    return samples


def judge_table(judge: nn.Module, repainter: nn.Module, kinds: dict[str, torch.Tensor], min_confidence: float,
                max_error: float) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """For each kind of image: how often the judge is at least `min_confidence` sure, how often
    it passes the digit-likeness test (repainting error at most `max_error`), and both.
    Returns {kind: (confidence, repainting error)} per image."""
    out, rows = {}, [("", tr("judge ≥ {c:.0%} sure", c=min_confidence), tr("repaints like a digit"), tr("both"))]
    for name, images in kinds.items():
        conf, err = confidence(judge, images), diffusion.repaint_error(images, repainter).cpu()
        sure, like = conf >= min_confidence, err <= max_error
        rows.append((name, *(f"{v.float().mean().item():.0%}" for v in (sure, like, sure & like))))
        out[name] = (conf, err)
    print_table(rows)
    return out


def fade_table(pipe, z0: torch.Tensor, ab: torch.Tensor, ts: list[int]) -> dict[str, list[float]]:
    """Prints and returns the mean brightness of the decoded latents of many clean scaled latents
    z0 at each t: x_t, the noise alone, the shrinking alone (`fade_brightness`)."""
    table = fade_brightness(pipe, z0, ab, ts)
    names = {"x_t": "x_t", "noise only": tr("noise only"), "shrink only": tr("shrink only")}
    print(tr("mean brightness of the decoded latents of {n} test digits:", n=len(z0)))
    print_table([("", *(f"t={t}" for t in ts))] + [(names[k], *(f"{v:.3f}" for v in vs)) for k, vs in table.items()])
    return table
