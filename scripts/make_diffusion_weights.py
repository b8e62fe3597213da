"""Re-make lesson 07's bundled weights with the package's own code, on the full MNIST training set.

    python scripts/make_diffusion_weights.py                     # all three, then the figures
    python scripts/make_diffusion_weights.py --stages denoiser   # only the denoiser (reuses the VAE)
    python scripts/make_diffusion_weights.py --stages none       # only measure the bundled files

Writes, in vae_lessons/weights/ (float16; training settings and measured figures in the meta):
  mnist-classifier.pt       the referee for prompt adherence (models.Classifier)
  mnist-conv-vae.pt         the spatial-latent VAE, 1x28x28 -> 4x7x7 (models.ConvVAE)
  mnist-latent-denoiser.pt  the denoiser + text encoder (diffusion.Denoiser), with the latent scale
and prints the figures the model card quotes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from vae_lessons import diffusion as D
from vae_lessons.checkpoints import WEIGHTS_DIR, load_checkpoint, save_checkpoint
from vae_lessons.data import load_dataset
from vae_lessons.models import Classifier, ConvVAE
from vae_lessons.training import evaluate, seed_everything, train

DENOISER = {"lr": 2e-3, "ema_decay": 0.995, "p_uncond": 0.1}  # train_denoiser's settings, also stored in meta

START = time.perf_counter()


def say(text: str) -> None:
    print(f"[{time.perf_counter() - START:6.1f} s] {text}", flush=True)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stages", default="classifier,vae,denoiser", help="comma-separated, or none")
    p.add_argument("--classifier-epochs", type=int, default=3)
    p.add_argument("--vae-epochs", type=int, default=3)
    p.add_argument("--vae-beta", type=float, default=0.1, help="KL weight (small, as in SD's VAE)")
    p.add_argument("--denoiser-steps", type=int, default=6000)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--per-digit", type=int, default=100, help="samples per digit for prompt adherence")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", type=int, default=None, help="train on the first N images (a quick check)")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    stages = set(args.stages.split(","))
    train_x, train_y = load_dataset("mnist", train=True)
    test_x, test_y = load_dataset("mnist", train=False)
    train_x, train_y = train_x[:args.subset], train_y[:args.subset]
    common = {"dataset": "mnist", "train_images": len(train_x), "seed": args.seed,
              "batch_size": args.batch_size, "made_by": "scripts/make_diffusion_weights.py"}
    files = {k: args.out / f"mnist-{k}.pt" for k in ("classifier", "conv-vae", "latent-denoiser")}

    if "classifier" in stages:
        say(f"training the classifier, {args.classifier_epochs} epochs")
        seed_everything(args.seed)  # fixes the starting weights too
        judge = D.train_classifier(Classifier(), train_x, train_y, epochs=args.classifier_epochs,
                                   batch_size=args.batch_size, lr=3e-3, seed=args.seed)
        acc = (judge.predict(test_x) == test_y).float().mean().item()
        save_checkpoint(judge, files["classifier"], half=True, **common, epochs=args.classifier_epochs,
                        lr=3e-3, test_accuracy=acc)
        say(f"classifier test accuracy: {100 * acc:.2f}%")

    if "vae" in stages:
        say(f"training the conv VAE, {args.vae_epochs} epochs, beta {args.vae_beta}")
        seed_everything(args.seed)
        vae = ConvVAE()
        train(vae, train_x, epochs=args.vae_epochs, batch_size=args.batch_size, beta=args.vae_beta,
              seed=args.seed, progress=False)
        scale = D.latent_scale(D.encode_latents(vae, train_x))
        save_checkpoint(vae, files["conv-vae"], half=True, **common, epochs=args.vae_epochs, lr=1e-3,
                        beta=args.vae_beta, test_bce=evaluate(vae, test_x, beta=0.0),
                        latent_std=1 / scale, latent_scale=scale)

    if "denoiser" in stages:
        vae = load_checkpoint(files["conv-vae"], model=ConvVAE)
        latents = D.encode_latents(vae, train_x)
        scale = D.latent_scale(latents)  # measured on the weights as stored (float16)
        say(f"training the denoiser, {args.denoiser_steps} steps of {args.batch_size}")
        seed_everything(args.seed)
        den = D.Denoiser()
        D.train_denoiser(den, latents * scale, train_y, steps=args.denoiser_steps, batch_size=args.batch_size, **DENOISER,
                         seed=args.seed, callback=lambda step, loss: say(f"  step {step:5d}  loss {loss:.4f}"))
        save_checkpoint(den, files["latent-denoiser"], half=True, **common, steps=args.denoiser_steps,
                        **DENOISER, T=D.T, latent_scale=scale,
                        guidance=D.DEFAULT_GUIDANCE, ddim_steps=D.DEFAULT_STEPS)

    if all(f.is_file() for f in files.values()):
        report(files, test_x, test_y, args.per_digit)


def report(files: dict[str, Path], test_x, test_y, per_digit: int) -> None:
    """The figures the model card quotes, measured on the files as saved (float16)."""
    judge = load_checkpoint(files["classifier"], model=Classifier)
    vae = load_checkpoint(files["conv-vae"], model=ConvVAE)
    den = load_checkpoint(files["latent-denoiser"], model=D.Denoiser)
    say(f"classifier test accuracy: {100 * (judge.predict(test_x) == test_y).float().mean():.2f}%")
    scale = den.meta["latent_scale"]
    test_std = (D.encode_latents(vae, test_x) * scale).std().item()
    say(f"conv VAE test reconstruction (BCE per image): {evaluate(vae, test_x, beta=0.0):.1f}; latent std "
        f"{1 / scale:.3f} -> scale factor {scale:.4f} (SD's: 0.18215); scaled test latents std {test_std:.3f}")
    pipe = D.LatentDiffusionPipeline(vae, den, scale)
    say(f"prompt adherence, {per_digit} samples per digit, guidance {D.DEFAULT_GUIDANCE}, "
        f"{D.DEFAULT_STEPS} DDIM steps")
    adherence = D.prompt_adherence(pipe, judge, per_digit=per_digit)
    say("  per digit: " + "  ".join(f"{d}: {100 * f:.0f}%" for d, f in enumerate(adherence.tolist())))
    say(f"  overall: {100 * adherence.mean():.1f}%")
    for f in files.values():
        say(f"{f.name}: {f.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
