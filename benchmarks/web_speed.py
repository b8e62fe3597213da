"""How fast the offline classroom page (web/index.html) starts and answers, timed inside the page.

Opens the page in headless Chromium from disk, network off, at 1280x800, and reports medians
measured with performance.now in the page itself:
  - readyAt: from the start of the navigation until every part shows its first result (the
    decoded digit, the map, the first generated picture), over fresh page loads (target:
    under 400 ms);
  - a slider repaint: one latent slider moved (an `input` event), the classic VAE decodes the 20
    numbers, the 28x28 digit and the ||z|| meter are repainted (target: within one frame, 16 ms);
  - a map point: a point of the 2-D map decoded and the map, its paths and their 18 digits redrawn;
  - a 25-step generation at the default guidance (both prompts in one batch per step), decoded
    (target: < 500 ms on a laptop CPU), and the first one of a fresh page (the browser still compiling).

    python benchmarks/web_speed.py            # needs Debian's chromium and playwright
    python benchmarks/web_speed.py --loads 15 # more fresh page loads for readyAt
"""

from __future__ import annotations

import argparse
import json
import os
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

MAP = """(n) => {
    const map = document.querySelector('#map'), times = [];
    for (let k = 0; k < n; k++) {
        const [x, y] = vaeLessons.map.clientPoint([Math.sin(k) * 3, Math.cos(1.3 * k) * 3]);
        const t0 = performance.now();
        map.dispatchEvent(new PointerEvent('pointerdown', {clientX: x, clientY: y, pointerId: 1, bubbles: true}));
        map.dispatchEvent(new PointerEvent('pointerup', {clientX: x, clientY: y, pointerId: 1, bubbles: true}));
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


def fresh_load(browser, url: str) -> dict:
    """One new page: when it was ready, and how long its first (cold) generation took."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_offline(True)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => window.vaeLessons && window.vaeLessons.readyAt", timeout=30_000)
    out = page.evaluate("""() => ({readyAt: vaeLessons.readyAt, started: vaeLessons.firstGenerationAt,
        paint: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        first: +document.querySelector('#timing').dataset.ms})""")
    context.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=9, help="fresh page loads timed for readyAt (default 9)")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright is not installed", file=sys.stderr)
        return 1
    if not Path(CHROMIUM).is_file():
        print(f"no Chromium at {CHROMIUM} (apt install chromium)", file=sys.stderr)
        return 1
    url = (ROOT / "web" / "index.html").as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        fresh_load(browser, url)  # the browser's own first start (its caches) is not the page's
        loads = [fresh_load(browser, url) for _ in range(args.loads)]
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_offline(True)
        page = context.new_page()
        page.goto(url)
        page.wait_for_function("() => window.vaeLessons && window.vaeLessons.readyAt", timeout=30_000)
        page.wait_for_function("() => !vaeLessons.busy")
        page.evaluate(SLIDER, 100)        # warm up: the JIT compiles the hot loops first
        page.evaluate(MAP, 20)
        page.evaluate(GENERATE, 5)
        slider = page.evaluate(SLIDER, 400)
        map_point = page.evaluate(MAP, 100)
        generate = page.evaluate(GENERATE, 30)
        browser.close()
    ready = [load["readyAt"] for load in loads]
    result = {"ready_at_ms": statistics.median(ready), "ready_at_min_ms": min(ready), "ready_at_max_ms": max(ready),
              "loads": len(loads), "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
              "first_paint_ms": statistics.median(load["paint"] for load in loads),
              "first_generation_ms": statistics.median(load["first"] for load in loads),
              "slider_repaint_ms": statistics.median(slider),
              "slider_repaint_p95_ms": sorted(slider)[int(0.95 * len(slider))],
              "map_point_ms": statistics.median(map_point),
              "generate_25_steps_ms": statistics.median(generate),
              "generate_min_ms": min(generate)}
    out = ROOT / "artifacts" / "web"
    out.mkdir(parents=True, exist_ok=True)
    (out / "speed.json").write_text(json.dumps(result, indent=1))
    print(f"{result['cpus']} CPUs, load average {result['load_average_1min']:.1f} (other programs slow every figure down)")
    print(f"readyAt (every part live): median {result['ready_at_ms']:.0f} ms over {len(loads)} fresh loads "
          f"(fastest {result['ready_at_min_ms']:.0f}, slowest {result['ready_at_max_ms']:.0f} ms; target < 400 ms); "
          f"first paint {result['first_paint_ms']:.0f} ms")
    print(f"first generation of a fresh page (the browser still compiling): median {result['first_generation_ms']:.0f} ms")
    print(f"slider repaint (decode + draw): median {result['slider_repaint_ms']:.2f} ms "
          f"(95th percentile {result['slider_repaint_p95_ms']:.2f} ms; one frame is 16 ms)")
    print(f"map point (decode + map + 18 path digits): median {result['map_point_ms']:.2f} ms")
    print(f"25-step generation, guidance on: median {result['generate_25_steps_ms']:.0f} ms "
          f"(fastest {result['generate_min_ms']:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
