"""A working mini latent diffusion model: Stable Diffusion's three parts, small enough to read.
Lesson 07 (notebooks/07_stable_diffusion.ipynb) teaches it.

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

One idea per module, in the order the pipeline runs:

    text.py       the prompt vocabulary and the text encoder              (Part 4)
    denoiser.py   the denoiser, conditioned on the timestep and the prompt (Part 5)
    schedule.py   the noise schedule, the DDPM loss and its training loop  (Part 5)
    sampler.py    guidance, one DDIM step, the sampling loop               (Part 6)
    conv_vae.py   the conv VAE's latents, their information and scale      (Parts 1, 3)
    pipeline.py   text -> latent -> picture, and its adherence / diversity (Parts 2, 6)

Everything is re-exported here: `from vae_lessons import diffusion; diffusion.Denoiser`.
"""

from .conv_vae import ConvVAE, encode_latents, kl_floor_step, kl_per_channel, latent_scale
from .denoiser import Denoiser, ResBlock, timestep_embedding, timestep_frequencies
from .pipeline import (LatentDiffusionPipeline, diversity, digit_adherence, mean_pairwise_distance,
                       prompt_adherence, repaint_error, sample_digits)
from .sampler import (DEFAULT_GUIDANCE, DEFAULT_STEPS, ddim_sample, ddim_step, guided_eps, noise_guess,
                      predict_x0)
from .schedule import T, alphas_bar, ddim_timesteps, ddpm_loss, time_training_step, train_denoiser
from .text import DIGITS, EMPTY, FILLER, NUMERALS_ZH, TextEncoder, prompt_to_id

__all__ = [
    "T", "DEFAULT_GUIDANCE", "DEFAULT_STEPS",
    "DIGITS", "FILLER", "EMPTY", "NUMERALS_ZH", "prompt_to_id", "TextEncoder",
    "timestep_frequencies", "timestep_embedding", "ResBlock", "Denoiser",
    "alphas_bar", "ddim_timesteps", "ddpm_loss", "train_denoiser", "time_training_step",
    "guided_eps", "predict_x0", "ddim_step", "noise_guess", "ddim_sample",
    "ConvVAE", "encode_latents", "kl_per_channel", "kl_floor_step", "latent_scale",
    "LatentDiffusionPipeline", "sample_digits", "digit_adherence", "prompt_adherence",
    "mean_pairwise_distance", "diversity", "repaint_error",
]
