// app.js: the page itself. Builds the models, starts the three parts (part-*.js), keeps the
// page's state in the address (#lang=…&z=…&prompt=…), points the lesson links at Colab while
// online, and exposes window.vaeLessons, the small API the tests (tests/test_web.py) and
// benchmarks/web_speed.py drive the page with.
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
    document.documentElement.classList.remove("i18n-pending");
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

  let hashTimer = 0, started = false;  // the address follows what the reader changes, not the start
  const changed = () => { if (started) { clearTimeout(hashTimer); hashTimer = setTimeout(writeHash, 250); } };
  const env = { M, W, i18n, paint, $, changed };
  const parts = window.VaeParts, latent = parts.latent(env), map = parts.map(env), sd = parts.diffusion(env);

  // ------------------------------------------------------------ the state, in the address
  // #lang=en&z=0.12,-1.3,…&p=x,y&a=x,y&b=x,y&prompt=7&g=2.5&steps=25&seed=0: a link to a set-up.
  const round = (v) => String(Math.round(100 * v) / 100);
  function state() { return { lang: i18n.lang, z: latent.z, ...map.state, ...sd.state }; }
  function toHash(s) {
    const params = new URLSearchParams({ lang: s.lang, z: s.z.map(round).join(",") });
    for (const k of ["p", "a", "b"]) params.set(k, s[k].map(round).join(","));
    for (const k of ["prompt", "g", "steps", "seed"]) params.set(k, s[k]);
    return "#" + params.toString();
  }
  function fromHash(hash) {
    const params = new URLSearchParams(String(hash).replace(/^#/, ""));
    const list = (k, n) => {
      const v = (params.get(k) || "").split(",").map((x) => (x.trim() === "" ? NaN : +x));
      return v.length === n && v.every(Number.isFinite) ? v : undefined;
    };
    const number = (k) => {
      const v = (params.get(k) || "").trim();
      return v !== "" && Number.isFinite(+v) ? +v : undefined;
    };
    return { lang: i18n.fromHash(hash), z: list("z", W.vae.latent_dim), p: list("p", 2), a: list("a", 2), b: list("b", 2),
             prompt: params.has("prompt") ? params.get("prompt") : undefined,
             g: number("g"), steps: number("steps"), seed: number("seed") };
  }
  function writeHash() {
    clearTimeout(hashTimer);
    hashTimer = 0;
    history.replaceState(null, "", toHash(state()));
  }
  function restore(s) {  // what a link carries; the rest stays as it is
    if (s.z) latent.setZ(s.z);
    map.restore(s);
    sd.restore(s);
  }
  window.addEventListener("hashchange", () => {  // a link pasted into this tab's address bar
    const s = fromHash(location.hash);
    restore(s);
    if (s.lang && s.lang !== i18n.lang) { i18n.lang = s.lang; applyLanguage(); }
    sd.generate();
  });

  // ------------------------------------------------------------ the lesson links
  // Offline (or from disk with no network) they open the notebooks beside the page; online, in
  // Colab. The address is put together here, at run time: no file of the page names a web address.
  const COLAB = ["https:", "", "colab.research.google.com", "github", "vae-lessons", "vae-lessons", "blob", "main",
                 "notebooks"].join("/");
  function updateLinks() {
    const online = navigator.onLine;
    for (const a of document.querySelectorAll("a[data-notebook]")) {
      a.href = online ? `${COLAB}/${a.dataset.notebook}` : `../notebooks/${a.dataset.notebook}`;
      if (online) Object.assign(a, { target: "_blank", rel: "noopener" });
      else { a.removeAttribute("target"); a.removeAttribute("rel"); }
    }
    $("links-note").textContent = i18n.t(online ? "links_online" : "links_offline");
  }
  window.addEventListener("online", updateLinks);
  window.addEventListener("offline", updateLinks);

  // ------------------------------------------------------------ language
  const [low, high] = W.vae.shell;
  function relabel() {
    latent.relabel();
    map.relabel();
    sd.relabel();
    updateLinks();
    $("lang-name").setAttribute("lang", i18n.lang === "en" ? "zh" : "en");
  }
  function applyLanguage() {
    i18n.apply({ draw_more: { n: i18n.lang === "en" ? W.vae.kl_images.toLocaleString("en") : W.vae.kl_images,
                              low: low.toFixed(1), high: high.toFixed(1) } });
    relabel();
  }
  $("lang").addEventListener("click", () => {
    i18n.lang = i18n.lang === "en" ? "zh" : "en";
    applyLanguage();
    writeHash();
  });

  // ------------------------------------------------------------ sharing
  $("share").addEventListener("click", async () => {
    writeHash();
    try {
      await navigator.clipboard.writeText(location.href);
    } catch (e) {  // no clipboard (an old browser, or not allowed): the old way
      const box = Object.assign(document.createElement("textarea"), { value: location.href });
      document.body.append(box);
      box.select();
      document.execCommand("copy");
      box.remove();
    }
    $("share").textContent = i18n.t("share_done");
    setTimeout(() => { $("share").textContent = i18n.t("share"); }, 2000);
  });

  // ------------------------------------------------------------ the test API
  // Plain arrays in and out (they cross into Playwright / Python as JSON).
  const api = window.vaeLessons = {
    // 20 numbers -> 784 pixels in [0, 1] (the classic VAE's decoder)
    decode: (zs) => Array.from(M.vae.decode(Float32Array.from(zs))),
    // 784 pixels -> mu, 20 numbers (the classic VAE's encoder)
    encode: (pixels) => Array.from(M.vae.encode(Float32Array.from(pixels))),
    // 2 numbers -> 784 pixels (the 2-D VAE's decoder: the map)
    decode2: (p) => Array.from(M.vae2.decode(Float32Array.from(p))),
    // prompt -> 784 pixels; a list of prompts -> a list of pictures (one batch, same seed);
    // opts: guidance, steps, seed, and noise (a starting latent, 196 numbers per prompt)
    generate(prompt, opts = {}) {
      const many = Array.isArray(prompt), r = M.generate(many ? prompt : [prompt], opts);
      const out = [];
      for (let i = 0; i < r.images.length / 784; i++) out.push(Array.from(r.images.subarray(i * 784, (i + 1) * 784)));
      return many ? out : out[0];
    },
    // the denoiser's noise guess for one scaled latent x (4x7x7 = 196 numbers) at timestep t
    eps: (x, t, prompt) => Array.from(M.eps(Float32Array.from(x), [t], [M.promptToId(prompt)])),
    // a seed's starting noise (196 numbers), and a scaled latent's picture
    noise: (seed) => Array.from(M.startNoise(seed)),
    decodeLatent: (x) => Array.from(M.decodeLatents(Float32Array.from(x), 1)),
    promptToId: (p) => M.promptToId(p),
    // a grey image (h x w numbers, ink bright) -> 784 pixels prepared like MNIST's
    mnistLike: (data, h, w) => Array.from(window.VaeDrawing.mnistLike(Float32Array.from(data), h, w)),
    get z() { return latent.z; },
    get state() { return state(); },
    map,
    walk: { get info() { return sd.walk; }, show: (k) => sd.show(k), play: (on) => sd.play(on) },
    get generations() { return sd.generations; },
    get busy() { return sd.busy; },
    ready: false,
    firstGenerationAt: null,  // performance.now() when the first generation started
    readyAt: null,            // performance.now() when every part showed its first result
  };

  // ------------------------------------------------------------ start
  // The English text is in index.html already; another language replaces it before anything
  // else. Every part shows its first result; the first generation waits for the first paint.
  const initial = fromHash(location.hash);
  latent.start(initial.z);
  map.restore(initial);
  sd.restore(initial);
  if (i18n.lang !== "en") applyLanguage(); else updateLinks();  // index.html holds the English
  document.documentElement.classList.remove("i18n-pending");
  started = true;
  afterFirstPaint(() => {
    api.firstGenerationAt = performance.now();
    sd.first(() => {
      api.readyAt = performance.now();
      api.ready = true;
      setTimeout(() => sd.timeAgain(), 0);  // a second run, unseen: the timing shown is the steady one
    });
  });
})();

// Run `then` once the browser reports its first contentful paint (a frame and a task later is
// not enough on a busy machine), or after half a second where paint timing is not reported.
function afterFirstPaint(then) {
  let done = false;
  const once = () => { if (!done) { done = true; setTimeout(then, 0); } };
  if ("PerformanceObserver" in window &&
      (PerformanceObserver.supportedEntryTypes || []).includes("paint")) {
    new PerformanceObserver((list, observer) => {
      if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); once(); }
    }).observe({ type: "paint", buffered: true });
  }
  setTimeout(once, 500);
}
