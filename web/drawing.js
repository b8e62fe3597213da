// drawing.js: your own digit, as MNIST would have it (vae_lessons/drawing.py, in the browser).
//
// Why: the encoder has only ever seen MNIST digits, fitted into a 20x20 box, centred by their
// centre of mass in 28x28, strokes 2-3 pixels wide. A digit drawn big, off-centre or thin is far
// from anything it knows, and its 20 numbers would say more about the pen than about the digit.
(function (root) {
  "use strict";
  const BOX = 20, SIZE = 28, roundHalfEven = root.VaeNN.roundHalfEven;
  const STROKE = 0.12;      // stroke width as a fraction of the digit's longer side (~2.4 px in 20)
  const SUPERSAMPLE = 8;    // strokes are drawn 8x finer, then averaged down (anti-aliasing)

  // An off-screen canvas kept for reuse (a stroke is rendered once per frame while it is drawn).
  const scratch = {};
  function scratchCanvas(name, side) {
    if (!scratch[name]) scratch[name] = document.createElement("canvas");
    const canvas = scratch[name];
    if (canvas.width !== side) canvas.width = canvas.height = side;
    return canvas;
  }

  // Strokes (lists of [x, y] in [0, 1] canvas coordinates) -> a grey image {data, h, w} of the
  // digit at an MNIST-like stroke width, whatever size it was drawn at (render_strokes).
  function renderStrokes(strokes) {
    const points = strokes.flat();
    if (!points.length) return { data: new Float32Array(SIZE * SIZE), h: SIZE, w: SIZE };
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const minX = Math.min(...xs), minY = Math.min(...ys);
    const extent = Math.max(Math.max(...xs) - minX, Math.max(...ys) - minY, 1e-3);
    const res = BOX * SUPERSAMPLE, scale = (res - 1) / extent / (1 + STROKE), pad = res * STROKE;
    const side = Math.floor(res * (1 + 2 * STROKE)) + 2, width = STROKE * res;
    const canvas = scratchCanvas("strokes", side);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, side, side);
    ctx.strokeStyle = ctx.fillStyle = "#fff";
    ctx.lineWidth = Math.round(width);
    ctx.lineCap = ctx.lineJoin = "round";   // round caps and joints, like drawing.py's dots
    for (const stroke of strokes) {
      const pts = stroke.map(([x, y]) => [(x - minX) * scale + pad, (y - minY) * scale + pad]);
      ctx.beginPath();
      ctx.moveTo(pts[0][0], pts[0][1]);
      for (const [x, y] of pts.slice(1)) ctx.lineTo(x, y);
      if (pts.length === 1) { ctx.arc(pts[0][0], pts[0][1], width / 2, 0, 2 * Math.PI); ctx.fill(); }
      else ctx.stroke();
    }
    const rgba = ctx.getImageData(0, 0, side, side).data, data = new Float32Array(side * side);
    for (let i = 0; i < data.length; i++) data[i] = rgba[4 * i] / 255;
    return { data, h: side, w: side };
  }

  // torch's F.interpolate(mode="area") = adaptive average pooling: output cell i averages input
  // cells floor(i * n / m) .. ceil((i + 1) * n / m) - 1.
  function areaResize(src, n, m) {
    const out = new Float32Array(m * m);
    const lo = (i) => Math.floor((i * n) / m), hi = (i) => Math.ceil(((i + 1) * n) / m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let sum = 0;
        for (let r = lo(i); r < hi(i); r++) for (let c = lo(j); c < hi(j); c++) sum += src[r * n + c];
        out[i * m + j] = sum / ((hi(i) - lo(i)) * (hi(j) - lo(j)));
      }
    }
    return out;
  }

  // torch's F.interpolate(mode="bilinear", align_corners=False), for a digit smaller than the box.
  function bilinearResize(src, n, m) {
    const out = new Float32Array(m * m), k = n / m;
    const at = (i) => { const p = Math.max((i + 0.5) * k - 0.5, 0), i0 = Math.floor(p); return [i0, Math.min(i0 + 1, n - 1), p - i0]; };
    for (let i = 0; i < m; i++) {
      const [r0, r1, fr] = at(i);
      for (let j = 0; j < m; j++) {
        const [c0, c1, fc] = at(j);
        const top = src[r0 * n + c0] * (1 - fc) + src[r0 * n + c1] * fc;
        const bottom = src[r1 * n + c0] * (1 - fc) + src[r1 * n + c1] * fc;
        out[i * m + j] = top * (1 - fr) + bottom * fr;
      }
    }
    return out;
  }

  // Any grey image of a digit (h, w >= 28, ink bright) -> 784 pixels as MNIST prepares them
  // (mnist_like): crop to the ink, fit the longer side into 20 pixels, place in 28x28, shift
  // the centre of mass to the middle. A blank image gives zeros.
  function mnistLike(data, h, w) {
    let max = 0;
    for (let i = 0; i < h * w; i++) if (data[i] > max) max = data[i];
    if (max <= 0) return new Float32Array(SIZE * SIZE);
    let top = h, bottom = -1, left = w, right = -1;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        if (data[r * w + c] > Math.fround(max * Math.fround(0.05))) {
          top = Math.min(top, r); bottom = Math.max(bottom, r); left = Math.min(left, c); right = Math.max(right, c);
        }
      }
    }
    const ch = bottom - top + 1, cw = right - left + 1, side = Math.max(ch, cw);
    const square = new Float32Array(side * side), oy = (side - ch) >> 1, ox = (side - cw) >> 1;
    for (let r = 0; r < ch; r++) for (let c = 0; c < cw; c++) square[(oy + r) * side + ox + c] = data[(top + r) * w + left + c];
    const small = side >= BOX ? areaResize(square, side, BOX) : bilinearResize(square, side, BOX);
    const out = new Float32Array(SIZE * SIZE);
    let peak = 0;
    for (let i = 0; i < BOX * BOX; i++) peak = Math.max(peak, small[i]);
    for (let r = 0; r < BOX; r++) for (let c = 0; c < BOX; c++) out[(r + 4) * SIZE + c + 4] = small[r * BOX + c] / peak;
    let mass = 0, my = 0, mx = 0;
    for (let r = 0; r < SIZE; r++) for (let c = 0; c < SIZE; c++) { const v = out[r * SIZE + c]; mass += v; my += r * v; mx += c * v; }
    const dy = roundHalfEven(13.5 - my / mass), dx = roundHalfEven(13.5 - mx / mass);
    const shifted = new Float32Array(SIZE * SIZE);  // the margin is empty, nothing wraps round
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const v = out[r * SIZE + c];
        shifted[(((r + dy) % SIZE + SIZE) % SIZE) * SIZE + (((c + dx) % SIZE + SIZE) % SIZE)] = Math.min(1, Math.max(0, v));
      }
    }
    return shifted;
  }

  // A drawing pad: pointer (mouse, touch, pen) strokes on `canvas`. `onChange(strokes, done)`
  // runs once per animation frame while a stroke is drawn (done = false) and after each stroke
  // (done = true). Coordinates are fractions of the canvas, so its on-screen size does not matter.
  // showImage(pixels) shows a 28x28 picture instead (a sample digit); the next stroke starts afresh.
  function attachPad(canvas, onChange) {
    const ctx = canvas.getContext("2d");
    let strokes = [], current = null, image = null, frame = 0;
    const at = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height]; };
    function paint() {
      const s = canvas.width;
      ctx.fillStyle = "#000";
      ctx.fillRect(0, 0, s, s);
      if (image) { ctx.imageSmoothingEnabled = true; ctx.drawImage(image, 0, 0, s, s); return; }
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = s / 14;
      ctx.lineCap = ctx.lineJoin = "round";
      for (const st of strokes.concat(current ? [current] : [])) {
        ctx.beginPath();
        st.forEach(([x, y], i) => (i ? ctx.lineTo(x * s, y * s) : ctx.moveTo(x * s, y * s)));
        if (st.length === 1) ctx.lineTo(st[0][0] * s + 0.1, st[0][1] * s);
        ctx.stroke();
      }
    }
    const live = () => { frame = 0; if (current) onChange(strokes.concat([current]), false); };
    canvas.addEventListener("pointerdown", (e) => {
      canvas.setPointerCapture(e.pointerId);
      if (image) { image = null; strokes = []; }
      current = [at(e)];
      paint();
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!current) return;
      current.push(at(e));
      paint();
      if (!frame) frame = requestAnimationFrame(live);
    });
    const up = () => {
      if (!current) return;
      strokes.push(current);
      current = null;
      cancelAnimationFrame(frame);
      frame = 0;
      paint();
      onChange(strokes, true);
    };
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    paint();
    return {
      clear() { strokes = []; current = null; image = null; paint(); },
      showImage(pixels) {  // 784 numbers in [0, 1]
        const small = scratchCanvas("sample", SIZE), sctx = small.getContext("2d"), img = sctx.createImageData(SIZE, SIZE);
        for (let i = 0; i < SIZE * SIZE; i++) {
          img.data.fill(Math.round(255 * pixels[i]), 4 * i, 4 * i + 3);
          img.data[4 * i + 3] = 255;
        }
        sctx.putImageData(img, 0, 0);
        image = small;
        strokes = [];
        current = null;
        paint();
      },
      get strokes() { return strokes; },
    };
  }

  root.VaeDrawing = { renderStrokes, mnistLike, attachPad };
})(typeof window !== "undefined" ? window : globalThis);
