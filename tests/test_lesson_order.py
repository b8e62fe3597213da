"""Any lesson order: a learner may open lesson 06 before 05, run 05, then come back to 06, all in
one runtime. Run as a new learner would (fast mode, a fresh home directory, so no model from
an earlier run): every cell runs and every claim holds, each time."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def run_lesson(name: str) -> str:
    """Execute notebooks/<name>.ipynb on a fresh kernel; return everything it printed."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))


def test_lessons_06_then_05_then_06_in_one_fresh_home(tmp_path, monkeypatch):
    if not os.environ.get("VAE_LESSONS_DATA"):
        pytest.skip("needs the data on disk (VAE_LESSONS_DATA)")
    monkeypatch.setenv("MPLCONFIGDIR", os.environ.get("MPLCONFIGDIR") or str(Path.home() / ".config" / "matplotlib"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("VAE_LESSONS_FAST", "1")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    first, _, again = (run_lesson(name) for name in ("06_latent_sampling", "05_training", "06_latent_sampling"))
    for printed in (first, again):
        assert "✓" in printed and "✗" not in printed, [l for l in printed.splitlines() if "✗" in l]
        assert "no checkpoint from lesson 05" in printed  # fast mode saves nothing: the bundled model, said so
    assert not any(tmp_path.rglob("*.pt"))  # nothing written where the learner did not ask
