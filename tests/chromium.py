"""Headless Chromium for the real-browser tests (tests/test_browser.py, tests/test_web.py).

Debian's build, driven by Playwright, with background networking off. Without it the browser
tests are skipped, unless VAE_LESSONS_BROWSER=1 (as in CI) makes a missing browser a failure.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import PIL.Image
import pytest
import torch

CHROMIUM = os.environ.get("VAE_LESSONS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("VAE_LESSONS_BROWSER") == "1"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
         "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter"]


def require_chromium() -> None:
    """Skip the calling test (fail it under VAE_LESSONS_BROWSER=1) when there is no browser."""
    try:
        import playwright.sync_api  # noqa: F401
        reason = None if Path(CHROMIUM).is_file() else (
            f"no Chromium at {CHROMIUM} (apt install chromium, or set VAE_LESSONS_CHROMIUM)")
    except ImportError:
        reason = "playwright is not installed"
    if reason:
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)


def launch(playwright):
    """A headless Chromium browser with the flags above."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


def pixels(png: bytes) -> torch.Tensor:
    """PNG bytes -> (H, W) grey levels as floats."""
    img = PIL.Image.open(io.BytesIO(png)).convert("L")
    return torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).float().reshape(img.height, img.width)
