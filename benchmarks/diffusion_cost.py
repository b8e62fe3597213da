"""Side by side, in one run: a denoiser training step in pixel space against latent space.

The same denoiser family (`diffusion.Denoiser`, same width and depth, so nearly the same number
of weights) trains on 1x28x28 pixels or on the conv VAE's 4x7x7 latents. A conv net pays for
every position it looks at, so 784 positions cost about 16x what 49 do. Measurements alternate
(pixel, latent, pixel, ...) so that machine noise hits both; medians are reported.

    python benchmarks/diffusion_cost.py [--batch-size 128] [--rounds 3] [--device cpu] [--threads 1]

On a busy shared CPU, `--threads 1` gives steadier numbers: with two threads fighting other
jobs, thread synchronisation dominates the (tiny) latent step and shrinks the measured ratio.

Caveats (lesson 07, Part 7): the flat pixel-space net sees only a 17x17 window (its receptive
field), less than a digit, and a working pixel-space model would downsample inside (a U-Net),
which narrows the gap; the VAE's own cost (printed last) is not in the step times; attention
layers, which this net has none of, cost the square of the number of positions. A size ratio
(numbers per image) is not a compute ratio.
"""

import argparse
import statistics
import time

import torch

from vae_lessons.diffusion import Denoiser, time_training_step
from vae_lessons.pretrained import load_pretrained
from vae_lessons.training import pick_device


def _timed(job) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    torch.manual_seed(0)
    spaces = {"pixel 1x28x28": (Denoiser(in_channels=1), (1, 28, 28)),
              "latent 4x7x7": (Denoiser(in_channels=4), (4, 7, 7))}
    times = {name: [] for name in spaces}
    for _ in range(args.rounds):
        for name, (model, shape) in spaces.items():
            x0 = torch.randn(args.batch_size, *shape, device=device)
            times[name].append(time_training_step(model.to(device), x0, repeats=5))
    print(f"DDPM training step, batch {args.batch_size}, device {device.type} ({torch.get_num_threads()} threads), median of {args.rounds} rounds x 5")
    print(f"{'':16s} {'numbers/image':>14s} {'weights':>9s} {'ms/step':>9s}")
    for name, (model, shape) in spaces.items():
        n = shape[0] * shape[1] * shape[2]
        weights = sum(p.numel() for p in model.parameters())
        print(f"{name:16s} {n:14d} {weights:9d} {1000 * statistics.median(times[name]):9.1f}")
    ratio = statistics.median(times["pixel 1x28x28"]) / statistics.median(times["latent 4x7x7"])
    print(f"latent space is {ratio:.1f}x cheaper per training step (pixel / latent, same run)")
    convs = sum(1 for m in spaces["pixel 1x28x28"][0].modules() if isinstance(m, torch.nn.Conv2d))
    print(f"receptive field of both nets: {1 + 2 * convs}x{1 + 2 * convs} positions (pixels or latent pixels)")
    vae = load_pretrained("mnist-latent-diffusion", device=device).vae
    x = torch.rand(args.batch_size, 784, device=device)
    with torch.no_grad():
        z = vae.encode(x)[0]
        enc = statistics.median(_timed(lambda: vae.encode(x)) for _ in range(args.rounds))
        dec = statistics.median(_timed(lambda: vae.decode(z)) for _ in range(args.rounds))
    print(f"the VAE's own cost per batch: encode {1000 * enc:.1f} ms, decode {1000 * dec:.1f} ms (not in the step times)")
    print(f"Stable Diffusion: 3x512x512 = {3 * 512 * 512:,} numbers vs 4x64x64 = {4 * 64 * 64:,}: "
          f"{3 * 512 * 512 / (4 * 64 * 64):.0f}x fewer, {512 * 512 // (64 * 64)}x fewer positions")


if __name__ == "__main__":
    main()
