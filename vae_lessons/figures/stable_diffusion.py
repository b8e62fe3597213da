"""The figures and tables of lesson 07_stable_diffusion (notebooks/07_stable_diffusion.ipynb).

The lesson's cells keep what they teach (the noising formula, the denoiser's forward pass, the
loss, the sampler, the guidance sweep) and call these for the layout: heatmaps of latents, the
judge's tables, the guidance curves, the playground's static picture, the cost table. Text
goes through `label` (figures) and `tr` (printing); its Chinese is in the lesson's catalog.
"""

from __future__ import annotations

import html
import io
import re
import statistics
from typing import Sequence

import matplotlib.pyplot as plt
import PIL.Image
import torch
from torch import nn

from .. import diffusion
from ..i18n import tr
from ..plotting import label, show_images

LATENT_LIMIT = 3.0  # heatmap colour range of scaled latents: +-3 standard deviations


def capsule_channels(vae: nn.Module, digit: torch.Tensor, kl: torch.Tensor) -> None:
    """One test digit, the 4 channel maps of its capsule mu, and the KL each channel carries
    on average: a switched-off channel would show as a flat map and a bar near 0."""
    with torch.no_grad():
        mu = vae.encode(digit.reshape(1, 784))[0][0].cpu()
    lim = mu.abs().max().item()
    fig, axes = plt.subplots(1, 6, figsize=(8.6, 2.1), gridspec_kw={"width_ratios": [1, 1, 1, 1, 1, 1.9]})
    axes[0].imshow(digit.reshape(28, 28).cpu(), cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(label("test digit"))
    for c in range(4):
        axes[c + 1].imshow(mu[c], cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[c + 1].set_title(label("channel {c}", c=c))
    for ax in axes[:5]:
        ax.set_xticks([]), ax.set_yticks([])
    bars = axes[5].bar(range(4), kl.cpu(), color="tab:blue")
    axes[5].bar_label(bars, fmt="%.0f", fontsize=10)
    axes[5].set_ylim(0, 1.25 * kl.max().item())
    axes[5].axhline(5, color="k", ls="--", lw=1)
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
    for name, a, b in [("", tr("conv VAE"), tr("classic VAE"))] + rows:  # the Chinese puts the names last
        print(tr("{name:36s}{a:>14s}{b:>14s}", name=name, a=a, b=b))


@torch.no_grad()
def confidence(judge: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The judge's probability for the digit it reads, per image (on the CPU)."""
    x = images.reshape(-1, 1, 28, 28).to(next(judge.parameters()).device)
    return torch.softmax(judge(x), dim=1).max(dim=1).values.cpu()


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
    print(tr("                         judge: mean confidence | over 90% sure | mean brightness"))
    for name, c in conf.items():
        print(tr("{name:22s}{mean:>25.2f} | {sure:>13.0%} | {ink:>15.3f}", name=names[name], mean=c.mean().item(),
                 sure=(c > 0.9).float().mean().item(), ink=kinds[name].mean().item()))
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


@torch.no_grad()
def repainting_diversity(vae: nn.Module, test_x: torch.Tensor, test_y: torch.Tensor, n: int) -> float:
    """The diversity of the VAE's repaintings of n real test digits per class: what a sampler
    as varied as real handwriting would score, once its pictures pass through the decoder."""
    reals = torch.stack([test_x[test_y.to(test_x.device) == d][:n] for d in range(10)])
    recon = vae.decode(vae.encode(reals.reshape(-1, 784))[0]).reshape(10, n, 1, 28, 28)
    return diffusion.diversity(recon, test_x, test_y).mean().item()


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


def widget_message(play) -> str:
    """The playground's message line as plain text (its HTML tags and escapes removed)."""
    return html.unescape(re.sub("<[^>]+>", "", play.message.value))


def _strip_axes(*axes) -> None:
    for ax in axes:
        ax.set_yticks([])
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)


def _walk_length(play) -> int:
    """How many pictures the playground's denoising walk shows."""
    from .. import widgets

    return getattr(play, "WALK", None) or widgets.WALK


def playground_snapshot(play, pipe, judge: nn.Module, settings: list[tuple[str, float, int]]) -> None:
    """A static picture of the playground at a few (prompt, g, steps), seed 0, for readers where
    widgets do not run: its controls are set from Python and the PNGs it shows are read back.
    Prints what the judge reads in each result."""
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
        seen = judge.predict(pipe([prompt], guidance=g, steps=steps, seed=0)).item()
        print(tr("prompt {prompt}, guidance {g:g}, {steps:2d} step(s), seed 0: the judge reads it as {seen}",
                 prompt=prompt, g=g, steps=steps, seen=seen))
    axes[0, 0].set_title(label("result"))
    axes[0, 1].set_title(label("denoising walk: decoded guess x̂₀ after each step shown"))
    fig.suptitle(label("the playground, driven from Python: prompt seven, typed in Chinese; seed 0"))
    fig.tight_layout()
    plt.show()


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
    print(tr("                       numbers/image   weights  ms per step"))
    for name, title in (("pixel", tr("pixel space 1x28x28")), ("latent", tr("latent space 4x7x7"))):
        weights = sum(p.numel() for p in nets[name].parameters())
        n = shapes[name][0] * shapes[name][1] * shapes[name][2]
        print(tr("{name:22s}{n:14d}{weights:10,d}{ms:13.1f}", name=title, n=n, weights=weights, ms=1000 * seconds[name]))
    return seconds


def noised_pixels(image: torch.Tensor, ts: Sequence[int]) -> torch.Tensor:
    """For comparison only: one image noised in pixel space to each t of `ts`, with the same
    formula and schedule as the latents (what diffusion without a VAE would see)."""
    ab = diffusion.alphas_bar(image.device)
    pix = image.reshape(1, 1, 28, 28)
    eps = torch.randn(pix.shape, generator=torch.Generator().manual_seed(0)).to(pix.device)
    return torch.cat([ab[t].sqrt() * pix + (1 - ab[t]).sqrt() * eps for t in ts]).clamp(0, 1)


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
