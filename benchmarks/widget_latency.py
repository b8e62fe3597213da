"""How fast the lessons' widgets answer, in the kernel.

1. The latent lab (lesson 06) follows a slider: 200 moves through the full update path (slider
   value -> decode -> PNG bytes -> image widget, and the ||z|| meter), against a baseline
   measured in the same run: re-plotting the digit with matplotlib, as an Output-widget
   approach would. Target: median <= 2 ms.
2. The diffusion playground (lesson 07): one 25-step generation of one image, with the denoising
   walk and the latent heatmaps, per change of a control. Target: median <= 250 ms.

    python benchmarks/widget_latency.py [--moves 200] [--generations 20]
"""

import argparse
import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from vae_lessons.pretrained import load_pretrained  # noqa: E402
from vae_lessons.data import load_dataset  # noqa: E402
from vae_lessons.widgets import DiffusionPlayground, LatentExplorer  # noqa: E402


def time_moves(move, n: int) -> list[float]:
    """Milliseconds for each of n calls of move(i)."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        move(i)
        out.append((time.perf_counter() - start) * 1e3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--generations", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a laptop kernel shares its cores; one thread is the honest case
    model = load_pretrained("mnist-vae-20")
    images, labels = load_dataset("mnist", train=False)
    explorer = LatentExplorer(model, images[:2000], labels[:2000])
    values = torch.linspace(-3, 3, args.moves).tolist()

    def slider_move(i: int) -> None:
        explorer.sliders[i % 20].value = values[i]

    def matplotlib_move(i: int) -> None:
        z = explorer.z.unsqueeze(0)
        z[0, i % 20] = values[i]
        with torch.no_grad():
            img = model.decode(z).reshape(28, 28)
        fig, ax = plt.subplots(figsize=(3.5, 3.5))
        ax.imshow(img, cmap="gray")
        ax.axis("off")
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)

    time_moves(slider_move, 20), time_moves(matplotlib_move, 5)  # warm up
    ours = time_moves(slider_move, args.moves)
    base = time_moves(matplotlib_move, args.moves)
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1]  # noqa: E731
    print(f"{args.moves} slider moves, 1 thread     median ms   p90 ms")
    print(f"latent explorer (PNG bytes)      {statistics.median(ours):9.2f} {q(ours, 90):8.2f}")
    print(f"matplotlib re-plot (baseline)    {statistics.median(base):9.2f} {q(base, 90):8.2f}")
    print(f"ratio explorer / baseline: {statistics.median(ours) / statistics.median(base):.3f}")

    play = DiffusionPlayground(load_pretrained("mnist-latent-diffusion"), steps=25)
    seeds = iter(range(1, 10_000))
    generation = time_moves(lambda i: setattr(play.seed, "value", next(seeds)), args.generations)
    print(f"playground: one 25-step generation (result + walk + heatmaps), 1 thread, "
          f"{args.generations} runs: median {statistics.median(generation):.0f} ms, "
          f"max {max(generation):.0f} ms")


if __name__ == "__main__":
    main()
