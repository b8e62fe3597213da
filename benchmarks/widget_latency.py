"""How fast the lessons' widgets answer, in the kernel, on a quiet machine and beside a busy one.

Two interactive paths, each timed with the widgets' own thread setting (one torch thread,
`widgets.core.INTERACTIVE_THREADS = 1`) and with torch's default threads, first on a quiet machine,
then while another process keeps one core busy (a learner's browser, a shared Colab VM):

1. the latent lab (lesson 06) following a slider: value -> decode -> PNG bytes -> image widget
   and the ||z|| meter; against a baseline measured in the same run: re-plotting the digit with
   matplotlib, as an Output-widget approach would;
2. the diffusion playground (lesson 07): one 25-step generation (result, walk and heatmaps)
   per change of a control.

    python benchmarks/widget_latency.py [--moves 200] [--generations 20]
"""

import argparse
import io
import multiprocessing
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from vae_lessons import widgets  # noqa: E402
from vae_lessons.data import load_dataset  # noqa: E402
from vae_lessons.pretrained import load_pretrained  # noqa: E402


def time_moves(move, n: int) -> list[float]:
    """Milliseconds for each of n calls of move(i)."""
    out = []
    for i in range(n):
        start = time.perf_counter()
        move(i)
        out.append((time.perf_counter() - start) * 1e3)
    return out


def spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--generations", type=int, default=20)
    args = parser.parse_args()
    model = load_pretrained("mnist-vae-20")
    images, labels = load_dataset("mnist", train=False)
    lab = widgets.LatentExplorer(model, images[:2000], labels[:2000])
    play = widgets.DiffusionPlayground(load_pretrained("mnist-latent-diffusion"), steps=25)
    values, seeds = torch.linspace(-3, 3, args.moves).tolist(), iter(range(1, 1_000_000))

    def slider_move(i: int) -> None:
        lab.sliders[i % 20].value = values[i % len(values)]

    def matplotlib_move(i: int) -> None:
        z = lab.z.unsqueeze(0)
        z[0, i % 20] = values[i % len(values)]
        with torch.no_grad():
            img = model.decode(z).reshape(28, 28)
        fig, ax = plt.subplots(figsize=(3.5, 3.5))
        ax.imshow(img, cmap="gray")
        ax.axis("off")
        fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)

    def generation(_: int) -> None:
        play.seed.value = next(seeds)

    default = torch.get_num_threads()
    print(f"medians in ms; torch's default: {default} threads on {multiprocessing.cpu_count()} cores")
    print(f"{'machine':14s} {'threads':>9s} {'slider':>8s} {'playground':>11s}")
    results = {}
    for load in ("quiet", "1 core busy"):
        busy = multiprocessing.Process(target=spin, daemon=True) if load != "quiet" else None
        if busy:
            busy.start()
            time.sleep(0.5)
        for threads in (1, None):
            widgets.core.INTERACTIVE_THREADS = threads
            time_moves(slider_move, 20), time_moves(generation, 2)  # warm up
            slider = statistics.median(time_moves(slider_move, args.moves))
            play_ms = statistics.median(time_moves(generation, args.generations))
            results[load, threads] = slider, play_ms
            print(f"{load:14s} {threads or default:>9d} {slider:8.2f} {play_ms:11.1f}")
        if load == "quiet":
            widgets.core.INTERACTIVE_THREADS = 1
            base = statistics.median(time_moves(matplotlib_move, args.moves))
            print(f"baseline: matplotlib re-plot per slider move {base:.2f} ms; "
                  f"lab / baseline = {results['quiet', 1][0] / base:.3f}")
        if busy:
            busy.terminate()
    for load in ("quiet", "1 core busy"):
        (s1, p1), (sd, pd) = results[load, 1], results[load, None]
        print(f"{load}: default threads / one thread = {sd / s1:.2f}x (slider), {pd / p1:.2f}x (playground)")


if __name__ == "__main__":
    main()
