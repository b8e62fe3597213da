"""The browser round trip of a latent-lab slider move: key press in the page -> comm to the kernel
-> decode -> new PNG painted, timed inside the page (performance.now). It runs the real-browser
test that measures it (JupyterLab + headless Chromium) and prints what it wrote.

    python benchmarks/browser_latency.py          # needs Debian's chromium; target: median <= 50 ms
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

if __name__ == "__main__":
    result = ROOT / "artifacts" / "browser" / "round_trip.json"
    result.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_browser.py", "-k", "round_trip"],
                   cwd=ROOT, check=True, env={**os.environ, "VAE_LESSONS_BROWSER": "1"})
    times = json.loads(result.read_text())
    print(f"browser round trip of a slider move, {len(times['times_ms'])} moves (first 5 warm up): "
          f"median {times['median_ms']:.0f} ms")
