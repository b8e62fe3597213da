"""How fast the offline classroom page (web/index.html) answers, timed inside the page.

Opens the page in headless Chromium from disk, network off, and reports medians measured with
performance.now in the page itself:
  - a slider repaint: one latent slider moved (an `input` event), the classic VAE decodes the 20
    numbers, the 28x28 digit and the ||z|| meter are repainted (target: within one frame, 16 ms);
  - a 25-step generation at the default guidance (both prompts in one batch per step), decoded
    (target: < 500 ms on a laptop CPU).

    python benchmarks/web_speed.py            # needs Debian's chromium and playwright
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--no-first-run"]

SLIDER = """(n) => {
    const inputs = document.querySelectorAll('#sliders input[type=range]'), times = [];
    for (let k = 0; k < n; k++) {
        const s = inputs[k % inputs.length];
        s.value = (((k * 37) % 121) - 60) / 20;       // -3 .. 3 in steps of 0.05
        const t0 = performance.now();
        s.dispatchEvent(new Event('input'));          // the page decodes and repaints synchronously
        times.push(performance.now() - t0);
    }
    return times;
}"""

GENERATE = """(n) => {
    const times = [];
    for (let k = 0; k < n; k++) {
        const t0 = performance.now();
        vaeLessons.generate(String(k % 10), {seed: k, steps: 25});
        times.push(performance.now() - t0);
    }
    return times;
}"""


def main() -> int:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright is not installed", file=sys.stderr)
        return 1
    if not Path(CHROMIUM).is_file():
        print(f"no Chromium at {CHROMIUM} (apt install chromium)", file=sys.stderr)
        return 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context()
        context.set_offline(True)
        page = context.new_page()
        page.goto((ROOT / "web" / "index.html").as_uri())
        page.wait_for_function("() => window.vaeLessons && window.vaeLessons.ready", timeout=30_000)
        page.evaluate(SLIDER, 100)        # warm up: the JIT compiles the hot loops first
        page.evaluate(GENERATE, 5)
        slider = page.evaluate(SLIDER, 400)
        generate = page.evaluate(GENERATE, 30)
        browser.close()
    result = {"slider_repaint_ms": statistics.median(slider),
              "slider_repaint_p95_ms": sorted(slider)[int(0.95 * len(slider))],
              "generate_25_steps_ms": statistics.median(generate),
              "generate_min_ms": min(generate)}
    out = ROOT / "artifacts" / "web"
    out.mkdir(parents=True, exist_ok=True)
    (out / "speed.json").write_text(json.dumps(result, indent=1))
    print(f"slider repaint (decode + draw): median {result['slider_repaint_ms']:.2f} ms "
          f"(95th percentile {result['slider_repaint_p95_ms']:.2f} ms; one frame is 16 ms)")
    print(f"25-step generation, guidance on: median {result['generate_25_steps_ms']:.0f} ms "
          f"(fastest {result['generate_min_ms']:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
