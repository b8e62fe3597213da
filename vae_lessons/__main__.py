"""Command line: `python -m vae_lessons train ...` trains the classic VAE and saves a checkpoint;
`python -m vae_lessons export-web --out web` writes the classroom page's weights (web/weights.js)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from .checkpoints import save_checkpoint
from .data import DATASETS, DataNotFoundError, load_dataset
from .models import VAE
from .training import LR_SCHEDULES, pick_device, seed_everything, train


def why_not_writable(out: Path) -> str | None:
    """Why the checkpoint `out` could not be written, or None if it can: checked before
    training, so a typo in --out costs no training time."""
    if out.is_dir():
        return f"{out} is a folder; give a file name, such as {out / 'vae.pt'}"
    existing = out.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the folders save_checkpoint would create
    if not existing.is_dir():
        return f"cannot write {out}: {existing} is a file, not a folder"
    if existing != out.parent:
        if not os.access(existing, os.W_OK | os.X_OK):
            return f"cannot write {out}: no permission to create folders in {existing}"
        return None
    try:  # the real test: make (and remove) a file where the checkpoint will go
        fd, probe = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"cannot write {out}: {e.strerror or e}"
    return None


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m vae_lessons", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    t = commands.add_parser("train", help="train the classic VAE and save a checkpoint")
    t.add_argument("--epochs", type=positive_int, default=10)
    t.add_argument("--batch-size", type=positive_int, default=128)
    t.add_argument("--lr", type=positive_float, default=1e-3)
    t.add_argument("--lr-schedule", choices=LR_SCHEDULES, default="constant",
                   help="cosine: lower the learning rate epoch by epoch from --lr towards 0")
    t.add_argument("--latent-dim", type=positive_int, default=20)
    t.add_argument("--hidden-dim", type=positive_int, default=256)
    t.add_argument("--beta", type=float, default=1.0, help="weight of the KL term (1 = classic)")
    t.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    t.add_argument("--out", required=True, help="checkpoint file to write")
    t.add_argument("--data", default=None, help="data root (default: $VAE_LESSONS_DATA, then the cache)")
    t.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    t.add_argument("--subset", type=positive_int, default=None, help="train on the first N images only")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--half", action="store_true", help="store float16 weights (half the size)")
    w = commands.add_parser("export-web", help="write the classroom page's weights (web/weights.js)")
    w.add_argument("--out", default="web", help="the page's folder (default: web)")
    w.add_argument("--data", default=None, help="data root (default: $VAE_LESSONS_DATA, then the cache); "
                   "the KL order of the sliders is measured on MNIST test digits")
    return parser


def export_web_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`export-web`: check --out first (one clear line if it cannot be written), then export."""
    from .web import FILE_NAME, export_web  # only this command needs it

    out = Path(args.out)
    problem = why_not_writable(out / FILE_NAME)
    if problem:
        parser.exit(2, f"error: --out: {problem}\n")
    try:
        path = export_web(out, data_root=args.data)
    except (DataNotFoundError, ValueError) as e:  # missing, or a damaged data file
        parser.exit(2, f"error: {e}\n")
    except OSError as e:  # the folder went away or filled up while writing
        print(f"error: could not write {out / FILE_NAME}: {e.strerror or e}", file=sys.stderr)
        return 1
    page = out / "index.html"
    hint = f"open {page} in a browser" if page.is_file() else "put it beside the page's files (the repository's web/)"
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB); {hint}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export-web":
        return export_web_command(parser, args)
    try:
        device = pick_device(args.device)
    except ValueError as e:
        parser.exit(2, f"error: --device: {e}\n")
    problem = why_not_writable(Path(args.out))
    if problem:
        parser.exit(2, f"error: --out: {problem}\n")
    try:
        train_x, _ = load_dataset(args.dataset, train=True, root=args.data)
        test_x, _ = load_dataset(args.dataset, train=False, root=args.data)
    except (DataNotFoundError, ValueError) as e:  # missing, or a damaged file
        parser.exit(2, f"error: {e}\n")
    if args.subset:
        train_x = train_x[:args.subset]
    seed_everything(args.seed)  # before the model exists: the seed fixes its starting weights too
    model = VAE(hidden_dim=args.hidden_dim, latent_dim=args.latent_dim)
    print(f"training VAE({args.hidden_dim}, {args.latent_dim}) on {len(train_x)} {args.dataset} "
          f"images, device {device}", flush=True)
    start = time.perf_counter()

    def report(epoch, model, history):
        print(f"epoch {epoch:3d}  train loss {history['train_loss'][-1]:8.3f}  "
              f"test loss {history['test_loss'][-1]:8.3f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)

    history = train(model, train_x, test_x, epochs=args.epochs, batch_size=args.batch_size,
                    lr=args.lr, lr_schedule=args.lr_schedule, beta=args.beta, seed=args.seed,
                    device=device, callback=report, progress=False)
    test_loss = history["test_loss"][-1]
    try:
        save_checkpoint(model, args.out, half=args.half, dataset=args.dataset, epochs=args.epochs,
                        batch_size=args.batch_size, lr=args.lr, lr_schedule=args.lr_schedule,
                        beta=args.beta, seed=args.seed, train_images=len(train_x),
                        test_loss=test_loss)
    except OSError as e:  # the folder went away or filled up while training
        print(f"error: could not save the checkpoint to {args.out}: {e.strerror or e}",
              file=sys.stderr)
        return 1
    print(f"saved {args.out}  (test loss {test_loss:.3f})")
    return 0


def exit_now(code: int) -> None:
    """Leave at once. The checkpoint is on disk (fsynced) and the output is flushed; what a
    normal exit would add is the interpreter tearing down torch's thousands of objects, which
    took 2 to 3 seconds on a busy 2-core machine and does nothing for the user."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        code = main()
    except SystemExit as e:  # argparse's errors and --help, their message already printed
        code = 0 if e.code is None else e.code
        if not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    exit_now(code)
