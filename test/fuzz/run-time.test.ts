// Fuzz (issue 16), part 4: the run-time categories — data files, `pnn infer` input, hand-edited
// checkpoints, output folders, `pnn fmt` writes and built artifacts (run-generators.ts). Most
// cases run in-process through the functions the CLI calls (the driver's products,
// runtime/run-dir.ts, cli/fmt.ts, a built model.mjs); a seeded sample runs as real `pnn`
// processes (harness.ts spawnCase: 1 GB heap, a time budget, peak RSS). What every case must
// satisfy, whatever the input:
//   · only the user-facing failures escape: UserError (a PNN6xxx diagnostic), UsageError, a
//     DiagnosticsError — anything else is a crash (the CLI's exit 70); printed, it is tidy;
//   · what is accepted is sound: loaded data is finite and fits the network, predictions are
//     finite, a loaded checkpoint has whole epochs ≤ its total, an output folder is a folder;
//   · nothing is changed that should not be: invalid UTF-8 is never rewritten, a link stays a
//     link, a wrong model.wasm never runs;
//   · each case within its time budget; the process under 1 GB.
import fc from "fast-check";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFmt } from "../../cli/fmt.js";
import { buildProduct } from "../../compiler/driver/build.js";
import { DiagnosticsError, UsageError } from "../../compiler/driver/errors.js";
import { inferProduct, openRunDirectory, trainProduct } from "../../compiler/driver/run.js";
import { UserError } from "../../diagnostics/catalog.js";
import { formatDiagnostic } from "../../diagnostics/format.js";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/checkpoint.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { outputDirProblem, writeFolderAtomically } from "../../runtime/run-dir.js";
import { loadRunState, readDataDescription, readParams } from "../../runtime/run-state.js";
import { ensureBuilt } from "../lsp/client.js";
import { textSink } from "../frontend/helpers.js";
import { loadProgram } from "../helpers/program.js";
import { announce, expectTidy, GB, peakRss, SEED, spawnCase, tried } from "./harness.js";
import { Session } from "../../compiler/driver/session.js";
import { checkpointEdit, dataCsv, fmtBytes, inferInput, outPath, ruleText, wasmEdit, type CheckpointEdit, type WasmEdit } from "./run-generators.js";

announce("run-time");
const root = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-fuzz-run-"));
const proj = path.join(root, "a", "proj"); // `..` of a generated path stays inside root
const NET = (data: string) => `network Tiny {\n  input x: real[2]\n  output y = dense(x, 2)\n}\n\ntrain Tiny on ${data} {\n  rule = backprop\n  loss = cross_entropy\n  optimizer = adam(lr: 0.01)\n  epochs = 1\n  batch = 8\n  seed = 1\n}\n`;
const GOOD_CSV = "f0,f1,label\n" + Array.from({ length: 40 }, (_, i) => `${100 + (i % 7) * 10},${(i * 13) % 11},${"ab"[i % 2]}`).join("\n") + "\n";
let csvNet = "";
let csvCkpt = "";
let ckptBytes: Buffer;
const builds: Record<string, string> = {};

/** Accepted and refused cases per category: both must occur, or the generator misses a path. */
const outcomes: Record<string, { accepted: number; refused: number }> = {};
function count(category: string, ok: boolean): void {
  const o = (outcomes[category] ??= { accepted: 0, refused: 0 });
  if (ok) o.accepted++;
  else o.refused++;
}

/** Runs a case: returns what it returned, or the user-facing failure; rethrows anything else (a crash). */
async function userFacing<T>(budgetMs: number, body: () => T | Promise<T>): Promise<{ ok: true; value: T } | { ok: false; printed: string }> {
  tried.inProcess++;
  const t0 = performance.now();
  let r: { ok: true; value: T } | { ok: false; printed: string };
  try {
    r = { ok: true, value: await body() };
  } catch (e) {
    if (e instanceof UserError) r = { ok: false, printed: formatDiagnostic(e.diagnostic, new Map()) };
    else if (e instanceof UsageError) r = { ok: false, printed: `pnn: ${e.message}` };
    else if (e instanceof DiagnosticsError) r = { ok: false, printed: e.diagnostics.map((d) => formatDiagnostic(d, e.sources)).join("\n") };
    else throw e;
    expectTidy(r.printed, "message");
  }
  expect(performance.now() - t0).toBeLessThan(budgetMs);
  return r;
}

beforeAll(async () => {
  ensureBuilt();
  fs.mkdirSync(proj, { recursive: true });
  fs.writeFileSync(path.join(proj, "good.csv"), GOOD_CSV);
  csvNet = path.join(proj, "csvnet.pnn");
  fs.writeFileSync(csvNet, NET('csv("good.csv", label: "label")'));
  fs.writeFileSync(path.join(proj, "fuzz.pnn"), NET('csv("fuzz.csv", label: "label")'));
  const quiet = new ProgressReporter({ mode: "quiet", out: textSink() });
  await trainProduct(loadProgram(csvNet), { outDir: path.join(root, "run"), backend: "ref", progress: quiet });
  csvCkpt = path.join(root, "run", "checkpoint.safetensors");
  // The edits start from fixed bytes: the run's one timing (train_seconds) is pinned, so a seed replays exactly.
  const ck = decodeSafetensors(fs.readFileSync(csvCkpt), csvCkpt);
  ck.metadata.train_seconds = "0.25";
  ckptBytes = Buffer.from(encodeSafetensors(ck.tensors, ck.metadata));
  fs.writeFileSync(csvCkpt, ckptBytes);
  for (const [name, hidden] of [["model", 2], ["other", 3]] as const) {
    const file = path.join(proj, `${name}.pnn`);
    fs.writeFileSync(file, NET("moons(n: 40)").replace("output y = dense(x, 2)", `h = dense(x, ${hidden}) |> relu\n  output y = dense(h, 2)`));
    builds[name] = path.join(root, `build-${name}`);
    await buildProduct(loadProgram(file), { target: "wasm", out: builds[name]! });
  }
}, 180_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const runs = { data: 400, infer: 500, checkpoint: 400, out: 300, fmt: 200, wasm: 150, rule: 200 };

describe("fast-check, in-process: the run-time categories", () => {
  it(`csv() data files (${runs.data} cases): refused with PNN6xxx, or loaded finite and fitting the network`, async () => {
    await fc.assert(
      fc.asyncProperty(dataCsv, async (csv) => {
        fs.writeFileSync(path.join(proj, "fuzz.csv"), csv);
        const r = await userFacing(3_000, () => loadProgram(path.join(proj, "fuzz.pnn")).dataset());
        count("data", r.ok);
        if (!r.ok) return;
        for (const s of [r.value.train, r.value.test]) expect(s.x.every(Number.isFinite)).toBe(true);
        expect([r.value.classes, r.value.featureShape[0]]).toEqual([2, 2]);
      }),
      { seed: SEED + 40, numRuns: runs.data },
    );
  }, 300_000);

  it(`pnn infer --input text (${runs.infer} cases, normalised and --raw): refused at a cell, or every row predicted finite`, async () => {
    const p = loadProgram(csvNet);
    await fc.assert(
      fc.asyncProperty(inferInput, fc.boolean(), async (text, raw) => {
        const r = await userFacing(3_000, () => inferProduct(p, { weights: csvCkpt, input: { text, file: "--input" }, ...(raw ? { raw } : {}), backend: "ref" }));
        count("infer", r.ok);
        if (!r.ok) return;
        expect(r.value.scores.every((row) => row.length === 2 && row.every(Number.isFinite))).toBe(true);
        expect(r.value.classes.every((c) => c === 0 || c === 1)).toBe(true);
        expect(r.value.classNames).toEqual(["a", "b"]);
      }),
      { seed: SEED + 41, numRuns: runs.infer },
    );
  }, 300_000);

  it(`hand-edited checkpoints (${runs.checkpoint} cases): PNN6003/6004, or a sound run state`, async () => {
    const p = loadProgram(csvNet);
    const spec = p.spec();
    const file = path.join(root, "edited.safetensors");
    await fc.assert(
      fc.asyncProperty(checkpointEdit, async (edits) => {
        fs.writeFileSync(file, applyEdits(ckptBytes, edits));
        const r = await userFacing(3_000, () => {
          const { state } = loadRunState(file, spec);
          const { metadata } = readParams(file, spec);
          readDataDescription(metadata, spec, file);
          return state;
        });
        count("checkpoint", r.ok);
        if (!r.ok) return;
        const s = r.value;
        expect(Number.isSafeInteger(s.epoch) && s.epoch >= 0 && s.epoch <= s.epochs).toBe(true);
        for (const v of s.params.values()) expect(v.every(Number.isFinite)).toBe(true);
      }),
      { seed: SEED + 42, numRuns: runs.checkpoint },
    );
  }, 300_000);

  it(`output folders (${runs.out} cases): a usage error naming the path, or a folder holding what was written`, async () => {
    const plant = fs.mkdtempSync(path.join(root, "a", "out-"));
    fs.writeFileSync(path.join(plant, "file"), "x");
    fs.mkdirSync(path.join(plant, "dir"));
    fs.symlinkSync(path.join(plant, "dir"), path.join(plant, "link-dir"));
    fs.symlinkSync(path.join(plant, "file"), path.join(plant, "link-file"));
    fs.symlinkSync(path.join(plant, "nowhere"), path.join(plant, "link-nowhere"));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(outPath, fc.boolean(), async (p, build) => {
        const at = p.trim() === "" ? p : path.join(plant, p);
        const r = await userFacing(3_000, () => {
          if (!build) return openRunDirectory(at).release();
          const w = writeFolderAtomically(at, [["model.wasm", `w${n}`], ["model.mjs", `m${n++}`]], "-o");
          if (!w.ok) throw new UsageError(w.problem);
        });
        count("out", r.ok);
        if (!r.ok) {
          expect(r.printed).toMatch(/^pnn: (--out|-o)\b/);
          return;
        }
        expect(fs.statSync(at).isDirectory()).toBe(true);
        expect(outputDirProblem(at, "-o")).toBeUndefined();
        if (build) expect(fs.readFileSync(path.join(at, "model.mjs"), "utf8")).toBe(`m${n - 1}`);
        else expect(fs.existsSync(path.join(at, ".pnn-lock"))).toBe(false);
        expect(fs.readFileSync(path.join(plant, "file"), "utf8")).toBe("x");
      }),
      { seed: SEED + 43, numRuns: runs.out },
    );
  }, 300_000);

  it(`pnn fmt on bytes, links and hard links (${runs.fmt} cases): invalid UTF-8 untouched, links kept`, async () => {
    const d = fs.mkdtempSync(path.join(root, "fmt-"));
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fmtBytes, fc.constantFrom("plain", "symlink", "hardlink"), async (bytes, how) => {
        const target = path.join(d, `t${k}.pnn`);
        const named = how === "plain" ? target : path.join(d, `n${k}.pnn`);
        k++;
        fs.writeFileSync(target, bytes);
        if (how === "symlink") fs.symlinkSync(target, named);
        if (how === "hardlink") fs.linkSync(target, named);
        tried.inProcess++;
        const err = textSink();
        const code = await runFmt([named], { check: false }, textSink(), err);
        count("fmt", code === 0);
        expect([0, 1, 2]).toContain(code);
        expectTidy(err.text(), "fmt");
        if (bytes.toString("utf8").includes("\ufffd") && !bytes.includes(Buffer.from([0xef, 0xbf, 0xbd]))) {
          expect(code).toBe(1);
          expect(fs.readFileSync(target).equals(bytes)).toBe(true);
        }
        if (how === "symlink") expect(fs.lstatSync(named).isSymbolicLink()).toBe(true);
        if (how === "hardlink") expect(fs.readFileSync(named).equals(fs.readFileSync(target))).toBe(true);
      }),
      { seed: SEED + 44, numRuns: runs.fmt },
    );
  }, 300_000);

  it(`built model.wasm changed after the build (${runs.wasm} cases): refused by the loader, never run`, async () => {
    const dir = builds.model!;
    const good = fs.readFileSync(path.join(dir, "model.wasm"));
    const other = fs.readFileSync(path.join(builds.other!, "model.wasm"));
    const { load } = (await import(pathToFileURL(path.join(dir, "model.mjs")).href)) as { load(src: Uint8Array): Promise<{ predict(x: number[]): Float32Array }> };
    await fc.assert(
      fc.asyncProperty(wasmEdit, async (e) => {
        tried.inProcess++;
        const bytes = applyWasmEdit(good, other, e);
        const same = Buffer.from(bytes).equals(good);
        let loaded: { predict(x: number[]): Float32Array } | undefined;
        try {
          loaded = await load(bytes);
        } catch (err) {
          count("wasm", false);
          expect(same).toBe(false);
          expect((err as Error).message).toMatch(/is not the model\.wasm of this model\.mjs/);
          return;
        }
        count("wasm", true);
        expect(same).toBe(true);
        expect(Array.from(loaded.predict([0.3, -0.4])).every(Number.isFinite)).toBe(true);
      }),
      { seed: SEED + 45, numRuns: runs.wasm },
    );
  }, 300_000);
});

describe("fast-check, in-process: --rule text", () => {
  it(`--rule overrides (${runs.rule} cases): a checked program, or diagnostics pointing into the --rule text`, async () => {
    const text = fs.readFileSync(path.join(proj, "model.pnn"), "utf8");
    const file = path.join(proj, "model.pnn");
    await fc.assert(
      fc.asyncProperty(ruleText, async (rule) => {
        const r = await userFacing(3_000, () => new Session(file, text, { readFile: () => undefined }).program({ rule }));
        count("rule", r.ok);
        if (!r.ok) expect(r.printed).toMatch(/^(--rule|.*model\.pnn):\d+:\d+: error PNN\d{4}/);
      }),
      { seed: SEED + 46, numRuns: runs.rule },
    );
  }, 300_000);
});

describe("a seeded sample through the real command (1 GB heap, time budget)", () => {
  const sample = <T>(arb: fc.Arbitrary<T>, n: number, offset: number) => fc.sample(arb, { seed: SEED + 140 + offset, numRuns: n });
  let peak = 0;
  const run = (args: string[], budgetMs = 30_000) => {
    const r = spawnCase(args, proj, budgetMs);
    peak = Math.max(peak, r.rss);
    expectTidy(r.out, "stdout");
    expectTidy(r.err, "stderr");
    return r;
  };

  it("pnn train on generated data, pnn infer on generated input, pnn eval on edited checkpoints, --out and -o on generated paths (26 cases)", () => {
    sample(dataCsv, 6, 0).forEach((csv, i) => {
      fs.writeFileSync(path.join(proj, "fuzz.csv"), csv);
      run(["train", "fuzz.pnn", "--quiet", "--backend", "ref", "--out", path.join(root, `sp-train-${i}`)]);
    });
    sample(inferInput, 8, 1).forEach((text, i) => {
      const f = path.join(root, `in-${i}.csv`);
      fs.writeFileSync(f, text);
      run(["infer", csvNet, "--weights", csvCkpt, "--input", f, "--backend", "ref", ...(i % 2 ? ["--raw"] : [])]);
    });
    sample(checkpointEdit, 6, 2).forEach((edits, i) => {
      const f = path.join(root, `ck-${i}.safetensors`);
      fs.writeFileSync(f, applyEdits(ckptBytes, edits));
      run(["eval", csvNet, "--weights", f, "--backend", "ref"]);
    });
    sample(outPath, 6, 3).forEach((p, i) => {
      const at = p.trim() === "" ? p : path.join(root, "a", `sp-out-${i}`, p);
      if (i % 2) run(["build", path.join(proj, "model.pnn"), "-o", at]);
      else run(["train", csvNet, "--quiet", "--backend", "ref", "--out", at]);
    });
    console.log(`[fuzz run-time] ${tried.spawned} processes; largest peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
    expect(peak).toBeLessThan(GB);
  }, 600_000);
});

describe("the whole run", () => {
  it("tried ≥ 2,100 inputs, each category both accepted and refused some, and stayed under 1 GB of memory", () => {
    console.log(`[fuzz run-time] ${tried.inProcess} in-process runs; peak RSS ${(peakRss() / 2 ** 20).toFixed(0)} MB; accepted/refused ${JSON.stringify(outcomes)}`);
    for (const c of ["data", "infer", "checkpoint", "out", "fmt", "wasm", "rule"]) expect(outcomes[c], c).toMatchObject({ accepted: expect.any(Number), refused: expect.any(Number) });
    for (const [c, o] of Object.entries(outcomes)) expect(Math.min(o.accepted, o.refused), c).toBeGreaterThan(0);
    expect(tried.inProcess).toBeGreaterThanOrEqual(2_100);
    expect(peakRss()).toBeLessThan(GB);
  });
});

/** A valid checkpoint's bytes with hand edits applied (metadata, tensors, or the raw bytes). */
function applyEdits(bytes: Buffer, edits: readonly CheckpointEdit[]): Buffer {
  let out = bytes;
  for (const e of edits) {
    if (e.kind === "cut") out = out.subarray(0, e.at % (out.length + 1));
    else if (e.kind === "flip") {
      if (!out.length) continue;
      out = Buffer.from(out);
      out[e.at % out.length]! ^= 1 << e.bit;
    } else {
      let ck;
      try {
        ck = decodeSafetensors(out, "edit");
      } catch {
        continue; // already broken: later edits need a valid file
      }
      const names = [...ck.tensors.keys()];
      if (e.kind === "meta") ck.metadata[e.key] = e.value;
      else if (e.kind === "delete-meta") delete ck.metadata[e.key];
      else if (e.kind === "delete-tensor" && names.length) ck.tensors.delete(names[e.which % names.length]!);
      else if (e.kind === "nan" && names.length) {
        const t = ck.tensors.get(names[e.which % names.length]!)!;
        if (t.data.length) (t.data as Float64Array)[e.at % t.data.length] = NaN;
      }
      out = Buffer.from(encodeSafetensors(ck.tensors, ck.metadata));
    }
  }
  return out;
}

function applyWasmEdit(good: Buffer, other: Buffer, e: WasmEdit): Uint8Array {
  if (e.kind === "none") return Uint8Array.from(good);
  if (e.kind === "other") return Uint8Array.from(other);
  if (e.kind === "cut") return Uint8Array.from(good.subarray(0, e.at % good.length));
  if (e.kind === "append") return Uint8Array.from([...good, ...e.bytes]);
  const b = Uint8Array.from(good);
  b[e.at % b.length]! ^= 1 << e.bit;
  return b;
}
