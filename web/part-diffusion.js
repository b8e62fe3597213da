// part-diffusion.js: part 3 of the page. A prompt -> the denoiser's DDIM steps from seeded noise,
// run in slices so the page stays responsive and the overview strip lights up as they run ->
// the decoder's picture. Every step is kept: the walk shows, for any step k from 0, the noisy
// latent x_t decoded and the denoiser's guess x0, with play/pause and a scrub slider.
(function (root) {
  "use strict";
  const parts = (root.VaeParts = root.VaeParts || {});
  const SLICE_MS = 12;      // work between two chances for the browser to paint
  const TYPING_MS = 400;    // the prompt is read this long after the last key
  const WALK_MS = 2400;     // one play of the walk, whatever the number of steps
  const HEAT = 2.5;         // the channels' colour scale: |value| >= 2.5 is full colour

  // A task queued behind whatever the browser has to do (input, paint), without setTimeout's delay.
  const channel = new MessageChannel(), queue = [];
  channel.port1.onmessage = () => queue.shift()();
  function soon(fn) { queue.push(fn); channel.port2.postMessage(0); }

  parts.diffusion = function (env) {
    const { M, W, i18n, paint, $, changed } = env;
    const D = W.diffusion;
    const prompt = $("prompt"), guidance = $("guidance"), steps = $("steps"), seed = $("seed"), scrub = $("scrub");
    guidance.value = D.guidance;
    steps.max = D.max_steps;
    steps.value = D.steps;

    const status = { kind: null, detail: null, ms: null, steps: 0, first: true };
    let token = 0, timer = 0, done = null, running = null;  // the last finished generation, the one under way
    let frame = 0, follow = true, playing = 0, generations = 0, onReady = null;
    const cache = new Map();                 // decoded pictures of the shown generation's frames

    // ---------------------------------------------------------------- the overview strip
    function light(stage, k, n) {
      const on = { start: ["prompt", "text"], denoiser: ["denoiser"], decoder: ["decoder"] }[stage];
      for (const li of $("overview").children) li.classList.toggle("on", on.includes(li.dataset.stage));
      $("stage-steps").textContent = stage === "denoiser" ? i18n.t("stage_step", { k, n }) : i18n.t("stage_steps", { n });
    }

    // ---------------------------------------------------------------- messages
    function messageFor() {
      const list = (items) => items.join(i18n.lang === "zh" ? "、" : ", ");
      const { kind, detail } = status;
      if (kind === "unknown") return i18n.t("unknown", { words: list(detail.map((w) => `“${w}”`)) });
      if (kind === "several") return i18n.t("several", { digits: list(detail) });
      if (kind === "typing") return i18n.t("typing", { words: list(detail.slice(0, 4)) });
      if (kind === "empty") return i18n.t("empty_prompt");
      if (kind === "ignored") return i18n.t("ignored");
      return "";
    }
    function showStatus() {
      const msg = $("message"), error = status.kind === "unknown" || status.kind === "several";
      msg.className = "message" + (error ? " error" : status.kind === "typing" ? " hint" : "");
      msg.textContent = messageFor();
      $("walk").classList.toggle("stale", error);  // the pictures are not the prompt's
      if (status.ms !== null) {
        const ms = status.ms.toFixed(0);
        $("timing").textContent = status.first ? i18n.t("timing_first", { ms })
          : i18n.t(status.steps === 1 ? "timing_one" : "timing", { ms, steps: status.steps });
      }
    }

    // ---------------------------------------------------------------- generation, in slices
    function settings() {
      const s = Math.max(0, Math.floor(+seed.value || 0));
      return { prompt: prompt.value, g: +guidance.value, steps: +steps.value, seed: s };
    }
    function start({ silent = false, play = false, whole = false } = {}) {
      clearTimeout(timer);
      timer = 0;
      const s = settings();
      $("guidance-value").textContent = s.g.toFixed(1);
      $("steps-value").textContent = s.steps;
      $("stage-prompt").textContent = `“${s.prompt.trim().slice(0, 24)}”`;
      let sampler;
      try {
        sampler = M.sampler([s.prompt], { guidance: s.g, steps: s.steps, seed: s.seed });
      } catch (err) {
        if (!(err instanceof root.VaeModels.PromptError)) throw err;
        const words = M.completions(s.prompt);
        Object.assign(status, words.length ? { kind: "typing", detail: words } : { kind: err.code, detail: err.detail });
        token++;  // a generation still running is for an older prompt: drop it
        running = null;
        // nothing runs for this prompt: no stage is lit (the pictures are still the last prompt's)
        for (const li of $("overview").children) li.classList.remove("on");
        showStatus();
        return;
      }
      const job = { token: ++token, silent, play, whole, sampler, ts: sampler.ts,
                    xs: [sampler.x], x0s: [null], ms: 0, ...s };  // xs[k], x0s[k]: after step k
      running = job;
      if (!silent) light("start", 0, s.steps);
      soon(() => slice(job));
    }
    function slice(job) {
      if (job.token !== token) return;  // a newer request took over
      const t0 = performance.now(), s = job.sampler;
      while (!s.done && (job.whole || performance.now() - t0 < SLICE_MS)) { job.x0s.push(s.step()); job.xs.push(s.x); }
      if (s.done) job.images = M.decodeLatents(s.x, 1);
      job.ms += performance.now() - t0;
      if (!s.done) {
        if (!job.silent) light("denoiser", job.xs.length - 1, job.steps);
        soon(() => slice(job));
      } else finish(job);
    }
    function finish(job) {
      running = null;
      const empty = M.promptToId(job.prompt) === W.vocabulary.empty;
      if (job.silent) {  // timeAgain's run after the first load: only its time is shown
        if (status.ms !== null) Object.assign(status, { ms: job.ms, first: false });
        showStatus();
        return;
      }
      Object.assign(status, { kind: empty ? "empty" : job.g === 0 ? "ignored" : null, detail: null,
                              ms: job.ms, steps: job.steps, first: generations === 0 });
      done = job;
      cache.clear();  // the last step's x0 is the final latent (no noise is added back): one picture for the three
      for (const which of ["xt", "x0"]) cache.set(which + job.steps, job.images);
      generations++;
      paint($("result"), job.images);
      scrub.max = job.steps;
      showStatus();
      $("timing").dataset.ms = job.ms;
      show(follow ? job.steps : Math.min(frame, job.steps));
      if (job.play) play(true);
      if (onReady) { const f = onReady; onReady = null; f(); }
    }

    // ---------------------------------------------------------------- the walk
    function picture(k, which) {  // the decoded x_t (which = "xt") or x0 of frame k, kept
      const key = which + k;
      if (!cache.has(key)) cache.set(key, M.decodeLatents(which === "xt" ? done.xs[k] : done.x0s[k], 1));
      return cache.get(key);
    }
    function show(k) {
      if (!done) return;
      const n = done.steps;
      frame = k;
      scrub.value = k;
      paint($("xt"), picture(k, "xt"));
      if (k > 0) paint($("x0"), picture(k, "x0"));
      else paint($("x0"), new Float32Array(784));
      $("no-guess").hidden = k > 0;
      heat(done.xs[k]);
      const t = k < n ? done.ts[k] : 0, p = Math.round(100 * Math.sqrt(1 - (k < n ? M.alphasBar[t] : 1)));
      $("frame-label").textContent = k === 0 ? i18n.t("frame_start", { n, t })
        : k === n ? i18n.t("frame_end", { n }) : i18n.t("frame", { k, n, t, p });
      light(k === 0 ? "start" : k === n ? "decoder" : "denoiser", k, n);
    }
    // The latent's 4 channels as 7x7 heat maps in a 2x2 grid on one 15x15 canvas (a grey line
    // between them): red above 0, blue below, white at 0.
    const heatmap = document.createElement("canvas");
    heatmap.width = heatmap.height = 15;
    heatmap.setAttribute("aria-hidden", "true");  // #channels, the grid's box, is labelled
    $("channels").replaceChildren(heatmap);
    function heat(latent) {
      const ctx = heatmap.getContext("2d"), img = ctx.createImageData(15, 15);
      for (let i = 0; i < img.data.length; i += 4) img.data.set([74, 80, 90, 255], i);  // the grid's lines
      for (let c = 0; c < 4; c++) {
        const top = 8 * (c >> 1), left = 8 * (c & 1);
        for (let i = 0; i < 49; i++) {
          const v = Math.max(-1, Math.min(1, latent[c * 49 + i] / HEAT)), a = Math.round(255 * (1 - Math.abs(v)));
          img.data.set(v >= 0 ? [255, a, a, 255] : [a, a, 255, 255], 4 * ((top + ((i / 7) | 0)) * 15 + left + (i % 7)));
        }
      }
      ctx.putImageData(img, 0, 0);
    }

    function play(on) {
      clearInterval(playing);
      playing = 0;
      $("play").textContent = i18n.t(on ? "pause" : "play");
      $("play").setAttribute("aria-pressed", String(!!on));
      if (!on || !done) return;
      if (frame >= done.steps) show(0);
      playing = setInterval(() => {
        if (frame >= done.steps) { play(false); follow = true; return; }
        show(frame + 1);
      }, Math.max(40, WALK_MS / done.steps));
    }
    $("play").addEventListener("click", () => play(!playing));
    scrub.addEventListener("input", () => {
      if (!done) return;
      play(false);
      follow = +scrub.value === done.steps;
      show(+scrub.value);
    });

    // ---------------------------------------------------------------- the controls
    prompt.addEventListener("input", () => {  // read when the typing stops, then play the walk once
      clearTimeout(timer);
      timer = setTimeout(() => start({ play: true }), TYPING_MS);
      changed();
    });
    prompt.addEventListener("keydown", (e) => { if (e.key === "Enter") start({ play: true }); });
    for (const el of [guidance, steps, seed]) el.addEventListener("input", () => { start(); changed(); });
    $("new-seed").addEventListener("click", () => { seed.value = (+seed.value || 0) + 1; start(); changed(); });

    return {
      get state() { const s = settings(); return { prompt: s.prompt, g: s.g, steps: s.steps, seed: s.seed }; },
      restore(s) {
        if (typeof s.prompt === "string") prompt.value = s.prompt;
        if (Number.isFinite(s.g)) guidance.value = s.g;
        if (Number.isFinite(s.steps)) steps.value = s.steps;
        if (Number.isFinite(s.seed)) seed.value = Math.max(0, Math.floor(s.seed));
      },
      // the first generation; `ready` runs when its picture is on screen
      first(ready) {  // in one go (the page's first paint is done, nothing else waits), then the walk plays once
        onReady = ready;
        start({ whole: true, play: true });
        if (!running) { onReady = null; ready(); }  // a shared link's prompt may not be understood
      },
      timeAgain() { if (!running && !timer) start({ silent: true }); },  // the same generation, only timed
      generate: start,
      relabel() {
        showStatus();
        $("play").textContent = i18n.t(playing ? "pause" : "play");
        if (done) show(frame); else light("start", 0, +steps.value);
        if (["unknown", "several", "typing"].includes(status.kind)) {
          for (const li of $("overview").children) li.classList.remove("on");
        }
      },
      show: (k) => { play(false); follow = done && k === done.steps; show(k); },
      play,
      get walk() {
        return done && { frame, steps: done.steps, playing: !!playing, latent: Array.from(done.xs[frame]),
                         seed: done.seed, prompt: done.prompt };
      },
      get generations() { return generations; },
      get busy() { return running !== null || timer !== 0; },
    };
  };
})(window);
