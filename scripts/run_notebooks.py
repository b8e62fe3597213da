"""Execute lesson notebooks top to bottom on a fresh kernel and save them with their outputs.

    python scripts/run_notebooks.py                 # every lesson, both editions, full settings (what we commit)
    python scripts/run_notebooks.py 05 zh/05        # lesson 05, English and Chinese
    python scripts/run_notebooks.py 05 06 --fast    # some lessons, fast mode (a quick check)

Committed notebooks carry outputs from a full run, so GitHub and Colab show the figures before
anyone runs a cell. Each run prints the wall time per lesson (the README's "Teaching with it"
table comes from here). Notebooks are written only when every requested lesson ran without
error (a false `claim(...)` is an error in full mode): then atomically, all together. Progress
bars are off (TQDM_DISABLE), so no half-drawn bar is saved.

Each run starts from a fresh learner's cache (a temporary XDG_CACHE_HOME) and runs the lessons in
order, as a learner would: lesson 06 uses the model lesson 05 saved in this same run, so the
committed outputs of 05 ("saved; lesson 06 will use this model") and 06 tell one story.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import matplotlib
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from vae_lessons.data import cache_dir

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MACHINE_PATH = re.compile(r"(/work/|/root/|/home/[^/\s]+/|/tmp/|\.\./shared)")


def run(path: Path, fast: bool, timeout: int) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(path, as_version=4)
    env_fast = os.environ.pop("VAE_LESSONS_FAST", None)
    if fast:
        os.environ["VAE_LESSONS_FAST"] = "1"
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.pop("VAE_LESSONS_FAST", None)
        if env_fast is not None:
            os.environ["VAE_LESSONS_FAST"] = env_fast
    seconds = time.perf_counter() - start
    leaked = {m for cell in nb.cells for out in cell.get("outputs", [])
              for m in MACHINE_PATH.findall(str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", "")))}
    if leaked:
        raise SystemExit(f"{path.name}: outputs show machine paths {sorted(leaked)}; print no paths")
    return nb, seconds


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names, zh/NN for the Chinese edition (default: all)")
    parser.add_argument("--fast", action="store_true", help="VAE_LESSONS_FAST=1 (do not commit these outputs)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    args = parser.parse_args()
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(NOTEBOOKS.glob("zh/[0-9][0-9]_*.ipynb"))
    if args.lessons:
        paths = [p for p in paths if any(str(p.relative_to(NOTEBOOKS)).startswith(l) for l in args.lessons)]
    if not paths:
        parser.error("no matching notebooks")
    os.environ["TQDM_DISABLE"] = "1"
    os.environ.setdefault("VAE_LESSONS_DATA", str(cache_dir()))  # the data stays where it is
    os.environ.setdefault("MPLCONFIGDIR", matplotlib.get_cachedir())  # and matplotlib's font cache
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="vae-lessons-cache-")  # no earlier models
    done = []
    for path in paths:
        try:
            nb, seconds = run(path, args.fast, args.timeout)
        except CellExecutionError as e:
            print(f"{path.name}: failed, nothing written\n{e}", file=sys.stderr)
            return 1
        print(f"{str(path.relative_to(NOTEBOOKS)):40s} {seconds:7.1f} s", flush=True)
        done.append((nb, path))
    for nb, path in done:
        write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
