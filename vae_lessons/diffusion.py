"""A working mini latent diffusion model: Stable Diffusion's three parts, small enough to read.

    prompt --TextEncoder--> vector --Denoiser + DDIM, in the VAE's latent space--> latent
           --ConvVAE decoder--> picture

Stable Diffusion does not denoise pixels. It denoises the 4x64x64 latents of a VAE (48x fewer
numbers than a 3x512x512 image) and lets the VAE's decoder paint the picture. Here the VAE is
`models.ConvVAE` (1x28x28 -> 4x7x7), the text encoder is a table of 11 learned vectors (digits
0-9 and the empty prompt), the denoiser is a small conditioned conv net trained with the DDPM
objective, and sampling is deterministic DDIM with classifier-free guidance.

Who does what (as in Stable Diffusion): the VAE only compresses and decompresses; the denoiser
is what generates. Decoding random noise z ~ N(0, I) with the VAE gives blobs, not digits: the
denoiser has learned where the latents of real digits lie, and walks noise there.

The two formulas the lesson asks a learner to write are plain functions here, `guided_eps` and
`ddim_step`, and the pipeline takes a learner's own versions: `pipe(prompts, guide_fn=...,
step_fn=...)`.
"""

from __future__ import annotations

import math
import re
import time
from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoints import WEIGHTS_DIR, load_checkpoint
from .i18n import tr
from .losses import kl_divergence
from .models import Classifier, ConvVAE, flatten_images
from .training import pick_device, seed_everything

T = 1000                 # diffusion timesteps, as in DDPM and Stable Diffusion
DEFAULT_GUIDANCE = 2.5   # classifier-free guidance weight g (1 = plain conditional model, 0 = unconditional)
DEFAULT_STEPS = 25       # DDIM steps at sampling time (training used all T)

# ---------------------------------------------------------------- the text encoder (SD: CLIP)

DIGITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine".split())}
DIGITS |= {str(i): i for i in range(10)} | {c: i for i, c in enumerate("零一二三四五六七八九")}
FILLER = {"a", "an", "the", "handwritten", "digit", "number", "of", "手", "写", "的", "数", "字"}
EMPTY = 10  # the "empty prompt" id: the unconditional model that guidance pushes away from


def prompt_to_id(prompt: str) -> int:
    """"seven", "7", "a handwritten seven", "七" -> 7; "" -> EMPTY. Anything else is an error
    that says what is understood, instead of a silent guess."""
    tokens = re.findall(r"[a-z]+|\d|[^\x00-\x7f]", prompt.lower())
    unknown = [w for w in tokens if w not in DIGITS and w not in FILLER]
    if unknown:
        words, filler = ", ".join(list(DIGITS)[:10]), ", ".join(sorted(FILLER))
        raise ValueError(tr(f"unknown word(s) {unknown} in prompt {prompt!r}. Understood: the digits "
                            f"0-9 as numerals, English words ({words}) or 中文 (零一二三四五六七八九), "
                            f"plus the filler words {filler}, which are ignored",
                            f"提示词 {prompt!r} 里有不认识的词 {unknown}。能听懂的是：数字 0-9、英文单词"
                            f"（{words}）或中文（零一二三四五六七八九），另外 {filler} 这些词会被忽略"))
    digits = {DIGITS[w] for w in tokens if w in DIGITS}
    if len(digits) > 1:
        raise ValueError(tr(f"prompt {prompt!r} names {len(digits)} different digits; ask for one",
                            f"提示词 {prompt!r} 说了 {len(digits)} 个不同的数字；一次只要一个"))
    return digits.pop() if digits else EMPTY


class TextEncoder(nn.Module):
    """Prompts -> vectors. SD's CLIP text encoder turns 77 tokens into 77x768 numbers; ours
    turns one understood word into one learned vector (and "" into the empty-prompt vector)."""

    def __init__(self, dim: int = 64):
        super().__init__()
        self.config = {"dim": dim}
        self.embedding = nn.Embedding(EMPTY + 1, dim)

    def ids(self, prompts: Iterable[str]) -> torch.Tensor:
        if isinstance(prompts, str):
            raise TypeError("pass a list of prompts, e.g. ['seven'], not a single string")
        return torch.tensor([prompt_to_id(p) for p in prompts], device=self.embedding.weight.device)

    def forward(self, prompts_or_ids) -> torch.Tensor:
        ids = prompts_or_ids if torch.is_tensor(prompts_or_ids) else self.ids(prompts_or_ids)
        return self.embedding(ids)


# ---------------------------------------------------------------- the denoiser (SD: the U-Net)

def timestep_frequencies(dim: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """The dim // 2 frequencies of `timestep_embedding`, from 1 down to about 1/10000."""
    return torch.exp(-math.log(10000) * torch.arange(dim // 2, device=device) / (dim // 2))


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoids of t at many frequencies, as in the Transformer and DDPM: the net can tell
    t=10 (almost clean) from t=900 (almost pure noise)."""
    angles = t.float()[:, None] * timestep_frequencies(dim, t.device)[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    """Two 3x3 convs with a skip; the condition (time + prompt) scales and shifts the features."""

    def __init__(self, width: int, cond_dim: int):
        super().__init__()
        self.norm1, self.norm2 = nn.GroupNorm(8, width), nn.GroupNorm(8, width)
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.film = nn.Linear(cond_dim, 2 * width)

    def forward(self, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        scale, shift = self.film(c)[:, :, None, None].chunk(2, dim=1)
        y = self.norm2(self.conv1(F.silu(self.norm1(h)))) * (1 + scale) + shift
        return h + self.conv2(F.silu(y))


class Denoiser(nn.Module):
    """Predicts the noise eps in a noisy latent x_t, given t and the prompt's vector.

    Fully convolutional, so the same family runs on 4x7x7 latents or on 1x28x28 pixels (the
    cost comparison). It owns the text encoder, because the two are trained together.
    """

    def __init__(self, in_channels: int = 4, width: int = 48, blocks: int = 3, cond_dim: int = 64):
        super().__init__()
        self.config = {"in_channels": in_channels, "width": width, "blocks": blocks, "cond_dim": cond_dim}
        self.text_encoder = TextEncoder(cond_dim)
        self.time_mlp = nn.Sequential(nn.Linear(cond_dim, cond_dim), nn.SiLU(), nn.Linear(cond_dim, cond_dim))
        self.conv_in = nn.Conv2d(in_channels, width, 3, padding=1)
        self.blocks = nn.ModuleList(ResBlock(width, cond_dim) for _ in range(blocks))
        self.norm_out = nn.GroupNorm(8, width)
        self.conv_out = nn.Conv2d(width, in_channels, 3, padding=1)

    def forward(self, x: torch.Tensor, t: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        c = F.silu(self.time_mlp(timestep_embedding(t, self.config["cond_dim"])) + text)
        h = self.conv_in(x)
        for block in self.blocks:
            h = block(h, c)
        return self.conv_out(F.silu(self.norm_out(h)))


# ---------------------------------------------------------------- the noise schedule and DDPM training

def alphas_bar(device: str | torch.device = "cpu") -> torch.Tensor:
    """DDPM's linear beta schedule (1e-4 .. 0.02 over T steps) as cumulative signal fractions:
    x_t = sqrt(ab[t]) * x_0 + sqrt(1 - ab[t]) * eps."""
    return torch.cumprod(1 - torch.linspace(1e-4, 0.02, T, device=device), dim=0)


def ddim_timesteps(steps: int) -> list[int]:
    """The `steps` timesteps DDIM visits, evenly spaced from T - 1 down to 0."""
    return torch.linspace(T - 1, 0, steps).round().long().tolist()


def ddpm_loss(denoiser: Denoiser, x0: torch.Tensor, ids: torch.Tensor, p_uncond: float = 0.1) -> torch.Tensor:
    """The standard objective: noise x0 to a random t, ask for the noise back (MSE). A random
    10% of prompts become the empty prompt, so one net learns both the conditional and the
    unconditional model that classifier-free guidance needs."""
    ab = alphas_bar(x0.device)
    t = torch.randint(0, T, (len(x0),), device=x0.device)
    eps = torch.randn_like(x0)
    a = ab[t][:, None, None, None]
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
    ids = torch.where(torch.rand(len(ids), device=ids.device) < p_uncond, torch.full_like(ids, EMPTY), ids)
    return F.mse_loss(denoiser(x_t, t, denoiser.text_encoder(ids)), eps)


def train_denoiser(denoiser: Denoiser, latents: torch.Tensor, labels: torch.Tensor, *, steps: int = 6000,
                   batch_size: int = 128, lr: float = 2e-3, ema_decay: float = 0.995, p_uncond: float = 0.1,
                   seed: int = 0,
                   device: str | torch.device | None = None,
                   callback: Callable[[int, float], None] | None = None) -> list[float]:
    """Train on (scaled latents, digit labels) for `steps` batches; return the loss per step.

    `p_uncond` is how often the prompt is dropped (0 = no classifier-free guidance possible).
    The learning rate decays to zero on a cosine, and the weights kept at the end are an
    exponential moving average (EMA) of the trained ones: both give cleaner samples from a
    short run. `callback(step, mean loss)` runs every 500 steps.
    """
    seed_everything(seed)
    device = pick_device(device)
    denoiser.to(device).train()
    latents, labels = latents.to(device), labels.to(device)
    ema = {k: v.detach().clone() for k, v in denoiser.state_dict().items()}
    opt = torch.optim.AdamW(denoiser.parameters(), lr=lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    losses = []
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(latents), (batch_size,), device=device)
        loss = ddpm_loss(denoiser, latents[idx], labels[idx], p_uncond)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            for k, v in denoiser.state_dict().items():
                ema[k].lerp_(v, 1 - ema_decay)  # every entry is a float tensor (no BatchNorm counters)
        losses.append(loss.item())
        if callback is not None and step % 500 == 0:
            callback(step, sum(losses[-500:]) / 500)
    denoiser.load_state_dict(ema)
    return losses


def time_training_step(denoiser: Denoiser, x0: torch.Tensor, repeats: int = 10) -> float:
    """Median seconds per DDPM training step (forward + backward + Adam) on the batch x0."""
    opt = torch.optim.Adam(denoiser.parameters(), lr=1e-4)
    ids = torch.randint(0, 10, (len(x0),), device=x0.device)
    times = []
    for _ in range(repeats + 2):  # the first two warm up
        start = time.perf_counter()
        loss = ddpm_loss(denoiser, x0, ids)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if x0.is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times[2:])[len(times[2:]) // 2]


# ---------------------------------------------------------------- the VAE side: latents and their scale

@torch.no_grad()
def encode_latents(vae: ConvVAE, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Images -> the VAE's mean latents mu (N, 4, 7, 7), unscaled."""
    device = next(vae.parameters()).device
    x = flatten_images(images)
    return torch.cat([vae.encode(x[i:i + batch_size].to(device))[0] for i in range(0, len(x), batch_size)])


@torch.no_grad()
def kl_per_channel(vae: ConvVAE, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """(C,) the information each latent channel carries, in nats: KL(q(z|x) || N(0, I)) summed
    over the channel's 7x7 positions, averaged over the images. A channel near 0 is switched
    off: the encoder writes (almost) nothing into it and the decoder ignores it."""
    device = next(vae.parameters()).device
    x = flatten_images(images)
    total = 0
    for i in range(0, len(x), batch_size):
        mu, logvar = vae.encode(x[i:i + batch_size].to(device))
        total = total + kl_divergence(mu, logvar, reduction="none").sum((0, 2, 3))
    return total / len(x)


def kl_floor_step(free_nats: float = 10.0):
    """A `training.train` step for the conv VAE with a KL floor per channel ("free bits",
    Kingma et al. 2016): loss = BCE + beta * sum_c max(KL_c, free_nats), KL_c being channel c's
    KL per image, averaged over the batch. Below the floor a channel's information costs
    nothing, so no channel is switched off to save KL; above it, the usual small beta applies.
    Returns (BCE, KL) summed over the batch, the KL as it is (not floored), like `train_step`."""
    def step(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, beta: float):
        optimizer.zero_grad(set_to_none=True)
        recon, mu, logvar = model(x)
        bce = F.binary_cross_entropy(recon, x.reshape(recon.shape), reduction="sum")
        kl_c = kl_divergence(mu, logvar, reduction="none").sum((2, 3)).mean(0)  # (C,) nats per image
        (bce + beta * len(x) * kl_c.clamp(min=free_nats).sum()).backward()
        optimizer.step()
        return bce.detach(), kl_c.sum().detach() * len(x)
    return step


def latent_scale(latents: torch.Tensor) -> float:
    """1 / std of the latents: multiply by it and the latents have unit variance, like the
    noise the diffusion starts from. SD's 0.18215 is this number, measured on its own VAE."""
    return 1.0 / latents.float().std().item()


def train_classifier(model: Classifier, images: torch.Tensor, labels: torch.Tensor, *, epochs: int = 3,
                     batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
                     device: str | torch.device | None = None) -> Classifier:
    """Plain cross-entropy training of the judge that scores prompt adherence."""
    seed_everything(seed)
    device = pick_device(device)
    model.to(device).train()
    x, y = flatten_images(images).to(device), labels.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * -(-len(x) // batch_size))
    for _ in range(epochs):
        for idx in torch.randperm(len(x), device=device).split(batch_size):
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


# ---------------------------------------------------------------- one sampling step: guidance and DDIM

def guided_eps(eps_empty: torch.Tensor, eps_cond: torch.Tensor, g: float) -> torch.Tensor:
    """Classifier-free guidance, this package's convention: start at the empty prompt's noise
    guess and walk g times the difference the prompt makes, eps_empty + g * (eps_cond - eps_empty).
    g = 0: unconditional; g = 1: the conditional model alone; g > 1: pushed harder to the prompt.
    (Many papers write (1 + w) * eps_cond - w * eps_empty instead: the same thing with g = 1 + w.)"""
    return eps_empty + g * (eps_cond - eps_empty)


def predict_x0(x_t: torch.Tensor, eps: torch.Tensor, alpha_bar_t) -> torch.Tensor:
    """The clean latent the noise guess implies: solve x_t = sqrt(ab) x0 + sqrt(1 - ab) eps for x0."""
    return (x_t - (1 - alpha_bar_t) ** 0.5 * eps) / alpha_bar_t ** 0.5


def ddim_step(x_t: torch.Tensor, eps: torch.Tensor, alpha_bar_t, alpha_bar_prev) -> torch.Tensor:
    """One deterministic DDIM step (eta = 0): guess the clean latent x0 from the noise guess eps,
    then noise it again to the level of the next (lower) timestep, with the same eps.

        x0     = (x_t - sqrt(1 - ab_t) * eps) / sqrt(ab_t)
        x_prev = sqrt(ab_prev) * x0 + sqrt(1 - ab_prev) * eps

    alpha_bar_t and alpha_bar_prev may be numbers or 0-d tensors."""
    x0 = predict_x0(x_t, eps, alpha_bar_t)
    return alpha_bar_prev ** 0.5 * x0 + (1 - alpha_bar_prev) ** 0.5 * eps


# Lesson 07's exercises: inputs to check a learner's guided_eps / ddim_step on, and the known
# mistakes, each with the message a learner sees when their function does exactly that.

def guidance_inputs(k: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The k-th test case for a learner's guided_eps: (eps_empty, eps_cond, g)."""
    gen = torch.Generator().manual_seed(k)
    return (torch.randn(2, 4, 7, 7, generator=gen), torch.randn(2, 4, 7, 7, generator=gen),
            (3.0, 1.5, 7.0, 2.0, 4.5)[k % 5])


def ddim_inputs(k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The k-th test case for a learner's ddim_step: (x_t, eps, alpha_bar_t, alpha_bar_prev),
    the two alpha-bars as 0-d tensors, as the pipeline passes them (the last case is a final
    step, to alpha_bar_prev = 1: no noise left)."""
    gen = torch.Generator().manual_seed(k)
    ab = torch.cat([alphas_bar(), torch.ones(1)])  # ab[-1] = 1: "after the last step"
    t, t_prev = ((500, 460), (300, 260), (200, 160), (600, 500), (40, -1))[k % 5]
    return (torch.randn(2, 4, 7, 7, generator=gen), torch.randn(2, 4, 7, 7, generator=gen), ab[t], ab[t_prev])


_GUIDANCE_MISTAKES = [  # (English, 中文, the wrong guided_eps)
    ('the sign of the difference is flipped: walk from eps_empty towards the prompt, g * '
     '(eps_cond - eps_empty), not away from it',
     '差的符号反了：要从 eps_empty 出发，朝着提示词的方向走，g * (eps_cond - eps_empty)，而不是背离它',
     lambda e0, ec, g: e0 + g * (e0 - ec)),
    ('g multiplies only eps_cond: put the difference in parentheses, g * (eps_cond - eps_empty)',
     'g 只乘了 eps_cond：把差放进括号里，g * (eps_cond - eps_empty)',
     lambda e0, ec, g: g * ec),
    ('g is applied to the wrong term: it multiplies the difference (eps_cond - eps_empty), '
     'not eps_empty',
     'g 乘错了项：它乘的是差 (eps_cond - eps_empty)，不是 eps_empty',
     lambda e0, ec, g: g * e0 + (ec - e0)),
    ('you started from eps_cond: eps_cond + g * (eps_cond - eps_empty) = (1 + g) eps_cond - '
     'g eps_empty is the other convention, with w = g. Ours starts from eps_empty',
     '你是从 eps_cond 出发的：eps_cond + g * (eps_cond - eps_empty) = (1 + g) eps_cond - g '
     'eps_empty 是另一种约定，其中 w = g。我们的约定从 eps_empty 出发',
     lambda e0, ec, g: ec + g * (ec - e0)),
    ("eps_empty and eps_cond are swapped: the first argument is the EMPTY prompt's guess",
     'eps_empty 和 eps_cond 弄反了：第一个参数是空提示词给出的猜测，不是带提示词的',
     lambda e0, ec, g: ec + g * (e0 - ec)),
]

_DDIM_MISTAKES = [  # (English, 中文, the wrong ddim_step)
    ('the sqrt is missing on alpha_bar: divide by sqrt(alpha_bar_t), and scale x0 by '
     'sqrt(alpha_bar_prev)',
     'alpha_bar 上少了开方：要除以 sqrt(alpha_bar_t)，并用 sqrt(alpha_bar_prev) 去乘 x0',
     lambda x, e, a, ap: ap * ((x - (1 - a) ** 0.5 * e) / a) + (1 - ap) ** 0.5 * e),
    ('the sqrt is missing on alpha_bar_t: x0 = (x_t - sqrt(1 - alpha_bar_t) * eps) / '
     'sqrt(alpha_bar_t)',
     'alpha_bar_t 上少了开方：x0 = (x_t - sqrt(1 - alpha_bar_t) * eps) / sqrt(alpha_bar_t)',
     lambda x, e, a, ap: ap ** 0.5 * ((x - (1 - a) ** 0.5 * e) / a) + (1 - ap) ** 0.5 * e),
    ('the sqrt is missing on alpha_bar_prev: the clean part of the next latent is '
     'sqrt(alpha_bar_prev) * x0',
     'alpha_bar_prev 上少了开方：下一步潜向量里干净的部分是 sqrt(alpha_bar_prev) * x0',
     lambda x, e, a, ap: ap * ((x - (1 - a) ** 0.5 * e) / a ** 0.5) + (1 - ap) ** 0.5 * e),
    ('the x0 formula uses (1 - alpha_bar_t) where it needs sqrt(1 - alpha_bar_t): the noise '
     'in x_t is sqrt(1 - alpha_bar_t) * eps',
     '求 x0 的公式里用了 (1 - alpha_bar_t)，应该是 sqrt(1 - alpha_bar_t)：x_t 里的噪声是 sqrt(1 - alpha_bar_t) * eps',
     lambda x, e, a, ap: ap ** 0.5 * ((x - (1 - a) * e) / a ** 0.5) + (1 - ap) ** 0.5 * e),
    ('the noise you put back uses (1 - alpha_bar_prev) where it needs sqrt(1 - alpha_bar_prev)',
     '加回去的噪声用了 (1 - alpha_bar_prev)，应该是 sqrt(1 - alpha_bar_prev)',
     lambda x, e, a, ap: ap ** 0.5 * ((x - (1 - a) ** 0.5 * e) / a ** 0.5) + (1 - ap) * e),
    ('you returned the clean guess x0: a DDIM step noises it again, to the level of the next step',
     '你返回的是干净的猜测 x0：DDIM 的一步还要给它重新加噪，加到下一步的噪声水平',
     lambda x, e, a, ap: (x - (1 - a) ** 0.5 * e) / a ** 0.5),
    ('the noise is added instead of removed in the x0 formula: x0 = (x_t - sqrt(1 - '
     'alpha_bar_t) * eps) / ...',
     '求 x0 的公式把噪声加上了，应该减去：x0 = (x_t - sqrt(1 - alpha_bar_t) * eps) / ...',
     lambda x, e, a, ap: ap ** 0.5 * ((x + (1 - a) ** 0.5 * e) / a ** 0.5) + (1 - ap) ** 0.5 * e),
    ("alpha_bar_t and alpha_bar_prev are swapped: x0 comes from x_t's level (alpha_bar_t), "
     'the result goes to the next level (alpha_bar_prev)',
     'alpha_bar_t 和 alpha_bar_prev 弄反了：x0 由 x_t 的噪声水平（alpha_bar_t）求出，结果要去到下一个水平（alpha_bar_prev）',
     lambda x, e, a, ap: a ** 0.5 * ((x - (1 - ap) ** 0.5 * e) / ap ** 0.5) + (1 - a) ** 0.5 * e),
]


def guidance_mistakes() -> dict[str, Callable]:
    """The usual slips in `guided_eps`, each named in the language in force: `check_function`'s
    `mistakes=`, so a learner's wrong version is told what is wrong."""
    return {tr(en, zh): wrong for en, zh, wrong in _GUIDANCE_MISTAKES}


def ddim_mistakes() -> dict[str, Callable]:
    """The usual slips in `ddim_step`, each named in the language in force (see guidance_mistakes)."""
    return {tr(en, zh): wrong for en, zh, wrong in _DDIM_MISTAKES}


# ---------------------------------------------------------------- the pipeline: text -> latent -> picture

class LatentDiffusionPipeline:
    """`pipe(["seven", "七"], guidance=4, steps=25, seed=0)` -> images (N, 1, 28, 28) in [0, 1].

    Each call: encode the prompts, start from seeded Gaussian noise in the scaled latent space,
    run `steps` deterministic DDIM steps with classifier-free guidance, unscale, VAE-decode.
    """

    def __init__(self, vae: ConvVAE, denoiser: Denoiser, scale: float):
        self.vae, self.denoiser, self.scale = vae.eval(), denoiser.eval(), scale
        self.text_encoder = denoiser.text_encoder
        self.device = next(denoiser.parameters()).device

    @torch.no_grad()
    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents -> pixels: undo the scale, then the VAE decoder paints."""
        return self.vae.decode(latents.to(self.device) / self.scale)

    @torch.no_grad()
    def eps(self, x: torch.Tensor, t: int, cond: torch.Tensor, empty: torch.Tensor, guidance: float,
            guide_fn: Callable = guided_eps):
        """Both noise guesses in one batch, combined by classifier-free guidance (`guide_fn`).
        With the package's own guided_eps and g = 0 or 1, only the one guess needed is run."""
        if guide_fn is guided_eps and guidance in (0.0, 1.0):
            tt = torch.full((len(x),), t, device=self.device)
            return self.denoiser(x, tt, empty if guidance == 0.0 else cond)
        tt = torch.full((2 * len(x),), t, device=self.device)
        e_cond, e_empty = self.denoiser(torch.cat([x, x]), tt, torch.cat([cond, empty])).chunk(2)
        return guide_fn(e_empty, e_cond, guidance)

    @torch.no_grad()
    def __call__(self, prompts: list[str], *, guidance: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                 seed: int = 0, keep: Iterable[int] | None = None, keep_x0: bool = False,
                 guide_fn: Callable = guided_eps, step_fn: Callable = ddim_step):
        """Text -> images. With `keep` (step numbers, 0 = the starting noise, `steps` = the end),
        return (images, {step: scaled latent}) for drawing the denoising walk; with `keep_x0`,
        the latents kept are the denoiser's guess of the clean result at that step instead.

        `guide_fn(eps_empty, eps_cond, g)` and `step_fn(x_t, eps, alpha_bar_t, alpha_bar_prev)`
        are the two formulas of each step (default: `guided_eps`, `ddim_step`); pass your own
        to see them draw."""
        if isinstance(prompts, str):
            raise TypeError(f"pass a list of prompts, e.g. pipe([{prompts!r}]), not a single string")
        if not 1 <= steps <= T:
            raise ValueError(f"steps must be between 1 and {T}, got {steps}")
        if not math.isfinite(guidance):
            raise ValueError(f"guidance must be a finite number, got {guidance}")
        cond = self.text_encoder(list(prompts))
        empty = self.text_encoder(torch.full((len(cond),), EMPTY, device=self.device))
        g = torch.Generator().manual_seed(seed)  # CPU noise: the same seed gives the same start anywhere
        x = torch.randn(len(cond), self.vae.latent_channels, 7, 7, generator=g).to(self.device)
        ab = alphas_bar(self.device)
        ts = ddim_timesteps(steps)
        keep = set(keep or ())
        kept = {0: torch.zeros_like(x) if keep_x0 else x.clone()} if 0 in keep else {}
        for i, t in enumerate(ts):
            e = self.eps(x, t, cond, empty, guidance, guide_fn)
            a, a_prev = ab[t], (ab[ts[i + 1]] if i + 1 < steps else torch.tensor(1.0, device=self.device))
            x0 = predict_x0(x, e, a) if keep_x0 and i + 1 in keep else None  # the clean latent the net sees now
            x_next = step_fn(x, e, a, a_prev)                                  # DDIM, eta = 0: no fresh noise
            if not (torch.is_tensor(x_next) and x_next.shape == x.shape):
                raise ValueError(f"step_fn must return a tensor shaped like x_t {tuple(x.shape)}, got "
                                 f"{tuple(x_next.shape) if torch.is_tensor(x_next) else type(x_next).__name__}")
            x = x_next
            if i + 1 in keep:
                kept[i + 1] = (x0 if keep_x0 else x).clone()
        images = self.decode(x).clamp(0, 1)
        return (images, kept) if keep else images


def load_pipeline(device: str | torch.device = "cpu") -> LatentDiffusionPipeline:
    """The bundled "mnist-latent-diffusion": conv VAE + denoiser (with its text encoder) + scale."""
    vae = load_checkpoint(WEIGHTS_DIR / "mnist-conv-vae.pt", model=ConvVAE, device=device)
    denoiser = load_checkpoint(WEIGHTS_DIR / "mnist-latent-denoiser.pt", model=Denoiser, device=device)
    return LatentDiffusionPipeline(vae, denoiser, denoiser.meta["latent_scale"])


@torch.no_grad()
def sample_digits(pipe: LatentDiffusionPipeline, per_digit: int = 100, batch: int = 500, **kwargs) -> torch.Tensor:
    """(10, per_digit, 1, 28, 28): `per_digit` generated images for each prompt "0" ... "9",
    in batches of `batch` prompts, batch number i seeded with seed i; `kwargs` go to the pipeline."""
    digits = torch.arange(10).repeat_interleave(per_digit)
    images = [pipe([str(d) for d in digits[i:i + batch].tolist()], seed=i, **kwargs).cpu()
              for i in range(0, len(digits), batch)]
    return torch.cat(images).reshape(10, per_digit, 1, 28, 28)


@torch.no_grad()
def digit_adherence(samples: torch.Tensor, judge: Classifier) -> torch.Tensor:
    """(10,) for samples shaped (10, n, ...) as `sample_digits` makes them: the fraction of row d
    that the judge reads as the digit d."""
    n = samples.shape[1]
    preds = judge.predict(samples.reshape(10 * n, 784).to(next(judge.parameters()).device)).cpu()
    return (preds.reshape(10, n) == torch.arange(10)[:, None]).float().mean(1)


@torch.no_grad()
def prompt_adherence(pipe: LatentDiffusionPipeline, judge: Classifier, per_digit: int = 100,
                     batch: int = 500, **kwargs) -> torch.Tensor:
    """For each digit 0-9: the fraction of `per_digit` generated images the judge calls that digit."""
    return digit_adherence(sample_digits(pipe, per_digit, batch, **kwargs), judge)


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """The mean Euclidean distance between two different images of the set (784 pixel values
    in [0, 1] each): how different the images are from one another, on average."""
    x = flatten_images(images.detach().cpu()).double()
    n = len(x)
    if n < 2:
        raise ValueError("need at least two images to measure how different they are")
    return (torch.cdist(x, x).sum() / (n * (n - 1))).item()


def diversity(samples: torch.Tensor, real_x: torch.Tensor, real_y: torch.Tensor) -> torch.Tensor:
    """(10,) sample diversity per digit, relative to real handwriting: for samples shaped
    (10, n, ...) (row d = images of the digit d, e.g. from `sample_digits`), the mean pairwise
    distance of row d divided by that of the first n real images of d in (real_x, real_y).

    1 = as varied as real digits of that kind; well below 1 = the samples look alike (as strong
    guidance makes them). The VAE's own reconstructions of the real images stay a little below
    1, because decoding smooths away some of the variety: a sampler that drew digits as varied
    as real ones would score about that. (Above it is not better: unguided scribbles score > 1.)"""
    n = samples.shape[1]
    real_x, real_y = real_x.detach().cpu(), real_y.detach().cpu()
    ratios = []
    for d in range(10):
        real = real_x[real_y == d][:n]
        if len(real) < n:
            raise ValueError(f"only {len(real)} real images of the digit {d}; need {n}")
        ratios.append(mean_pairwise_distance(samples[d]) / mean_pairwise_distance(real))
    return torch.tensor(ratios)
