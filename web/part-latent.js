// part-latent.js: part 1 of the page. A digit (drawn, or a sample) -> the encoder's 20 numbers
// on the sliders -> the decoder's digit, and the size of z against the prior's shell.
(function (root) {
  "use strict";
  const parts = (root.VaeParts = root.VaeParts || {});

  parts.latent = function (env) {
    const { M, W, i18n, paint, $, changed } = env;
    const V = W.vae, dim = V.latent_dim, range = V.slider_range, [low, high] = V.shell;
    const z = new Float32Array(dim);
    const sliders = [], readouts = [];
    let encoded = null;  // the 20 numbers of the digit last encoded: "back" returns to them

    // ---------------------------------------------------------------- the sliders
    // Largest KL first: the dimensions the model uses most at the top. Plain spans, not <output>
    // (a live region), so "random z" is not read out twenty times.
    const topKl = Math.max(...V.kl, 1e-9);
    const rows = V.order.map((i) => {
      const row = document.createElement("div");
      row.className = "slider-row";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = `z[${i}]`;
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: -range, max: range, step: 0.05, value: 0 });
      input.setAttribute("aria-label", `z[${i}]`);
      const out = document.createElement("span");
      out.className = "value";
      out.setAttribute("aria-hidden", "true");  // the slider itself says its value
      out.textContent = "0.00";
      const kl = document.createElement("span");
      kl.className = "kl";
      kl.dataset.kl = V.kl[i];
      const bar = document.createElement("span");
      bar.className = "kl-bar";
      bar.style.width = `${(100 * V.kl[i]) / topKl}%`;
      const barBox = document.createElement("span");
      barBox.className = "kl-box";
      barBox.append(bar);
      const klName = document.createElement("span");
      klName.className = "kl-name";
      klName.textContent = "KL";
      kl.append(klName, barBox, V.kl[i].toFixed(1));
      kl.title = i18n.t("kl_title", { kl: V.kl[i].toFixed(2) });
      input.addEventListener("input", () => {
        z[i] = +input.value;
        out.textContent = z[i].toFixed(2);
        repaint();
        changed();
      });
      row.append(name, input, out, kl);
      sliders[i] = input;
      readouts[i] = out;
      return row;
    });
    $("sliders").replaceChildren(...rows);

    // ---------------------------------------------------------------- the meter
    const meter = $("meter"), scaleMax = 2 * high;
    const at = (v) => `${(100 * Math.min(v, scaleMax)) / scaleMax}%`;
    const band = meter.querySelector(".band");
    band.style.left = at(low);
    band.style.width = `${(100 * (high - low)) / scaleMax}%`;
    meter.querySelector(".ticks").replaceChildren(...[0, low, high, scaleMax].map((v) => {
      const tick = document.createElement("span");
      tick.textContent = v ? v.toFixed(1) : "0";
      tick.style.left = at(v);
      return tick;
    }));

    // Decode the 20 numbers, paint them, move the meter: runs on every slider move.
    function repaint() {
      paint($("decoded"), M.vae.decode(z));
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += z[i] * z[i];
      norm = Math.sqrt(norm);
      const inside = norm >= low && norm <= high;
      meter.querySelector(".marker").style.left = at(norm);
      $("norm").textContent = norm.toFixed(2);
      $("meter-text").textContent = i18n.t(inside ? "inside" : "outside");
      $("norm-mini").textContent = norm.toFixed(2);
      const mini = $("decoded-mini").getContext("2d");
      mini.drawImage($("decoded"), 0, 0);
    }

    function setZ(values) {  // every slider at once (clipped to their range), one repaint
      for (let i = 0; i < dim; i++) {
        z[i] = Math.min(range, Math.max(-range, +values[i] || 0));
        sliders[i].value = z[i];
        readouts[i].textContent = z[i].toFixed(2);
      }
      repaint();
      changed();
    }

    let randomSeed = 1;
    $("random").addEventListener("click", () => {
      const g = root.VaeModels.gaussian((Date.now() ^ (randomSeed++ * 0x9e3779b9)) >>> 0);
      setZ(Array.from({ length: dim }, g));
    });
    $("reset").addEventListener("click", () => setZ(new Float32Array(dim)));
    $("back").addEventListener("click", () => encoded && setZ(encoded));

    // ---------------------------------------------------------------- the digit: drawn or a sample
    function showDigit(pixels, keep = true) {  // 784 numbers in [0, 1], prepared like MNIST
      paint($("seen"), pixels);
      const mu = M.vae.encode(pixels);
      if (keep) { encoded = mu; $("back").disabled = false; }
      setZ(mu);
    }
    const pad = root.VaeDrawing.attachPad($("pad"), (strokes, done) => {
      const img = root.VaeDrawing.renderStrokes(strokes);
      showDigit(root.VaeDrawing.mnistLike(img.data, img.h, img.w), done);
    });
    const samples = M.tensors.samples;
    function showSample(d) {
      const pixels = Float32Array.from(samples.subarray(784 * d, 784 * (d + 1)), (v) => v / 255);
      pad.showImage(pixels);
      $("pad-hint").hidden = true;
      showDigit(pixels);
    }
    $("samples").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-sample]");
      if (b) showSample(+b.dataset.sample);
    });
    // clear wipes the pad only: the sliders keep the digit's numbers until the next stroke
    const clear = () => { pad.clear(); $("pad-hint").hidden = false; };
    $("pad").addEventListener("pointerdown", () => { $("pad-hint").hidden = true; });
    $("clear").addEventListener("click", clear);
    $("pad").addEventListener("keydown", (e) => {
      if (/^[0-9]$/.test(e.key)) showSample(+e.key);
      else if (e.key === "Delete" || e.key === "Backspace") clear();
      else return;
      e.preventDefault();
    });

    return {
      get z() { return Array.from(z); },
      setZ,
      showSample,
      // the page opens on a real test digit, or on the 20 numbers a shared link carries
      start(values) {
        if (values) { setZ(values); $("pad-hint").hidden = false; }
        else showSample(V.start);
      },
      relabel() {
        for (const el of $("sliders").querySelectorAll(".kl")) el.title = i18n.t("kl_title", { kl: (+el.dataset.kl).toFixed(2) });
        repaint();
      },
    };
  };
})(window);
