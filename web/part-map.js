// part-map.js: part 2 of the page. The 2-D model's latent space as a map: every test digit's mu
// as a dot coloured by its digit; a click or a drag decodes that point; two points A and B are
// joined by a straight line and by slerp, each with the digits decoded along it.
(function (root) {
  "use strict";
  const parts = (root.VaeParts = root.VaeParts || {});
  // one colour per digit, each at least 4.5:1 against the map's white (WCAG AA)
  const COLOURS = ["#1f5fa8", "#b43c0b", "#15803d", "#b91c1c", "#6d28d9", "#7c4a2d", "#be185d", "#374151", "#5f6b00", "#0e7490"];
  const SIZE = 640;     // the map canvas's own pixels (CSS scales it)
  const PATH = 9;       // digits decoded along each path, A and B included

  // Spherical interpolation as vae_lessons.plotting.slerp: along the arc around 0, not the chord.
  function slerp(a, b, t) {
    const na = Math.hypot(...a), nb = Math.hypot(...b);
    const omega = na && nb ? Math.acos(Math.min(1, Math.max(-1, (a[0] * b[0] + a[1] * b[1]) / (na * nb)))) : 0;
    if (Math.abs(omega) < 1e-4 || Math.abs(Math.sin(omega)) < 1e-4) return lerp(a, b, t);
    const s = Math.sin(omega), p = Math.sin((1 - t) * omega) / s, q = Math.sin(t * omega) / s;
    return [p * a[0] + q * b[0], p * a[1] + q * b[1]];
  }
  function lerp(a, b, t) { return [(1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]]; }

  parts.map = function (env) {
    const { M, W, i18n, paint, $, changed } = env;
    const E = W.vae2.extent, mu = M.tensors["map.mu"], labels = M.tensors["map.labels"], count = labels.length;
    const canvas = $("map"), ctx = canvas.getContext("2d");
    canvas.width = canvas.height = SIZE;
    const toPx = ([x, y]) => [((x + E) / (2 * E)) * SIZE, ((E - y) / (2 * E)) * SIZE];
    const fromPx = (px, py) => [(px / SIZE) * 2 * E - E, E - (py / SIZE) * 2 * E];
    const clip = (v) => Math.min(E, Math.max(-E, +v || 0));
    const state = { p: [0, 0], a: [0, 0], b: [0, 0] };

    // The dots and the digits' labels, drawn once; each change redraws only what lies on top.
    const base = document.createElement("canvas");
    base.width = base.height = SIZE;
    (function drawBase() {
      const g = base.getContext("2d"), sum = Array.from({ length: 10 }, () => [0, 0, 0]);
      g.fillStyle = "#fff";
      g.fillRect(0, 0, SIZE, SIZE);
      g.strokeStyle = "#8a9099";
      g.lineWidth = 1;
      g.beginPath();  // the axes through 0
      g.moveTo(SIZE / 2, 0); g.lineTo(SIZE / 2, SIZE); g.moveTo(0, SIZE / 2); g.lineTo(SIZE, SIZE / 2);
      g.stroke();
      g.globalAlpha = 0.6;
      for (let i = 0; i < count; i++) {
        const d = labels[i], [px, py] = toPx([mu[2 * i], mu[2 * i + 1]]);
        g.fillStyle = COLOURS[d];
        g.fillRect(px - 1.5, py - 1.5, 3, 3);
        sum[d][0] += mu[2 * i]; sum[d][1] += mu[2 * i + 1]; sum[d][2]++;
      }
      g.globalAlpha = 1;
      g.font = "bold 34px system-ui, sans-serif";
      g.textAlign = "center";
      g.textBaseline = "middle";
      g.lineWidth = 6;
      g.strokeStyle = "#fff";
      // each digit's label near the centre of its dots, pushed apart so that no label hides another
      const spots = sum.map(([sx, sy, n]) => toPx([sx / n, sy / n]));
      const GAP = 40;
      for (let round = 0; round < 60; round++) {
        for (let i = 0; i < 10; i++) for (let j = i + 1; j < 10; j++) {
          const dx = spots[j][0] - spots[i][0], dy = spots[j][1] - spots[i][1], r = Math.hypot(dx, dy) || 1e-3;
          if (r >= GAP) continue;
          const push = (GAP - r) / 2, ux = r > 1e-3 ? dx / r : 1, uy = r > 1e-3 ? dy / r : 0;
          spots[i] = [spots[i][0] - push * ux, spots[i][1] - push * uy];
          spots[j] = [spots[j][0] + push * ux, spots[j][1] + push * uy];
        }
      }
      sum.forEach((_, d) => {
        const [px, py] = spots[d];
        g.strokeText(String(d), px, py);
        g.fillStyle = COLOURS[d];
        g.fillText(String(d), px, py);
      });
      const centre = (d) => [Math.round(10 * sum[d][0] / sum[d][2]) / 10, Math.round(10 * sum[d][1] / sum[d][2]) / 10];
      state.a = centre(0);  // A and B start near the centres of the 0s and the 1s
      state.b = centre(1);
    })();
    $("map-legend").replaceChildren(...COLOURS.map((c, d) => {
      const item = document.createElement("li"), dot = document.createElement("span");
      dot.className = "swatch";
      dot.style.background = c;
      item.append(dot, String(d));
      return item;
    }));

    function path(kind) {
      return Array.from({ length: PATH }, (_, k) => (kind === "slerp" ? slerp : lerp)(state.a, state.b, k / (PATH - 1)));
    }

    function stroke(points, dash) {
      ctx.setLineDash(dash);
      for (const [width, colour] of [[7, "#fff"], [3, "#111318"]]) {
        ctx.lineWidth = width;
        ctx.strokeStyle = colour;
        ctx.beginPath();
        points.forEach((p, k) => (k ? ctx.lineTo(...toPx(p)) : ctx.moveTo(...toPx(p))));
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    function marker(p, text) {
      const [px, py] = toPx(p);
      ctx.beginPath();
      ctx.arc(px, py, text ? 17 : 13, 0, 2 * Math.PI);
      ctx.fillStyle = text ? "#111318" : "rgba(255,255,255,0.6)";
      ctx.fill();
      ctx.lineWidth = 4;
      ctx.strokeStyle = text ? "#fff" : "#111318";
      ctx.stroke();
      if (text) {
        ctx.fillStyle = "#fff";
        ctx.font = "bold 22px system-ui, sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(text, px, py + 1);
      }
    }

    function draw() {
      ctx.drawImage(base, 0, 0);
      const fine = Array.from({ length: 65 }, (_, k) => k / 64);
      stroke(fine.map((t) => lerp(state.a, state.b, t)), []);
      stroke(fine.map((t) => slerp(state.a, state.b, t)), [12, 9]);
      marker(state.a, "A");
      marker(state.b, "B");
      marker(state.p, "");
      paint($("map-decoded"), M.vae2.decode(Float32Array.from(state.p)));
      $("map-point").textContent = `z = (${state.p[0].toFixed(2)}, ${state.p[1].toFixed(2)})`;
      for (const kind of ["line", "slerp"]) paintStrip($(`path-${kind}`), path(kind));
    }

    // PATH digits side by side on one canvas (28 * PATH by 28 pixels), decoded in one batch
    function paintStrip(strip, points) {
      const g = strip.getContext("2d"), img = g.createImageData(28 * PATH, 28);
      const px = M.vae2.decode(Float32Array.from(points.flat()), points.length);
      for (let k = 0; k < points.length; k++) {
        for (let i = 0; i < 784; i++) {
          const v = Math.round(255 * px[784 * k + i]), o = 4 * ((i / 28 | 0) * 28 * PATH + 28 * k + (i % 28));
          img.data[o] = img.data[o + 1] = img.data[o + 2] = v;
          img.data[o + 3] = 255;
        }
      }
      g.putImageData(img, 0, 0);
    }

    function setPoint(p) {
      state.p = [clip(p[0]), clip(p[1])];
      draw();
      changed();
    }
    function pointerAt(e) {
      const r = canvas.getBoundingClientRect();
      return fromPx(((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE);
    }
    let dragging = false;
    canvas.addEventListener("pointerdown", (e) => {
      dragging = true;
      canvas.setPointerCapture(e.pointerId);
      setPoint(pointerAt(e));
    });
    canvas.addEventListener("pointermove", (e) => { if (dragging) setPoint(pointerAt(e)); });
    canvas.addEventListener("pointerup", () => { dragging = false; });
    canvas.addEventListener("pointercancel", () => { dragging = false; });
    canvas.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 0.5 : 0.1;
      const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key];
      if (move) setPoint([state.p[0] + move[0], state.p[1] + move[1]]);
      else if (e.key === "a" || e.key === "b") setEnd(e.key);
      else return;
      e.preventDefault();
    });
    function setEnd(which) {
      state[which] = state.p.slice();
      draw();
      changed();
    }
    $("set-a").addEventListener("click", () => setEnd("a"));
    $("set-b").addEventListener("click", () => setEnd("b"));

    return {
      // where a point of the latent space is on the page (CSS pixels): for the tests
      clientPoint(p) {
        const r = canvas.getBoundingClientRect(), [px, py] = toPx(p);
        return [r.left + (px / SIZE) * r.width, r.top + (py / SIZE) * r.height];
      },
      path,
      get state() { return { p: state.p.slice(), a: state.a.slice(), b: state.b.slice() }; },
      restore(s) {
        for (const k of ["p", "a", "b"]) if (s[k]) state[k] = [clip(s[k][0]), clip(s[k][1])];
        draw();
      },
      relabel() {
        const thousands = String(count).replace(/\B(?=(\d{3})+$)/g, i18n.lang === "en" ? "," : "");
        canvas.setAttribute("aria-label", i18n.t("map_label", { count: thousands }));
        for (const id of ["path-line", "path-slerp"]) $(id).setAttribute("aria-label", i18n.t("path_label", { n: PATH }));
      },
      draw,
      slerp,
    };
  };
})(window);
