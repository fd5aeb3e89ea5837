// demo.mjs — the page's logic: a drawing pad, the compiled model (./model/model.mjs, written by
// `pnn build`), and bars for class probabilities and detector intensities. Exposes
// window.pnnDemo for the headless-browser test (test/web/demo.test.ts).
import { load } from "./model/model.mjs";
import { inkFromRgba, pool, softmax, toMnist28 } from "./preprocess.mjs";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d", { willReadFrequently: true });
const status = document.getElementById("status");
const model = await load();
const side = Math.round(Math.sqrt(model.info.inputs[0].shape[0]));
const names = model.info.classes ?? Array.from({ length: model.info.outputs[0].shape[0] }, (_, i) => String(i));
document.getElementById("network").textContent =
  `Network ${model.info.network} from ${model.info.source} (${model.info.weights}; ${model.info.flopsPerInference} FLOPs per digit), input ${side}×${side}.`;

function clear() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, pad.width, pad.height);
  render(null);
}

function bars(el, values, labels, cls, best, fmt) {
  const max = Math.max(1e-12, ...values);
  el.replaceChildren(...values.flatMap((v, i) => {
    const label = Object.assign(document.createElement("span"), { textContent: labels[i] });
    const track = document.createElement("div");
    track.append(Object.assign(document.createElement("div"), { className: `bar ${cls}` }));
    track.firstChild.style.width = `${(100 * Math.max(0, v)) / max}%`;
    const num = Object.assign(document.createElement("span"), { textContent: fmt(v) });
    const row = [label, track, num];
    if (i === best) row.forEach((e) => e.classList.add("best"));
    return row;
  }));
}

/** Classifies a 28×28 image in [0, 1]; returns what the page shows. */
function classify28(img28) {
  const x = pool(img28, side);
  const out = model.run(x);
  const probs = softmax(out.logits);
  const best = probs.indexOf(Math.max(...probs));
  return { digit: best, label: names[best], probs, detectors: out.detectors ? Array.from(out.detectors) : [], x: Array.from(x) };
}

function render(r) {
  document.getElementById("digit").textContent = r ? r.label : "–";
  bars(document.getElementById("classes"), r ? r.probs : names.map(() => 0), names, "", r?.digit, (v) => v.toFixed(3));
  const det = r?.detectors ?? [];
  bars(document.getElementById("detectors"), det, det.map((_, i) => `mode ${i}`), "det", -1, (v) => v.toExponential(2));
}

function classifyPad() {
  const { data, width, height } = ctx.getImageData(0, 0, pad.width, pad.height);
  const img = toMnist28(inkFromRgba(data, width, height), width, height);
  if (!img.some((v) => v > 0)) return render(null);
  const r = classify28(img);
  render(r);
  return r;
}

let drawing = false;
let last = null;
pad.addEventListener("pointerdown", (e) => { drawing = true; last = [e.offsetX, e.offsetY]; pad.setPointerCapture(e.pointerId); });
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 20;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(...last);
  ctx.lineTo(e.offsetX, e.offsetY);
  ctx.stroke();
  last = [e.offsetX, e.offsetY];
  classifyPad();
});
pad.addEventListener("pointerup", () => { drawing = false; classifyPad(); });
document.getElementById("clear").addEventListener("click", clear);
clear();
status.textContent = "ready";
window.pnnDemo = { info: model.info, classify28, classifyPad, predict: (x) => Array.from(model.predict(x)), ready: true };
