/**
 * The playground's compiler worker: the compiler driver, the trainer and the build product,
 * running in a Web Worker. In: ToWorker messages (playground/protocol.ts). Out: FromWorker
 * messages. `check` parses and checks a program (Session.check: what `pnn check` prints);
 * `train` compiles the train block's programs — on the WebAssembly backend through binaryen
 * (loaded as its ESM build, ./binaryen.js) or on the reference interpreter — and runs the same
 * trainer `pnn train` runs, with the same configuration, seed and data loaders (the shipped data
 * files reach them as text), posting each epoch; `build` makes model.wasm + model.mjs +
 * model.d.ts from the trained parameters (artifactFiles, as `pnn build` does) and posts their
 * bytes. It writes no files: there are none in a page.
 */
import shipped from "pnn:shipped-data";
import { compileToWasm } from "../compiler/backends/wasm/index.js";
import { artifactFiles, DiagnosticsError, Session, trainConfig, UsageError, type Backend, type Program } from "../compiler/driver/index.js";
import { diag, UserError, type Diagnostic } from "../diagnostics/catalog.js";
import { formatDiagnostic } from "../diagnostics/format.js";
import { MAX_SOURCE_BYTES } from "../diagnostics/limits.js";
import { fileSpan } from "../diagnostics/span.js";
import type { EpochPoint } from "../report/input.js";
import type { EpochRecord } from "../runtime/metrics.js";
import { summaryRows } from "../runtime/metrics.js";
import type { Params } from "../runtime/run-state.js";
import { train } from "../runtime/trainer.js";
import { wasmExecutable } from "../runtime/wasm/executable.js";
import { hostFor, PLAYGROUND_DATASETS, type SourceFiles } from "./host.js";
import type { Backend as BackendName, FromWorker, ShownDiagnostic, ToWorker } from "./protocol.js";

interface WorkerScope {
  postMessage(message: FromWorker, options?: { transfer?: Transferable[] }): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, { transfer });

/**
 * The wasm backend in a page: the same code generation as Node's (compileToWasm, binaryen), compiled
 * by the browser. Node's backend adds a module cache on disk and V8 flags, neither of which a page has.
 */
const browserWasm: Backend = {
  name: "wasm",
  doc: "WebAssembly (f32, SIMD128) compiled in the page by binaryen",
  async compile(g) {
    const art = await compileToWasm(g);
    return wasmExecutable(await WebAssembly.compile(art.bytes as Uint8Array<ArrayBuffer>), art.layout);
  },
};

function sourcesOf(program: SourceFiles): Map<string, string> {
  return new Map([[program.main, program.source], ...Object.entries(program.files).map(([k, v]) => [k, v] as const)]);
}

function shown(d: Diagnostic, sources: ReadonlyMap<string, string>): ShownDiagnostic {
  const s = d.span;
  return { code: d.code, severity: d.severity, message: d.message, text: formatDiagnostic(d, sources), file: s.file, line: s.line, col: s.col, start: s.start, end: s.end };
}

function session(program: SourceFiles): Session {
  return new Session(program.main, program.source, hostFor(program, shipped));
}

/** The CLI's bound on a source file (cli/io.ts readSource): a larger program is PNN1004, not checked. */
function tooLarge(program: SourceFiles): Diagnostic | undefined {
  const bytes = new TextEncoder().encode(program.source).length;
  if (bytes <= MAX_SOURCE_BYTES) return undefined;
  return diag("PNN1004", fileSpan(program.main), `${program.main} is too large: it is ${bytes.toLocaleString("en-US")} bytes; the limit is ${MAX_SOURCE_BYTES.toLocaleString("en-US")}`);
}

function check(id: number, program: SourceFiles): void {
  const t0 = performance.now();
  const sources = sourcesOf(program);
  const big = tooLarge(program);
  if (big) {
    post({ type: "checked", id, diagnostics: [shown(big, sources)], trains: [], ms: performance.now() - t0 });
    return;
  }
  let checked;
  try {
    checked = session(program).check();
  } catch (e) {
    return failed("check", e, sources);
  }
  post({
    type: "checked",
    id,
    diagnostics: checked.diagnostics.map((d) => shown(d, sources)),
    trains: checked.model.trains.map((t) => ({ network: t.network, data: t.data.name, rule: t.rule.def.name, epochs: t.epochs, batch: t.batch, seed: t.seed, available: PLAYGROUND_DATASETS.includes(t.data.name) })),
    ms: performance.now() - t0,
  });
}

/** What `build` needs from the last training run in this worker. */
let trained: { program: Program; params: Params } | undefined;

/**
 * Turns what the driver throws at a user (diagnostics, a usage error, a run-time UserError) into a
 * `failed` message; anything else is a bug in pnn, reported as an internal error with its stack
 * (as the CLI does) rather than left to die silently in the worker.
 */
function failed(stage: "check" | "train" | "build", e: unknown, sources: ReadonlyMap<string, string>): void {
  if (e instanceof DiagnosticsError) {
    const all = new Map([...sources, ...e.sources]);
    const ds = e.diagnostics.filter((d) => d.severity === "error");
    post({ type: "failed", stage, message: `${ds.length} error${ds.length === 1 ? "" : "s"} in the program`, diagnostics: e.diagnostics.map((d) => shown(d, all)) });
  } else if (e instanceof UserError) post({ type: "failed", stage, message: e.diagnostic.message, diagnostics: [shown(e.diagnostic, sources)] });
  else if (e instanceof UsageError) post({ type: "failed", stage, message: e.message, diagnostics: [] });
  else post({ type: "failed", stage, message: `internal error (a bug in pnn): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, diagnostics: [] });
}

async function runTraining(program: SourceFiles, backend: BackendName): Promise<void> {
  const sources = sourcesOf(program);
  try {
    const big = tooLarge(program);
    if (big) throw new UserError(big);
    const p = session(program).program();
    const data = p.train.data.name;
    if (!PLAYGROUND_DATASETS.includes(data))
      throw new UsageError(`the playground trains on ${PLAYGROUND_DATASETS.join(", ")}; '${data}' is read from files on disk: train this program with pnn train ${program.main}`);
    post({ type: "status", text: `loading ${data} and compiling on ${backend === "wasm" ? "wasm (binaryen in the page)" : "the reference interpreter"}…` });
    const t0 = performance.now();
    const dataset = p.dataset();
    const { spec, programs } = await p.compile(backend === "wasm" ? browserWasm : "ref", p.train.batch);
    const batches = Math.ceil(dataset.train.n / spec.batch);
    post({ type: "compiled", backend, programs: ["inferTwin", ...(programs.inferDevice ? ["inferDevice"] : []), ...Object.keys(programs.rule)], seconds: (performance.now() - t0) / 1000, epochs: p.train.epochs, batches });
    let epoch = 0;
    let lastPost = 0;
    const progress = {
      startEpoch(e: number) {
        epoch = e;
      },
      batch(i: number, loss: number, accuracy: number) {
        const now = performance.now();
        if (now - lastPost < 100 && i + 1 < batches) return;
        lastPost = now;
        post({ type: "progress", epoch, batch: i + 1, batches, loss, accuracy });
      },
      endEpoch(record: EpochRecord) {
        post({ type: "epoch", record: record as unknown as EpochPoint });
      },
    };
    const outcome = await train(spec, programs, dataset, trainConfig(p, spec), { progress, span: p.train.span, makeStepper: p.stepper() });
    if (outcome.kind !== "trained") throw new Error("a run without --resume always trains");
    trained = { program: p, params: outcome.params };
    // what `pnn train` adds to the trainer's summary (compiler/driver/run.ts), but the checkpoint: there is none
    const summary = { ...outcome.summary, dataset: data, train_samples: dataset.train.n, test_samples: dataset.test.n, backend };
    post({ type: "trained", summary, rows: summaryRows(summary) });
  } catch (e) {
    failed("train", e, sources);
  }
}

async function runBuild(): Promise<void> {
  if (!trained) {
    post({ type: "failed", stage: "build", message: "train the program first: the artifact holds the trained parameters", diagnostics: [] });
    return;
  }
  const p = trained.program;
  const sources = new Map([[p.file, p.source]]);
  try {
    const t = p.train;
    const a = await artifactFiles(p, { target: "wasm", weights: { params: trained.params, label: `trained in the pnn playground (${t.epochs} epochs, seed ${t.seed})` } });
    const files = a.files.map((f) => ({ name: f.name, bytes: f.bytes }));
    post({ type: "built", files, engine: a.engine, stats: a.stats, warnings: a.warnings.map((d) => shown(d, sources)) }, files.map((f) => f.bytes.buffer));
  } catch (e) {
    failed("build", e, sources);
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "check") check(m.id, m.program);
  else if (m.type === "train") void runTraining(m.program, m.backend);
  else void runBuild();
};
