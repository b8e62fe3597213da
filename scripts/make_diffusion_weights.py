"""Re-make lesson 07's bundled weights with the package's own code, on the full MNIST training set.

    python scripts/make_diffusion_weights.py --stages vae,denoiser   # the bundled recipe (below)
    python scripts/make_diffusion_weights.py --stages denoiser       # only the denoiser (reuses the VAE)
    python scripts/make_diffusion_weights.py --stages none           # only measure the bundled files
    python scripts/make_diffusion_weights.py                         # also re-train the judge

Writes, in vae_lessons/weights/ (float16; training settings and measured figures in the meta):
  mnist-classifier.pt       the judge for prompt adherence (models.Classifier)
  mnist-conv-vae.pt         the spatial-latent VAE, 1x28x28 -> 4x7x7 (models.ConvVAE)
  mnist-latent-denoiser.pt  the denoiser + text encoder (diffusion.Denoiser), with the latent scale
and prints the figures the model card quotes (per-channel KL, prompt adherence, diversity, the
guidance table), also stored in the denoiser's meta.

The recipe of the bundled files (all defaults below), single-threaded (--threads 1), seed 0:
  conv VAE  4 epochs, Adam 1e-3, batch 128, KL weight beta 0.1 with a floor of 10 nats per
            latent channel ("free bits": no channel is switched off to save KL);
  denoiser  12,000 steps of 128 scaled latents, AdamW 2e-3 with cosine decay, EMA 0.999,
            prompt dropped 10% of the time (classifier-free guidance).
Budget: the bundled files took 57 min wall time on a shared 2-core CPU with ~8 other jobs running
(VAE 11.4 min, denoiser 42.6 min, measuring 3 min); on a quiet one expect about half, on a GPU a
few minutes. The default guidance (diffusion.DEFAULT_GUIDANCE = 2.5) was chosen from the guidance
table this script prints.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from vae_lessons import diffusion as D
from vae_lessons.checkpoints import WEIGHTS_DIR, load_checkpoint, read_checkpoint, save_checkpoint
from vae_lessons.data import load_dataset
from vae_lessons.models import Classifier, ConvVAE, flatten_images
from vae_lessons.training import evaluate, pick_device, seed_everything, train

GUIDANCE_TABLE = (0.0, 1.0, 2.0, 3.0, 4.0, 7.0)  # the model card's table (the lesson draws 0, 1, 2, 4, 7)

START = time.perf_counter()


def say(text: str) -> None:
    print(f"[{time.perf_counter() - START:7.1f} s] {text}", flush=True)


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


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stages", default="classifier,vae,denoiser", help="comma-separated, or none")
    p.add_argument("--classifier-epochs", type=int, default=3)
    p.add_argument("--vae-epochs", type=int, default=4)
    p.add_argument("--vae-beta", type=float, default=0.1, help="KL weight (small, as in SD's VAE)")
    p.add_argument("--vae-free-nats", type=float, default=10.0,
                   help="KL floor per latent channel (nats per image): below it, KL is free")
    p.add_argument("--denoiser-steps", type=int, default=12000)
    p.add_argument("--denoiser-lr", type=float, default=2e-3)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--p-uncond", type=float, default=0.1, help="how often the prompt is dropped")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--per-digit", type=int, default=100, help="samples per digit for adherence and diversity")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (the bundled files: 1)")
    p.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", type=int, default=None, help="train on the first N images (a quick check)")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
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
        judge = train_classifier(Classifier(), train_x, train_y, epochs=args.classifier_epochs,
                                 batch_size=args.batch_size, lr=3e-3, seed=args.seed)
        acc = (judge.predict(test_x) == test_y).float().mean().item()
        save_checkpoint(judge, files["classifier"], half=True, **common, epochs=args.classifier_epochs,
                        lr=3e-3, test_accuracy=acc)
        say(f"classifier test accuracy: {100 * acc:.2f}%")

    if "vae" in stages:
        say(f"training the conv VAE, {args.vae_epochs} epochs, beta {args.vae_beta}, "
            f"KL floor {args.vae_free_nats} nats per channel")
        seed_everything(args.seed)
        vae = ConvVAE()

        def progress(epoch, model, history):
            kl = D.kl_per_channel(model, test_x[:2000])
            say(f"  epoch {epoch}: train BCE {history['train_bce'][-1]:.1f}, KL {history['train_kl'][-1]:.1f}; "
                f"test KL per channel {[round(v, 1) for v in kl.tolist()]}")

        train(vae, train_x, epochs=args.vae_epochs, batch_size=args.batch_size, beta=args.vae_beta,
              seed=args.seed, progress=False, step_fn=D.kl_floor_step(args.vae_free_nats), callback=progress)
        scale = D.latent_scale(D.encode_latents(vae, train_x))
        save_checkpoint(vae, files["conv-vae"], half=True, **common, epochs=args.vae_epochs, lr=1e-3,
                        beta=args.vae_beta, free_nats_per_channel=args.vae_free_nats,
                        test_bce=evaluate(vae, test_x, beta=0.0),
                        test_kl_per_channel=D.kl_per_channel(vae, test_x).tolist(),
                        latent_std=1 / scale, latent_scale=scale)
        say("conv VAE saved")

    if "denoiser" in stages:
        vae = load_checkpoint(files["conv-vae"], model=ConvVAE)
        latents = D.encode_latents(vae, train_x)
        scale = D.latent_scale(latents)  # measured on the weights as stored (float16)
        settings = {"lr": args.denoiser_lr, "ema_decay": args.ema_decay, "p_uncond": args.p_uncond}
        say(f"training the denoiser, {args.denoiser_steps} steps of {args.batch_size}, {settings}")
        seed_everything(args.seed)
        den = D.Denoiser()
        D.train_denoiser(den, latents * scale, train_y, steps=args.denoiser_steps, batch_size=args.batch_size,
                         **settings, seed=args.seed,
                         callback=lambda step, loss: say(f"  step {step:5d}  loss {loss:.4f}"))
        save_checkpoint(den, files["latent-denoiser"], half=True, **common, steps=args.denoiser_steps,
                        **settings, T=D.T, latent_scale=scale,
                        guidance=D.DEFAULT_GUIDANCE, ddim_steps=D.DEFAULT_STEPS)
        say("denoiser saved")

    if all(f.is_file() for f in files.values()):
        report(files, test_x, test_y, args.per_digit)


def report(files: dict[str, Path], test_x, test_y, per_digit: int) -> None:
    """The figures the model card quotes, measured on the files as saved (float16), and stored
    in the denoiser's meta."""
    judge = load_checkpoint(files["classifier"], model=Classifier)
    vae = load_checkpoint(files["conv-vae"], model=ConvVAE)
    den = load_checkpoint(files["latent-denoiser"], model=D.Denoiser)
    say(f"classifier test accuracy: {100 * (judge.predict(test_x) == test_y).float().mean():.2f}%")
    scale = den.meta["latent_scale"]
    test_std = (D.encode_latents(vae, test_x) * scale).std().item()
    kl = D.kl_per_channel(vae, test_x)
    say(f"conv VAE test reconstruction (BCE per image): {evaluate(vae, test_x, beta=0.0):.1f}; latent std "
        f"{1 / scale:.3f} -> scale factor {scale:.4f} (SD's: 0.18215); scaled test latents std {test_std:.3f}")
    say(f"conv VAE test KL per channel (nats per image): {[round(v, 2) for v in kl.tolist()]}, total {kl.sum():.1f}")
    real = torch.stack([test_x[test_y == d][:per_digit] for d in range(10)])  # (10, n, 784)
    with torch.no_grad():
        recon = vae.decode(vae.encode(real.reshape(-1, 784))[0]).reshape(10, per_digit, 1, 28, 28)
    recon_div = D.diversity(recon, test_x, test_y).mean().item()
    say(f"diversity of the VAE's reconstructions of real digits (the reference level): {recon_div:.3f}")

    pipe = D.LatentDiffusionPipeline(vae, den, scale)
    say(f"prompt adherence, {per_digit} samples per digit, guidance {D.DEFAULT_GUIDANCE}, "
        f"{D.DEFAULT_STEPS} DDIM steps")
    table = {}
    for g in sorted(set(GUIDANCE_TABLE) | {D.DEFAULT_GUIDANCE}):
        samples = D.sample_digits(pipe, per_digit, guidance=g)
        adherence, div = D.digit_adherence(samples, judge), D.diversity(samples, test_x, test_y)
        table[g] = {"adherence": adherence.mean().item(), "lowest_digit": int(adherence.argmin()),
                    "lowest": adherence.min().item(), "diversity": div.mean().item()}
        say(f"  guidance {g:4.1f}: adherence {100 * adherence.mean():5.1f}% (lowest: digit {adherence.argmin()} "
            f"{100 * adherence.min():.0f}%), diversity {div.mean():.3f}")
        if g == D.DEFAULT_GUIDANCE:
            say("    per digit: " + "  ".join(f"{d}: {100 * f:.0f}%" for d, f in enumerate(adherence.tolist())))
            say("    diversity per digit: " + "  ".join(f"{d}: {v:.2f}" for d, v in enumerate(div.tolist())))
    default = table[D.DEFAULT_GUIDANCE]
    meta = read_checkpoint(files["latent-denoiser"])["meta"]
    meta.pop("version", None)
    meta.update(guidance=D.DEFAULT_GUIDANCE, ddim_steps=D.DEFAULT_STEPS, prompt_adherence=default["adherence"],
                adherence_per_digit=per_digit, diversity=default["diversity"], recon_diversity=recon_div,
                guidance_table={f"{g:g}": v for g, v in table.items()})
    save_checkpoint(den, files["latent-denoiser"], half=True, **meta)
    say(f"figures stored in {files['latent-denoiser'].name}'s meta")
    for f in files.values():
        say(f"{f.name}: {f.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
