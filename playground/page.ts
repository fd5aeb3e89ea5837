/**
 * The playground page: edit a .pnn program (checked as you type, diagnostics underlined and
 * listed), train it in a Web Worker with live curves, and download the built artifact. In: the
 * DOM of index.html and the examples bundled with it. Out: messages to two workers running
 * worker.js — one checks, one trains and builds (Stop terminates it) — and what they answer,
 * shown. `window.pnnPlayground` exposes the page's state (full-precision numbers) for tests.
 */
import examples from "pnn:examples";
import { Charts } from "./charts.js";
import { Editor } from "./editor.js";
import { FLAGSHIP } from "./examples.js";
import type { SourceFiles } from "./host.js";
import type { Backend, FromWorker, Phase, PlaygroundState, ShownDiagnostic, SummaryRow, ToWorker } from "./protocol.js";

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
};

const state: PlaygroundState = { ready: false, phase: "idle", checks: 0, checking: false, diagnostics: [], trains: [], epochs: [] };
(window as unknown as { pnnPlayground: PlaygroundState }).pnnPlayground = state;

const editor = new Editor($<HTMLTextAreaElement>("source"), $("marks"));
const charts = new Charts({ loss: $("fig-loss"), accuracy: $("fig-accuracy"), chips: $("fig-chips") });
const ui = {
  example: $<HTMLSelectElement>("example"),
  backend: $<HTMLSelectElement>("backend"),
  train: $<HTMLButtonElement>("train"),
  stop: $<HTMLButtonElement>("stop"),
  status: $("status"),
  check: $("check"),
  diagnostics: $("diagnostics"),
  progress: $("progress"),
  summary: $("summary"),
  build: $<HTMLButtonElement>("build"),
  downloads: $("downloads"),
  stats: $("stats"),
};

const workerUrl = new URL("./worker.js", import.meta.url);
const startWorker = (onMessage: (m: FromWorker) => void): Worker => {
  const w = new Worker(workerUrl, { type: "module", name: "pnn" });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => fail(`the worker stopped: ${e.message}`, []);
  return w;
};
const send = (w: Worker, m: ToWorker) => w.postMessage(m);

// ---- the program and its checks --------------------------------------------------------------

let programName = FLAGSHIP;
let programFiles: Readonly<Record<string, string>> = {};
const program = (): SourceFiles => ({ main: programName, source: editor.text, files: programFiles });

const checker = startWorker(onCheckerMessage);
let checkId = 0;
let checkTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleCheck(delayMs = 150): void {
  clearTimeout(checkTimer);
  state.checking = true;
  checkTimer = setTimeout(() => {
    checkTimer = undefined;
    send(checker, { type: "check", id: ++checkId, program: program() });
  }, delayMs);
}

function onCheckerMessage(m: FromWorker): void {
  if (m.type === "failed") {
    // the checker itself failed (a bug in pnn): say so where the check's result goes
    state.checking = false;
    ui.check.textContent = m.message;
    ui.check.className = "bad";
    return;
  }
  // an older check, or the text has changed since (a newer check is due): its offsets are stale
  if (m.type !== "checked" || m.id !== checkId || checkTimer !== undefined) return;
  state.checks++;
  state.checking = false;
  state.diagnostics = [...m.diagnostics];
  state.trains = [...m.trains];
  editor.mark(m.diagnostics.filter((d) => d.file === programName));
  showDiagnostics(m.diagnostics);
  const errors = m.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = m.diagnostics.length - errors;
  const t = m.trains[0];
  const what = t ? `${t.network} on ${t.data}, ${t.rule}, ${t.epochs} epochs, batch ${t.batch}, seed ${t.seed}` : "no train block";
  ui.check.textContent = errors ? `${errors} error${errors === 1 ? "" : "s"}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""} (checked in ${m.ms.toFixed(0)} ms)` : `no errors${warnings ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : ""} · ${what} · checked in ${m.ms.toFixed(0)} ms`;
  const why = errors ? undefined : trainable();
  if (why) ui.check.textContent += ` · ${why}`;
  ui.check.className = errors || why ? "bad" : "good";
  updateButtons();
}

function showDiagnostics(ds: readonly ShownDiagnostic[]): void {
  ui.diagnostics.replaceChildren(
    ...ds.map((d) => {
      const li = document.createElement("li");
      li.className = d.severity;
      li.dataset.code = d.code;
      const pre = document.createElement("pre");
      pre.textContent = d.text;
      li.append(pre);
      if (d.file === programName) li.addEventListener("click", () => editor.reveal(d));
      return li;
    }),
  );
}

function trainable(): string | undefined {
  if (state.diagnostics.some((d) => d.severity === "error")) return "fix the errors first";
  const t = state.trains[0];
  if (!t) return "the program has no train block";
  if (!t.available) return `the playground has no '${t.data}' data set (it reads files from a disk): train this program with pnn train`;
  return undefined;
}

function updateButtons(): void {
  const busy = state.phase === "compiling" || state.phase === "training" || state.phase === "building";
  const why = trainable();
  ui.train.disabled = busy || why !== undefined || state.checks === 0;
  ui.train.title = why ?? "";
  ui.stop.disabled = !busy;
  ui.build.disabled = busy || !(state.phase === "trained" || state.phase === "built");
}

// ---- training and building ---------------------------------------------------------------------

let trainer: Worker | undefined;

function setPhase(phase: Phase, status: string): void {
  state.phase = phase;
  ui.status.textContent = status;
  ui.status.dataset.phase = phase;
  updateButtons();
}

function fail(message: string, diagnostics: readonly ShownDiagnostic[]): void {
  state.error = { message, diagnostics };
  if (diagnostics.length) showDiagnostics(diagnostics);
  setPhase("failed", message);
}

function train(): void {
  trainer?.terminate();
  trainer = startWorker(onTrainerMessage);
  const backend = ui.backend.value as Backend;
  state.epochs = [];
  delete state.summary;
  delete state.built;
  delete state.compiled;
  delete state.error;
  charts.clear();
  ui.summary.replaceChildren();
  ui.downloads.replaceChildren();
  ui.stats.textContent = "";
  ui.progress.textContent = "";
  setPhase("compiling", `compiling ${programName}…`);
  send(trainer, { type: "train", program: program(), backend });
}

function stop(): void {
  trainer?.terminate();
  trainer = undefined;
  setPhase("stopped", "stopped");
}

let totalEpochs = 0;

function onTrainerMessage(m: FromWorker): void {
  switch (m.type) {
    case "status":
      ui.status.textContent = m.text;
      break;
    case "compiled":
      state.compiled = { backend: m.backend, programs: m.programs, seconds: m.seconds };
      totalEpochs = m.epochs;
      setPhase("training", `training on ${m.backend}: ${m.programs.length} programs compiled in ${m.seconds.toFixed(1)} s`);
      break;
    case "progress":
      ui.progress.textContent = `epoch ${m.epoch}/${totalEpochs} · batch ${m.batch}/${m.batches} · loss ${m.loss.toFixed(4)} · train accuracy ${(100 * m.accuracy).toFixed(1)}%`;
      break;
    case "epoch":
      state.epochs.push(m.record);
      charts.epochs(state.epochs);
      break;
    case "trained":
      state.summary = m.summary;
      charts.chips(m.summary);
      showSummary(m.rows);
      ui.progress.textContent = "";
      setPhase("trained", `trained: twin ${pct(m.summary.test_accuracy)}${typeof m.summary.device_test_accuracy === "number" ? `, chip 0 ${pct(m.summary.device_test_accuracy)}` : ""}`);
      break;
    case "built":
      state.built = { engine: m.engine, files: m.files.map((f) => ({ name: f.name, bytes: f.bytes.length })) };
      showDownloads(m.files);
      ui.stats.textContent = m.stats;
      setPhase("built", `built model.wasm (engine ${m.engine})`);
      break;
    case "failed":
      fail(m.message, m.diagnostics);
      break;
    case "checked":
      break;
  }
}

const pct = (v: unknown): string => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");

function showSummary(rows: readonly SummaryRow[]): void {
  ui.summary.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      const td = document.createElement("td");
      th.textContent = r.label;
      td.textContent = r.value;
      tr.append(th, td);
      return tr;
    }),
  );
}

const MIME: Readonly<Record<string, string>> = { "model.wasm": "application/wasm", "model.mjs": "text/javascript", "model.d.ts": "text/plain" };
let objectUrls: string[] = [];

function showDownloads(files: readonly { name: string; bytes: Uint8Array }[]): void {
  for (const u of objectUrls) URL.revokeObjectURL(u);
  objectUrls = [];
  ui.downloads.replaceChildren(
    ...files.map((f) => {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: MIME[f.name] ?? "application/octet-stream" }));
      objectUrls.push(a.href);
      a.download = f.name;
      a.textContent = `${f.name} (${(f.bytes.length / 1024).toFixed(1)} KB)`;
      return a;
    }),
  );
}

function build(): void {
  if (!trainer) return;
  setPhase("building", "building the artifact…");
  send(trainer, { type: "build" });
}

// ---- wiring ------------------------------------------------------------------------------------

function openExample(name: string): void {
  const ex = examples.find((e) => e.name === name) ?? examples[0];
  if (!ex) return;
  programName = ex.name;
  programFiles = ex.files;
  editor.text = ex.source;
  ui.example.value = ex.name;
  scheduleCheck(0);
}

ui.example.replaceChildren(
  ...examples.map((e) => {
    const o = document.createElement("option");
    o.value = e.name;
    o.textContent = `${e.name} — ${e.title}`;
    return o;
  }),
);
ui.example.addEventListener("change", () => openExample(ui.example.value));
editor.area.addEventListener("input", () => scheduleCheck());
ui.train.addEventListener("click", train);
ui.stop.addEventListener("click", stop);
ui.build.addEventListener("click", build);
openExample(FLAGSHIP);
setPhase("idle", "ready");
state.ready = true;
