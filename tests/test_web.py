"""The offline classroom page (web/): its files, `export-web`, and the page in a real browser.

Without a browser: the folder is small and fetches nothing from outside itself; `python -m
vae_lessons export-web` rebuilds web/weights.js exactly as committed (so the page cannot drift
from the bundled weights) and refuses an unwritable --out in one line.

In headless Chromium (Playwright), one page of a rebuilt copy of web/, opened from disk with the
network off: it loads without console errors; a slider repaints the digit; a drawn stroke moves
the sliders; typing 七 generates a 7; its models agree with the torch models to 1e-4; 200 of its
generated digits are the prompted digit >= 95% of the time, as the bundled judge reads them.
Browser tests are skipped without Chromium, unless VAE_LESSONS_BROWSER=1 (as in CI) makes a
missing browser a failure, as in tests/test_browser.py. Measured numbers go to artifacts/web/.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from chromium import launch, pixels, require_chromium
from vae_lessons import __main__ as cli
from vae_lessons.diffusion import DEFAULT_GUIDANCE, DEFAULT_STEPS, EMPTY, prompt_to_id
from vae_lessons.drawing import mnist_like
from vae_lessons.pretrained import load_pretrained

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
ARTIFACTS = ROOT / "artifacts" / "web"
MAX_BYTES = 3_000_000


def _weights(path: Path) -> dict:
    """The object web/weights.js assigns to its global, parsed."""
    text = path.read_text(encoding="ascii")
    return json.loads(text[text.index("=") + 1:].strip().rstrip(";"))


def _record(name: str, values: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(values, indent=1))


# ---------------------------------------------------------------- the folder, without a browser

def test_the_folder_is_small_and_self_contained():
    files = [p for p in WEB.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    assert size < MAX_BYTES, f"web/ is {size / 1e6:.2f} MB"
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), f"{p.name} refers to the web; everything must be in web/"
        if p.suffix == ".js":  # Chromium blocks both on file://
            assert not re.search(r"\bfetch\(|^\s*(import|export)\b|XMLHttpRequest", text, re.M), p.name
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert 'type="module"' not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts[0] == "weights.js" and scripts[-1] == "app.js"
    assert all((WEB / s).is_file() for s in scripts) and (WEB / "style.css").is_file()


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A copy of web/ whose weights.js was rebuilt by the command line: the page the browser opens."""
    out = tmp_path_factory.mktemp("page") / "web"
    shutil.copytree(WEB, out)
    (out / "weights.js").unlink()
    result = subprocess.run([sys.executable, "-m", "vae_lessons", "export-web", "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and (out / "weights.js").is_file()
    return out


def test_the_committed_weights_are_what_export_web_writes(exported):
    new, old = (exported / "weights.js").read_bytes(), (WEB / "weights.js").read_bytes()
    if new == old:
        return
    # Not byte for byte: then the numbers must agree (the KL bars are measured on this machine).
    a, b = _weights(exported / "weights.js"), _weights(WEB / "weights.js")
    assert a["tensors"] == b["tensors"], "web/weights.js is stale: run python -m vae_lessons export-web"
    assert a["vae"]["order"] == b["vae"]["order"]
    assert torch.allclose(torch.tensor(a["vae"]["kl"]), torch.tensor(b["vae"]["kl"]), atol=1e-3)
    assert torch.allclose(torch.tensor(a["vae"]["shell"]), torch.tensor(b["vae"]["shell"]), atol=1e-3)
    assert a["diffusion"] == b["diffusion"] and a["vocabulary"] == b["vocabulary"]


def test_the_exported_metadata_is_the_packages():
    w = _weights(WEB / "weights.js")
    d = w["diffusion"]
    assert (d["guidance"], d["steps"]) == (DEFAULT_GUIDANCE, DEFAULT_STEPS)
    assert d["latent_scale"] == load_pretrained("mnist-latent-diffusion").scale
    assert sorted(w["vae"]["order"]) == list(range(20))
    kl = w["vae"]["kl"]
    assert all(kl[i] >= kl[j] for i, j in zip(w["vae"]["order"], w["vae"]["order"][1:]))
    vocab = w["vocabulary"]
    for word in ("7", "seven", "七", "零", "nine", "九"):
        assert vocab["digits"][word] == prompt_to_id(word)
    assert vocab["empty"] == EMPTY and "handwritten" in vocab["filler"]


def test_export_web_refuses_an_unwritable_out_in_one_line(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    with pytest.raises(SystemExit) as stop:  # root may write anywhere: a path under a file is never writable
        cli.main(["export-web", "--out", str(a_file)])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert stop.value.code == 2 and captured.out == ""
    assert len(lines) == 1 and lines[0].startswith("error: --out:") and "is a file, not a folder" in lines[0]
    assert a_file.read_text() == "a file, not a folder" and sorted(tmp_path.iterdir()) == [a_file]


# ---------------------------------------------------------------- the page in a real browser

@pytest.fixture(scope="module")
def page(exported):
    """One headless Chromium page of the rebuilt copy, opened from disk with the network off.
    Every request is recorded; anything not file:// is aborted (and fails the load test)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="en-US")
            context.set_offline(True)
            outside = []

            def block(route):
                outside.append(route.request.url)
                route.abort()

            context.route(re.compile(r"^(?!file:|data:|blob:)"), block)
            pg = context.new_page()
            pg.requests, pg.outside, pg.errors = [], outside, []
            pg.on("request", lambda r: pg.requests.append(r.url))
            pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
            pg.on("pageerror", lambda e: pg.errors.append(str(e)))
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            pg.goto((exported / "index.html").as_uri())
            pg.wait_for_function("() => window.vaeLessons && window.vaeLessons.ready", timeout=30_000)
            yield pg
        finally:
            browser.close()


def _canvas(page, selector: str) -> torch.Tensor:
    """A 28x28 canvas's pixels as the page holds them, in [0, 1]."""
    data = page.evaluate("(s) => Array.from(document.querySelector(s).getContext('2d')"
                         ".getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0))", selector)
    return torch.tensor(data, dtype=torch.float32) / 255


def test_the_page_loads_offline_without_errors(page):
    assert page.requests and all(u.startswith(("file:", "data:")) for u in page.requests), page.requests
    assert page.outside == []
    assert page.errors == [], page.errors
    assert page.locator("#sliders input[type=range]").count() == 20
    assert page.locator("#fatal").is_hidden()


def test_moving_a_slider_repaints_the_digit(page):
    digit = page.locator("#decoded")
    before = pixels(digit.screenshot())
    slider = page.locator("#sliders input[type=range]").first
    slider.focus()
    for _ in range(30):  # 30 steps of 0.05: the top slider from 0 (or where it was) by 1.5
        page.keyboard.press("ArrowRight")
    after = pixels(digit.screenshot())
    assert before.shape == after.shape and before.shape[0] >= 200, "the digit is drawn large"
    assert ((before - after).abs() > 32).float().mean() > 0.01, "the digit did not change after the slider moved"
    assert page.errors == []


def test_drawing_a_stroke_sets_the_sliders(page):
    page.locator("#reset").click()
    assert page.evaluate("window.vaeLessons.z") == [0.0] * 20
    box = page.locator("#pad").bounding_box()
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in [(0.2, 0.2), (0.8, 0.2), (0.45, 0.9)]]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    z = torch.tensor(page.evaluate("window.vaeLessons.z"))
    assert (z != 0).sum() >= 15, "drawing did not move the sliders"
    seen = _canvas(page, "#seen")
    assert seen.max() > 0.9 and seen.sum() > 50, "what the encoder sees is empty"
    values = page.locator("#sliders output").all_text_contents()
    assert any(v != "0.00" for v in values), "the slider readouts did not follow"
    (ARTIFACTS / "drawn_seven.png").write_bytes(page.locator("#latent-part").screenshot())
    judge = load_pretrained("mnist-classifier")
    assert judge.predict(seen[None]).item() == 7, "the drawn 7 is not seen as a 7 by the judge"


def test_typing_qi_generates_a_seven_and_an_unknown_word_is_explained(page):
    prompt, message = page.locator("#prompt"), page.locator("#message")
    prompt.fill("a cat")
    page.wait_for_function("() => document.querySelector('#message').textContent.includes('cat')")
    assert "Not understood" in message.inner_text() and "error" in message.get_attribute("class")
    before = page.locator("#timing").get_attribute("data-ms")
    prompt.fill("七")
    page.wait_for_function("(b) => document.querySelector('#timing').dataset.ms !== b"
                           " && document.querySelector('#message').textContent === ''", arg=before)
    result = _canvas(page, "#result")
    assert result.max() > 0.9, "no picture"
    assert load_pretrained("mnist-classifier").predict(result[None]).item() == 7
    (ARTIFACTS / "qi.png").write_bytes(page.locator("#sd-part").screenshot())
    assert page.errors == []


def test_the_language_switch_and_the_lesson_links(page):
    """Each part links the lesson that teaches it, relative to web/, in the reader's edition."""
    links = "() => Array.from(document.querySelectorAll('main a'), a => a.getAttribute('href'))"
    title = page.locator("h1")
    assert title.inner_text().startswith("VAE lessons")
    english = page.evaluate(links)
    page.locator("#lang").click()
    assert title.inner_text().startswith("VAE 课程") and "第 07 课" in page.locator("#sd-part").inner_text()
    chinese = page.evaluate(links)
    page.locator("#lang").click()
    assert title.inner_text().startswith("VAE lessons") and page.evaluate(links) == english
    assert "../notebooks/06_latent_sampling.ipynb" in english and "../notebooks/07_stable_diffusion.ipynb" in english
    for href in english:
        assert (WEB / href).resolve().is_file(), href
    assert chinese == [h.replace("notebooks/", "notebooks/zh/") for h in english]  # the Chinese edition's
    assert all((WEB / href).resolve().is_file() for href in chinese), chinese


@torch.no_grad()
def test_the_page_models_agree_with_torch(page):
    gen = torch.Generator().manual_seed(0)
    vae = load_pretrained("mnist-vae-20")
    z = torch.randn(100, 20, generator=gen) * 1.5
    pixels = torch.rand(100, 784, generator=gen) ** 3  # mostly dark, like digits
    out = page.evaluate("([zs, px]) => [zs.map(z => vaeLessons.decode(z)), px.map(p => vaeLessons.encode(p))]",
                        [z.tolist(), pixels.tolist()])
    decode_diff = (torch.tensor(out[0]) - vae.decode(z)).abs().max().item()
    encode_diff = (torch.tensor(out[1]) - vae.encode(pixels)[0]).abs().max().item()

    pipe = load_pretrained("mnist-latent-diffusion")
    eps_diff = {}
    for prompt, t in (("七", 500), ("", 500), ("seven", 999), ("", 17)):
        x = torch.randn(1, 4, 7, 7, generator=gen)
        ids = torch.tensor([prompt_to_id(prompt)])
        want = pipe.denoiser(x, torch.tensor([t]), pipe.text_encoder(ids))
        got = torch.tensor(page.evaluate("([x, t, p]) => vaeLessons.eps(x, t, p)", [x.flatten().tolist(), t, prompt]))
        eps_diff[f"{prompt or 'empty'}@{t}"] = (got - want.flatten()).abs().max().item()

    image = (F.interpolate(load_pretrained("mnist-vae-20").decode(z[:3]).reshape(3, 1, 28, 28), size=(50, 70),
                           mode="bilinear") > 0.3).float()  # three digits, stretched, as a drawing might be
    prep_diff = max((torch.tensor(page.evaluate("([d, h, w]) => vaeLessons.mnistLike(d, h, w)",
                                                [im.flatten().tolist(), 50, 70])) - mnist_like(im[0])).abs().max().item()
                    for im in image)
    _record("parity", {"decode_max_abs": decode_diff, "encode_max_abs": encode_diff, "eps_max_abs": eps_diff,
                       "mnist_like_max_abs": prep_diff})
    assert decode_diff < 1e-4 and encode_diff < 1e-4, (decode_diff, encode_diff)
    assert max(eps_diff.values()) < 1e-4, eps_diff
    assert prep_diff < 1e-4, prep_diff


@torch.no_grad()
def test_the_page_samples_as_the_pipeline_does(page):
    """From the same starting noise (torch's, passed in), the page's DDIM steps with guidance
    end at the pipeline's picture: same schedule, timesteps, guidance formula, scale, decoder."""
    pipe = load_pretrained("mnist-latent-diffusion")
    diffs = {}
    for prompt, seed, guidance, steps in (("七", 3, DEFAULT_GUIDANCE, DEFAULT_STEPS), ("two", 5, 1.0, 7), ("", 8, 0.0, 4)):
        noise = torch.randn(1, 4, 7, 7, generator=torch.Generator().manual_seed(seed))  # as the pipeline draws it
        want = pipe([prompt], guidance=guidance, steps=steps, seed=seed).flatten()
        got = page.evaluate("([p, o]) => vaeLessons.generate(p, o)",
                            [prompt, {"guidance": guidance, "steps": steps, "noise": noise.flatten().tolist()}])
        diffs[f"{prompt or 'empty'} g={guidance} steps={steps}"] = (torch.tensor(got) - want).abs().max().item()
    _record("pipeline_parity", diffs)
    assert max(diffs.values()) < 1e-4, diffs


def test_the_page_understands_the_packages_prompts(page):
    prompts = ["7", "seven", "SEVEN", "a handwritten seven", "七", "手写的数字七", "", "  ", "the digit 0",
               "3 three", "3 7", "cat", "constructor", "tostring", "٣", "７", "seven!", "零一"]
    got = page.evaluate("""(ps) => ps.map(p => { try { return vaeLessons.promptToId(p); }
                                                  catch (e) { return e.code || String(e); } })""", prompts)
    for prompt, answer in zip(prompts, got):
        try:
            want = prompt_to_id(prompt)
        except ValueError as e:
            want = "several" if "different digits" in str(e) else "unknown"
        assert answer == want, (prompt, answer, want)


def test_the_page_generates_the_prompted_digit(page):
    """200 pictures from the page's own generate (20 per digit, seeds 0-19, default guidance
    and steps), read by the bundled judge: the prompt is followed >= 95% of the time."""
    images = page.evaluate("""() => {
        const out = [], t0 = performance.now();
        for (let d = 0; d < 10; d++) for (let s = 0; s < 20; s++) out.push(vaeLessons.generate(String(d), {seed: s}));
        return [out, performance.now() - t0];
    }""")
    x, ms = torch.tensor(images[0]), images[1]
    assert x.shape == (200, 784) and x.min() >= 0 and x.max() <= 1
    judged = load_pretrained("mnist-classifier").predict(x).reshape(10, 20)
    per_digit = (judged == torch.arange(10)[:, None]).float().mean(1)
    _record("adherence", {"overall": per_digit.mean().item(), "per_digit": per_digit.tolist(),
                          "ms_per_image": ms / 200, "guidance": DEFAULT_GUIDANCE, "steps": DEFAULT_STEPS})
    assert per_digit.mean() >= 0.95, per_digit.tolist()
    assert page.errors == []
