// The drawing canvas of vae_lessons.drawing.Canvas (an anywidget ES module): in "draw" mode it
// sends the strokes drawn with mouse, touch or pen; in "pad" mode, the point dragged over a backdrop.
function render({ model, el }) {
  const size = model.get("size");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  canvas.className = "vae-canvas";
  canvas.style.cssText = "touch-action:none;cursor:crosshair;border:2px solid #888;border-radius:6px;background:#000";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const backdrop = new Image();
  let strokes = [], current = null, drag = false;
  const at = (e) => { const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height]; };
  function paint() {
    ctx.fillStyle = "#000"; ctx.fillRect(0, 0, size, size);
    if (model.get("mode") === "pad") {
      if (backdrop.complete && backdrop.src) ctx.drawImage(backdrop, 0, 0, size, size);
      const [x, y] = model.get("point");
      ctx.beginPath(); ctx.arc(x * size, y * size, 8, 0, 2 * Math.PI);
      ctx.fillStyle = "#fff"; ctx.fill(); ctx.lineWidth = 3; ctx.strokeStyle = "#d62728"; ctx.stroke();
      return;
    }
    ctx.strokeStyle = "#fff"; ctx.fillStyle = "#fff"; ctx.lineCap = ctx.lineJoin = "round";
    ctx.lineWidth = size / 14;
    for (const s of strokes.concat(current ? [current] : [])) {
      ctx.beginPath();
      s.forEach(([x, y], i) => i ? ctx.lineTo(x * size, y * size) : ctx.moveTo(x * size, y * size));
      if (s.length === 1) ctx.lineTo(s[0][0] * size + 0.1, s[0][1] * size);
      ctx.stroke();
    }
  }
  function send() {
    if (model.get("mode") === "pad") return;
    model.set("strokes", strokes.map((s) => s.slice())); model.save_changes();
  }
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId); drag = true;
    if (model.get("mode") === "pad") { model.set("point", at(e)); model.save_changes(); paint(); }
    else { current = [at(e)]; paint(); }
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    if (model.get("mode") === "pad") { model.set("point", at(e)); model.save_changes(); }
    else { current.push(at(e)); }
    paint();
  });
  const up = () => { if (!drag) return; drag = false;
    if (current) { strokes.push(current); current = null; send(); } paint(); };
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  model.on("change:strokes", () => { if (!model.get("strokes").length) { strokes = []; paint(); } });
  model.on("change:point", paint);
  model.on("change:backdrop", () => { backdrop.src = model.get("backdrop"); });
  backdrop.onload = paint;
  if (model.get("backdrop")) backdrop.src = model.get("backdrop");
  paint();
}
export default { render };
