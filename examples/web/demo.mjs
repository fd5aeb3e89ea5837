// demo.mjs — the page's logic: a drawing pad, the compiled model, and bars for class
// probabilities and detector intensities. Two builds of the same network (written by `pnn build`):
// ./model/ (WebAssembly, the default) and ./model-webgpu/ (WGSL on the GPU, chosen with the
// engine switch or ?engine=webgpu); when WebGPU is unavailable the page says why and falls back to
// WebAssembly. Exposes window.pnnDemo for the headless-browser tests (test/web/demo.test.ts,
// test/wgsl/demo.test.ts).
import { load as loadWasm } from "./model/model.mjs";
import { inkFromRgba, pool, softmax, toMnist28 } from "./preprocess.mjs";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d", { willReadFrequently: true });
const status = document.getElementById("status");
const engineSwitch = document.getElementById("engine");

/** The model on the asked engine: WebGPU when asked and available, else WebAssembly (with the reason). */
async function loadEngine(asked) {
  if (asked === "webgpu") {
    try {
      if (!navigator.gpu) throw new Error("this browser has no WebGPU (navigator.gpu is undefined)");
      const { load } = await import("./model-webgpu/model.mjs");
      return { engine: "webgpu", model: await load(), note: "" };
    } catch (e) {
      return { engine: "wasm", model: await loadWasm(), note: `WebGPU unavailable (${e.message}); using WebAssembly` };
    }
  }
  return { engine: "wasm", model: await loadWasm(), note: "" };
}

const asked = new URLSearchParams(location.search).get("engine") === "webgpu" ? "webgpu" : "wasm";
const { engine, model, note } = await loadEngine(asked);
engineSwitch.value = engine;
engineSwitch.addEventListener("change", () => {
  const url = new URL(location.href);
  url.searchParams.set("engine", engineSwitch.value);
  location.href = url.href;
});
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

/** What the page shows for one run's outputs. */
function shown(out, x) {
  const probs = softmax(out.logits);
  const best = probs.indexOf(Math.max(...probs));
  return { digit: best, label: names[best], probs, detectors: out.detectors ? Array.from(out.detectors) : [], x: Array.from(x) };
}

/** Classifies a 28×28 image in [0, 1]: the result (WebAssembly), or a promise of it (WebGPU reads back asynchronously). */
function classify28(img28) {
  const x = pool(img28, side);
  const out = model.run(x);
  return out instanceof Promise ? out.then((o) => shown(o, x)) : shown(out, x);
}

function render(r) {
  document.getElementById("digit").textContent = r ? r.label : "–";
  bars(document.getElementById("classes"), r ? r.probs : names.map(() => 0), names, "", r?.digit, (v) => v.toFixed(3));
  const det = r?.detectors ?? [];
  bars(document.getElementById("detectors"), det, det.map((_, i) => `mode ${i}`), "det", -1, (v) => v.toExponential(2));
}

let drawn = 0;
function classifyPad() {
  const { data, width, height } = ctx.getImageData(0, 0, pad.width, pad.height);
  const img = toMnist28(inkFromRgba(data, width, height), width, height);
  const seq = ++drawn;
  if (!img.some((v) => v > 0)) return render(null);
  const r = classify28(img);
  if (!(r instanceof Promise)) { render(r); return r; }
  // show only the newest drawing's result
  return r.then((v) => { if (seq === drawn) render(v); return v; });
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
status.textContent = note || `ready (${engine === "webgpu" ? "WebGPU" : "WebAssembly"})`;
const predict = (x) => { const y = model.predict(x); return y instanceof Promise ? y.then((v) => Array.from(v)) : Array.from(y); };
window.pnnDemo = { info: model.info, engine, note, classify28, classifyPad, predict, ready: true };
