// app.js: the page itself. Wires the three parts to the models and exposes window.vaeLessons,
// the small API the tests (tests/test_web.py) and benchmarks/web_speed.py drive the models with.
(function () {
  "use strict";
  const i18n = window.VaeI18n;
  const $ = (id) => document.getElementById(id);
  i18n.lang = i18n.initial();

  const W = window.VAE_LESSONS_WEIGHTS;
  let M;
  try {
    M = window.VaeModels.build(W);
  } catch (e) {  // weights.js missing or from another version: say what to run, not a stack trace
    i18n.apply();
    $("fatal").hidden = false;
    $("fatal").textContent = i18n.t("no_weights");
    return;
  }

  // A 28x28 grey picture (784 numbers in [0, 1]) onto a 28x28 canvas; CSS shows it large.
  function paint(canvas, pixels) {
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  // ------------------------------------------------------------ part 2: the sliders
  const V = W.vae, dim = V.latent_dim, range = V.slider_range, [low, high] = V.shell;
  const z = new Float32Array(dim);
  let startZ = null;
  const sliders = [], readouts = [];
  const topKl = Math.max(...V.kl, 1e-9);
  for (const i of V.order) {  // largest KL first: the dimensions the model uses most on top
    const row = document.createElement("div");
    row.className = "slider-row";
    const name = document.createElement("span");
    name.textContent = `z[${i}]`;
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min: -range, max: range, step: 0.05, value: 0 });
    input.dataset.dim = i;
    input.setAttribute("aria-label", `z[${i}]`);
    const out = document.createElement("output");
    out.textContent = "0.00";
    const kl = document.createElement("span");
    kl.className = "kl";
    kl.innerHTML = `<span class="kl-bar" style="width:${(56 * V.kl[i]) / topKl}px"></span>`;
    kl.append(V.kl[i].toFixed(1));
    input.addEventListener("input", () => { z[i] = +input.value; out.textContent = z[i].toFixed(2); repaint(); });
    row.append(name, input, out, kl);
    $("sliders").append(row);
    sliders[i] = input;
    readouts[i] = out;
    kl.dataset.kl = V.kl[i];
  }

  // Decode the 20 numbers and paint them, and the ||z|| meter: runs on every slider move.
  const meter = $("meter"), scaleMax = 2 * high;
  function repaint() {
    paint($("decoded"), M.vae.decode(z));
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += z[i] * z[i];
    norm = Math.sqrt(norm);
    const inside = norm >= low && norm <= high;
    meter.classList.toggle("outside", !inside);
    meter.querySelector(".marker").style.left = `${(100 * Math.min(norm, scaleMax)) / scaleMax}%`;
    meter.querySelector(".meter-text").innerHTML =
      i18n.t("meter", { norm: `<b>${norm.toFixed(2)}</b>`, low: low.toFixed(1), high: high.toFixed(1) }) +
      i18n.t(inside ? "inside" : "outside");
  }
  const shell = meter.querySelector(".shell");
  shell.style.left = `${(100 * low) / scaleMax}%`;
  shell.style.width = `${(100 * (high - low)) / scaleMax}%`;
  // numbers under the track: 0 and the shell's edges, so the green band reads as a range of ||z||
  meter.querySelector(".ticks").replaceChildren(...[0, low, high].map((v) => {
    const tick = document.createElement("span");
    tick.textContent = v ? v.toFixed(1) : "0";
    tick.style.left = `${(100 * v) / scaleMax}%`;
    return tick;
  }));

  function setZ(values) {  // move every slider at once (clipped to their range), paint once
    for (let i = 0; i < dim; i++) {
      z[i] = Math.min(range, Math.max(-range, values[i]));
      sliders[i].value = z[i];
      readouts[i].textContent = z[i].toFixed(2);
    }
    repaint();
  }
  let randomSeed = 1;
  $("random").addEventListener("click", () => {
    const g = window.VaeModels.gaussian((Date.now() ^ (randomSeed++ * 0x9e3779b9)) >>> 0);
    setZ(Array.from({ length: dim }, g));
  });
  $("reset").addEventListener("click", () => setZ(new Float32Array(dim)));
  $("back").addEventListener("click", () => startZ && setZ(startZ));

  // ------------------------------------------------------------ part 1: drawing
  const pad = window.VaeDrawing.attachPad($("pad"), (strokes) => {
    const img = window.VaeDrawing.renderStrokes(strokes);
    showDigit(window.VaeDrawing.mnistLike(img.data, img.h, img.w));
  });
  // clear wipes the pad only: "what the encoder sees" keeps the digit whose code the sliders hold
  // (and that "back" returns to) until the next stroke
  $("pad").addEventListener("pointerdown", () => { $("pad-hint").hidden = true; });
  $("clear").addEventListener("click", () => { pad.clear(); $("pad-hint").hidden = false; });

  // The page opens on a real test digit: what the encoder sees, and its 20 numbers on the sliders.
  function showDigit(pixels) {
    paint($("seen"), pixels);
    startZ = M.vae.encode(pixels);
    $("back").disabled = false;
    setZ(startZ);
  }
  showDigit(Float32Array.from(V.start.pixels, (v) => v / 255));

  // ------------------------------------------------------------ part 3: mini Stable Diffusion
  const D = W.diffusion;
  const guidance = $("guidance"), steps = $("steps");
  guidance.value = D.guidance;
  steps.value = D.steps;
  steps.max = D.max_steps;

  // The steps whose clean-picture guess the walk shows, as lesson 07's playground picks them.
  function walkSteps(n) {
    const keep = new Set();
    for (let i = 1; i < D.walk; i++) keep.add(window.VaeNN.roundHalfEven((i * n) / (D.walk - 1)));
    keep.delete(0);
    return [...keep].sort((a, b) => a - b);
  }

  function messageFor(err) {
    const list = (items) => items.join(i18n.lang === "zh" ? "、" : ", ");
    if (err.code === "unknown") return i18n.t("unknown", { words: list(err.detail.map((w) => `“${w}”`)) });
    if (err.code === "several") return i18n.t("several", { digits: list(err.detail) });
    return String(err.message || err);
  }

  // What the message line and the timing caption say, kept so a language switch can re-say it.
  const status = { error: null, emptyPrompt: false, ignored: false, ms: null, steps: 0 };
  function showStatus() {
    const msg = $("message");
    msg.className = status.error ? "message error" : "message";
    msg.textContent = status.error ? messageFor(status.error) : status.emptyPrompt ? i18n.t("empty_prompt")
      : status.ignored ? i18n.t("ignored") : "";
    for (const id of ["result", "walk", "channels"]) $(id).classList.toggle("stale", !!status.error);  // not the prompt's
    if (status.ms !== null) {
      $("timing").textContent = i18n.t(status.steps === 1 ? "timing_one" : "timing", { ms: status.ms.toFixed(0), steps: status.steps });
    }
  }

  let pending = false;
  function generateNow() {
    pending = false;
    const n = +steps.value, g = +guidance.value, seed = Math.max(0, Math.floor(+$("seed").value || 0));
    $("guidance-value").textContent = g.toFixed(1);
    $("steps-value").textContent = n;
    const keep = walkSteps(n), t0 = performance.now();
    let r;
    try {
      r = M.generate([$("prompt").value], { guidance: g, steps: n, seed, keep });
    } catch (err) {
      if (!(err instanceof window.VaeModels.PromptError)) throw err;
      status.error = err;
      showStatus();
      return;
    }
    const ms = performance.now() - t0;
    paint($("result"), r.images);
    const empty = M.promptToId($("prompt").value) === W.vocabulary.empty;
    Object.assign(status, { error: null, ms, steps: n, emptyPrompt: empty, ignored: g === 0 && !empty });
    showStatus();
    $("timing").dataset.ms = ms;
    // the walk: the denoiser's guess of the clean picture, decoded, at a few steps
    const lat = 196, kept = new Float32Array(keep.length * lat);
    keep.forEach((k, j) => kept.set(r.kept[k], j * lat));
    const pics = M.decodeLatents(kept, keep.length);
    const walk = $("walk");
    walk.replaceChildren(...keep.map((k, j) => {
      const fig = document.createElement("figure"), c = document.createElement("canvas");
      c.width = c.height = 28;
      paint(c, pics.subarray(j * 784, (j + 1) * 784));
      const cap = document.createElement("figcaption");
      cap.textContent = `${k}/${n}`;
      fig.append(c, cap);
      return fig;
    }));
    showChannels(r.latents);
  }
  function schedule() {  // many moves while one generation runs -> one generation afterwards
    if (!pending) { pending = true; setTimeout(generateNow, 0); }
  }

  // The final latent's 4 channels as 7x7 heat maps: red above 0, blue below, white at 0.
  function showChannels(latent) {
    let bound = 1e-6;
    for (const v of latent) bound = Math.max(bound, Math.abs(v));
    $("channels").replaceChildren(...[0, 1, 2, 3].map((ch) => {
      const c = document.createElement("canvas");
      c.width = c.height = 7;
      c.className = "heat";
      const ctx = c.getContext("2d"), img = ctx.createImageData(7, 7);
      for (let i = 0; i < 49; i++) {
        const v = latent[ch * 49 + i] / bound, a = Math.round(255 * (1 - Math.abs(v)));
        img.data.set(v >= 0 ? [255, a, a, 255] : [a, a, 255, 255], 4 * i);
      }
      ctx.putImageData(img, 0, 0);
      return c;
    }));
  }
  for (const el of [$("prompt"), guidance, steps, $("seed")]) el.addEventListener("input", schedule);
  $("prompt").addEventListener("keydown", (e) => { if (e.key === "Enter") schedule(); });

  // ------------------------------------------------------------ language
  function applyLanguage() {
    i18n.apply({ sliders_text: { n: i18n.lang === "en" ? V.kl_images.toLocaleString("en") : V.kl_images,
                                 low: low.toFixed(1), high: high.toFixed(1) } });
    for (const el of document.querySelectorAll(".slider-row .kl")) el.title = i18n.t("kl_title", { kl: (+el.dataset.kl).toFixed(2) });
    repaint();
    showStatus();
  }
  $("lang").addEventListener("click", () => {
    i18n.lang = i18n.lang === "en" ? "zh" : "en";
    history.replaceState(null, "", "#" + i18n.lang);
    applyLanguage();
  });

  applyLanguage();
  generateNow();

  // ------------------------------------------------------------ the test API
  // Plain arrays in and out (they cross into Playwright / Python as JSON).
  window.vaeLessons = {
    // 20 numbers -> 784 pixels in [0, 1] (the classic VAE's decoder)
    decode: (zs) => Array.from(M.vae.decode(Float32Array.from(zs))),
    // 784 pixels -> mu, 20 numbers (the classic VAE's encoder)
    encode: (pixels) => Array.from(M.vae.encode(Float32Array.from(pixels))),
    // prompt -> 784 pixels; a list of prompts -> a list of pictures (one batch, same seed);
    // opts: guidance, steps, seed, and noise (a starting latent, 196 numbers per prompt)
    generate(prompt, opts = {}) {
      if (opts.noise) opts = { ...opts, noise: Float32Array.from(opts.noise) };
      const many = Array.isArray(prompt), r = M.generate(many ? prompt : [prompt], opts);
      const out = [];
      for (let i = 0; i < r.images.length / 784; i++) out.push(Array.from(r.images.subarray(i * 784, (i + 1) * 784)));
      return many ? out : out[0];
    },
    // the denoiser's noise guess for one scaled latent x (4x7x7 = 196 numbers) at timestep t
    eps: (x, t, prompt) => Array.from(M.eps(Float32Array.from(x), [t], [M.promptToId(prompt)])),
    promptToId: (p) => M.promptToId(p),
    // a grey image (h x w numbers, ink bright) -> 784 pixels prepared like MNIST's
    mnistLike: (data, h, w) => Array.from(window.VaeDrawing.mnistLike(Float32Array.from(data), h, w)),
    get z() { return Array.from(z); },
    ready: true,
  };
})();
