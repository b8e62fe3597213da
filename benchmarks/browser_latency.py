"""The browser round trip of a latent-lab slider move: key press in the page -> comm to the kernel
-> decode -> new PNG painted, timed inside the page (performance.now). It runs the real-browser
test that measures it (JupyterLab + headless Chromium), alternately with jupyter_server's own kernel
websocket (Nagle's algorithm on: the baseline) and with the lessons' `vae_lessons.lab_server`
connection (TCP_NODELAY), and prints both.

    python benchmarks/browser_latency.py [pairs]   # needs Debian's chromium; target: median <= 50 ms
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "artifacts" / "browser" / "round_trip.json"


def moves(nagle: bool) -> list[float]:
    """One JupyterLab session, 20 timed slider moves (after 5 to warm up)."""
    RESULT.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_browser.py", "-k", "round_trip"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "VAE_LESSONS_BROWSER": "1", "VAE_LESSONS_NAGLE": "1" if nagle else "0"})
    return json.loads(RESULT.read_text())["times_ms"][5:]


if __name__ == "__main__":
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    times = {True: [], False: []}
    for _ in range(pairs):  # interleaved, so a noisy moment hits both sides
        for nagle in (True, False):
            times[nagle] += moves(nagle)
    base, ours = statistics.median(times[True]), statistics.median(times[False])
    print(f"browser round trip of a slider move, {len(times[False])} moves per side in {pairs} sessions each:")
    print(f"  jupyter_server's kernel websocket (Nagle on): median {base:.1f} ms, p90 "
          f"{statistics.quantiles(times[True], n=10)[-1]:.1f} ms")
    print(f"  lab_server.NoDelayConnection (make lessons):  median {ours:.1f} ms, p90 "
          f"{statistics.quantiles(times[False], n=10)[-1]:.1f} ms  ({base / ours:.2f}x faster)")
