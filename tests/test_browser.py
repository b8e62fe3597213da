"""The lessons' widgets in a real browser: JupyterLab + headless Chromium via Playwright.

1. Lesson 06, run in fast mode: drag the first latent slider, and the digit the page shows changes.
2. The lab's widgets in a small notebook: draw a stroke on the canvas (the sliders and the decoded
   digit change), drag on the 2-D pad, type 七 in the diffusion playground and move guidance;
   and the browser round trip of a slider move (key press -> kernel -> new picture painted),
   written to artifacts/browser/round_trip.json (benchmarks/browser_latency.py reports it).

Screenshots go to artifacts/browser/. Without Chromium the tests are skipped, unless
VAE_LESSONS_BROWSER=1 (as in CI) makes a missing browser a failure. Nothing leaves the machine:
JupyterLab listens on 127.0.0.1 only and Chromium's background networking is switched off.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from chromium import launch, pixels, require_chromium
from vae_lessons.lab_server import SERVER_OPTION

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "06_latent_sampling.ipynb"
ZH_LESSON = ROOT / "notebooks" / "zh" / "06_latent_sampling.ipynb"
ARTIFACTS = ROOT / "artifacts" / "browser"
NAGLE = os.environ.get("VAE_LESSONS_NAGLE") == "1"  # jupyter_server's own kernel websocket (the benchmark's baseline)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAB_NOTEBOOK = [  # the lab's three widgets, as lessons 06 and 07 use them
    "from vae_lessons.lesson import setup\nDEVICE, FAST = setup()",
    "from vae_lessons.data import load_dataset\nfrom vae_lessons.pretrained import load_pretrained\n"
    "from vae_lessons.widgets import DiffusionPlayground, LatentExplorer, LatentPad\n"
    "test_x, test_y = load_dataset('mnist', train=False)",
    "LatentExplorer(load_pretrained('mnist-vae-20'), test_x[:1000], test_y[:1000])",
    "LatentPad(load_pretrained('mnist-vae-2'), test_x[:1000], test_y[:1000])",
    "DiffusionPlayground(load_pretrained('mnist-latent-diffusion'), prompt='3')",
]


def _serve(tmp_path, notebook: nbformat.NotebookNode, name: str):
    """A private JupyterLab on 127.0.0.1 with a token, serving `notebook` (outputs cleared)."""
    require_chromium()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, tmp_path / name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "VAE_LESSONS_FAST": "1", "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={tmp_path / 'ws'}",
         f"--LabApp.user_settings_dir={tmp_path / 'settings'}", "--LabApp.extension_manager=readonly"]
        + ([] if NAGLE else [SERVER_OPTION]) + (["--allow-root"] if os.geteuid() == 0 else []),
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
        yield f"{base}/lab/tree/{name}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(params=[LESSON, ZH_LESSON], ids=["en", "zh"])
def jupyterlab(tmp_path, request):
    """Lesson 06, English and Chinese, served by a private JupyterLab."""
    yield from _serve(tmp_path, nbformat.read(request.param, as_version=4), request.param.name)


@pytest.fixture
def lab_notebook(tmp_path):
    """The lab's widgets, served by a private JupyterLab."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in LAB_NOTEBOOK])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    yield from _serve(tmp_path, nb, "lab.ipynb")


def _run_all(page, url: str, ready: str) -> None:
    """Open the notebook, run every cell, wait until `ready` is visible and no cell is running."""
    page.goto(url)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session",
                           timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.locator(ready).first.wait_for(state="visible", timeout=240_000)
    page.wait_for_function("() => !document.body.innerText.includes('[*]')", timeout=240_000)


def _wait_for_new_src(page, img, src: str) -> None:
    page.wait_for_function("([el, src]) => el.getAttribute('src') !== src",
                           arg=[img.element_handle(), src], timeout=30_000)


@contextlib.contextmanager
def _browser_page():
    """A page of headless Chromium (background networking off), closed afterwards."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1100})
        finally:
            browser.close()


def test_latent_slider_changes_the_digit_in_a_real_browser(jupyterlab):
    with _browser_page() as page:
        _run_all(page, jupyterlab, ".vae-latent-explorer img.vae-latent-digit")
        digit = page.locator(".vae-latent-explorer img.vae-latent-digit").first
        buttons = " ".join(page.locator(".vae-latent-explorer button").all_text_contents())
        edition = "zh" if "回到我的数字" in buttons else "en"
        assert ("back to my digit" in buttons) != (edition == "zh"), "the lab's labels follow the lesson's language"
        digit.scroll_into_view_if_needed()
        before_src, before = digit.get_attribute("src"), digit.screenshot()
        (ARTIFACTS / f"lesson06_{edition}_before.png").write_bytes(before)

        handle = page.locator(".vae-latent-explorer .noUi-handle").first
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=6)
        page.mouse.up()
        _wait_for_new_src(page, digit, before_src)
        page.wait_for_timeout(300)  # the new PNG is decoded and painted
        after = digit.screenshot()
        (ARTIFACTS / f"lesson06_{edition}_after.png").write_bytes(after)

    a, b = pixels(before), pixels(after)
    assert a.shape == b.shape and a.shape[0] > 100, "the digit is drawn large"
    changed = (a - b).abs() > 32
    assert changed.float().mean() > 0.01, "the digit in the page did not change after the slider moved"


def _drag(page, box: dict, path: list[tuple[float, float]]) -> None:
    """Press at the first point of `path` (fractions of `box`), move through the rest, release."""
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in path]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def test_the_lab_widgets_answer_drawing_dragging_and_typing_in_a_real_browser(lab_notebook):
    with _browser_page() as page:
        _run_all(page, lab_notebook, ".vae-diffusion-playground img")
        lab = page.locator(".vae-latent-explorer")
        digit = lab.locator("img.vae-latent-digit")
        first_value = lab.locator(".widget-readout").first
        lab.scroll_into_view_if_needed()
        src, value = digit.get_attribute("src"), first_value.inner_text()
        canvas = lab.locator("canvas.vae-canvas")
        _drag(page, canvas.bounding_box(), [(0.2, 0.2), (0.8, 0.2), (0.45, 0.9)])  # a 7
        _wait_for_new_src(page, digit, src)
        page.wait_for_timeout(300)
        assert first_value.inner_text() != value, "drawing did not move the sliders"
        (ARTIFACTS / "lab_drawn_seven.png").write_bytes(lab.screenshot())

        pad = page.locator(".vae-latent-pad")
        pad.scroll_into_view_if_needed()
        pad_digit = pad.locator("img").first
        src = pad_digit.get_attribute("src")
        _drag(page, pad.locator("canvas").bounding_box(), [(0.5, 0.5), (0.8, 0.3)])
        _wait_for_new_src(page, pad_digit, src)
        (ARTIFACTS / "lab_pad.png").write_bytes(pad.screenshot())

        play = page.locator(".vae-diffusion-playground")
        play.scroll_into_view_if_needed()
        result = play.locator("img").first
        src = result.get_attribute("src")
        prompt = play.locator("input[type=text]").first
        prompt.fill("七")
        prompt.press("Enter")
        _wait_for_new_src(page, result, src)
        src = result.get_attribute("src")
        handle = play.locator(".noUi-handle").first  # guidance
        box = handle.bounding_box()
        _drag(page, box, [(0.5, 0.5), (-3.0, 0.5)])
        _wait_for_new_src(page, result, src)
        (ARTIFACTS / "playground_seven.png").write_bytes(play.screenshot())


def test_browser_round_trip_of_a_slider_move(lab_notebook):
    """Key press on a focused latent slider -> comm to the kernel -> decode -> new PNG in the page.
    Times are taken inside the page (performance.now at keydown and at the src change)."""
    import json
    import statistics

    with _browser_page() as page:
        _run_all(page, lab_notebook, ".vae-diffusion-playground img")
        digit = page.locator(".vae-latent-explorer img.vae-latent-digit")
        page.evaluate("""(img) => {
            window.__keys = []; window.__srcs = [];
            document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
            new MutationObserver(() => window.__srcs.push(performance.now()))
                .observe(img, {attributes: true, attributeFilter: ['src']});
        }""", digit.element_handle())
        handle = page.locator(".vae-latent-explorer .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        times = []
        for i in range(25):
            n = page.evaluate("() => window.__srcs.length")
            page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function(f"() => window.__srcs.length > {n}", timeout=10_000)
            times.append(page.evaluate("() => window.__srcs[window.__srcs.length - 1]"
                                       " - window.__keys[window.__keys.length - 1]"))
    median = statistics.median(times[5:])  # the first moves warm up
    (ARTIFACTS / "round_trip.json").write_text(json.dumps(
        {"median_ms": median, "times_ms": times, "connection": "nagle" if NAGLE else "nodelay"}))
    assert 0 < median < 1000, f"slider round trip {median:.0f} ms"
