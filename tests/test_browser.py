"""Lesson 06's latent explorer in a real browser: JupyterLab + headless Chromium via Playwright.

It runs every cell of a copy of lesson 06 in fast mode, drags the first latent slider, and checks
that the digit the page shows really changed, keeping before/after screenshots in
artifacts/browser/. Without Chromium it is skipped, unless VAE_LESSONS_BROWSER=1 (as in CI)
makes a missing browser a failure. Nothing leaves the machine: JupyterLab listens on
127.0.0.1 only and Chromium's background networking is switched off.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import PIL.Image
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "06_latent_sampling.ipynb"
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = os.environ.get("VAE_LESSONS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("VAE_LESSONS_BROWSER") == "1"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
                  "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt install chromium, or set VAE_LESSONS_CHROMIUM)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A private JupyterLab on 127.0.0.1 with a token, serving a copy of lesson 06 (outputs cleared)."""
    reason = _missing()
    if reason:
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    nb = nbformat.read(LESSON, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, tmp_path / LESSON.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "VAE_LESSONS_FAST": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
         f"--LabApp.user_settings_dir={tmp_path / 'settings'}", "--LabApp.extension_manager=readonly"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, stdout=open(tmp_path / "server.log", "wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (tmp_path / "server.log").read_text())
                time.sleep(0.5)
        yield f"{base}/lab/tree/{LESSON.name}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _pixels(png: bytes) -> torch.Tensor:
    """PNG bytes -> (H, W) grey levels as floats."""
    img = PIL.Image.open(io.BytesIO(png)).convert("L")
    return torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).float().reshape(img.height, img.width)


def test_latent_slider_changes_the_digit_in_a_real_browser(jupyterlab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(jupyterlab)
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session",
                                   timeout=120_000)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            digit = page.locator(".vae-latent-explorer img.vae-latent-digit").first
            digit.wait_for(state="visible", timeout=240_000)
            # let the rest of the lesson finish, so the kernel answers the slider at once
            page.wait_for_function("() => !document.body.innerText.includes('[*]')", timeout=240_000)
            digit.scroll_into_view_if_needed()
            before_src, before = digit.get_attribute("src"), digit.screenshot()
            (ARTIFACTS / "lesson06_before.png").write_bytes(before)

            handle = page.locator(".vae-latent-explorer .noUi-handle").first
            box = handle.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
            page.mouse.up()
            page.wait_for_function("([el, src]) => el.getAttribute('src') !== src",
                                   arg=[digit.element_handle(), before_src], timeout=30_000)
            page.wait_for_timeout(300)  # the new PNG is decoded and painted
            after = digit.screenshot()
            (ARTIFACTS / "lesson06_after.png").write_bytes(after)
        finally:
            browser.close()

    a, b = _pixels(before), _pixels(after)
    assert a.shape == b.shape and a.shape[0] > 100, "the digit is drawn large"
    changed = (a - b).abs() > 32
    assert changed.float().mean() > 0.01, "the digit in the page did not change after the slider moved"
