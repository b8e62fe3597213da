"""How fast the latent explorer follows a slider: 200 moves through the full update path
(slider value -> decode -> PNG bytes -> image widget), against a baseline measured in the same
run: re-plotting the digit with matplotlib and saving the figure, as an Output-widget approach would.

    python benchmarks/widget_latency.py [--moves 200]
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
from vae_lessons.widgets import LatentExplorer  # noqa: E402


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
    args = parser.parse_args()
    torch.set_num_threads(1)  # a laptop kernel shares its cores; one thread is the honest case
    model = load_pretrained("mnist-vae-20")
    explorer = LatentExplorer(model)
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


if __name__ == "__main__":
    main()
