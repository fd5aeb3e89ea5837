// The optimizer update inside the train program (compiler/lower/optimizer.ts): over several
// steps, the fused backprop and physics_aware steps on the interpreter give bit for bit the same
// parameters and optimizer state as the train program's gradients fed to runtime/optim.ts, for sgd, momentum
// and adam, with and without a parameter range; the wasm backend matches the interpreter within
// float32 tolerance, with parameters and state resident in the module giving bit for bit what
// copying them in and out every step gives; a program lowered for one optimizer refuses another's configuration;
// and optimizer state below f32's smallest normal is flushed to zero on every path.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileWasm } from "../../compiler/backends/wasm/index.js";
import { lowerTrainStep } from "../../compiler/lower/lower.js";
import { manifestOf, names } from "../../compiler/lower/names.js";
import { appendOptimizerUpdate } from "../../compiler/lower/optimizer.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import type { Program } from "../../compiler/driver/program.js";
import type { Graph } from "../../compiler/ir/graph.js";
import type { Executable, Tensor } from "../../runtime/backend.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { newOptimizerState, optimizerScalars, optimizerStep, type OptimizerConfig, type OptimizerState } from "../../runtime/optim.js";
import { Stream } from "../../runtime/rng.js";
import { bindInputs, runTrainStep } from "../../runtime/rules/bind.js";
import type { BatchInput } from "../../runtime/rules/types.js";
import { expectClose } from "../wasm/helpers.js";
import { load, maxAbs, maxAbsDiff } from "../rules/helpers.js";

/** The rule's stepper of `p` running `exe` (the train program `graph` compiled somehow), optimizer `config`. */
function stepperOn(p: Program, graph: Graph, exe: Executable, params: Map<string, Float64Array>, state: OptimizerState, config: OptimizerConfig = p.train.optimizer) {
  const spec = p.spec(B);
  return p.stepper()({ spec, programs: { train: exe }, manifests: { train: manifestOf(graph) }, flops: {}, params, chip: sampleChip(spec.chipVars, 1, 0), seed: 1, optimizer: { config, state } });
}

const B = 8;
const STEPS = 6;

const source = (optimizer: string, range: boolean) => `import optics from "std/optics"

layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)${range ? " range 1 rad .. 5 rad" : ""}
  device e: real[n * (n - 1)] ~ normal(0 rad, 0.05 rad)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + e, topology: clements, loss: 0.2 dB)
}

network Hybrid {
  input x: real[4]
  out = x |> dense(4) |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect(noise: 0.01)
  output y = dense(out, 3)
}

train Hybrid on iris() {
  rule = backprop
  loss = cross_entropy
  optimizer = ${optimizer}
  epochs = 1
  batch = ${B}
  seed = 1
}
`;

function batchAt(step: number, features: number, classes: number): BatchInput {
  const rng = new Stream(11, step);
  const t = (dtype: Tensor["dtype"], shape: number[], data: Tensor["data"]): Tensor => ({ dtype, shape, data });
  return {
    x: t("f32", [B, features], Float64Array.from({ length: B * features }, () => rng.normal())),
    labels: t("i32", [B], Int32Array.from({ length: B }, () => rng.int(classes))),
    weights: t("f32", [B], new Float64Array(B).fill(1 / B)),
    key: t("i32", [4], Int32Array.from([1, 0, step, 0])),
    n: B,
    step,
  };
}

const OPTIMIZERS: Record<string, OptimizerConfig> = {
  "sgd(lr: 0.05)": { name: "sgd", args: { lr: 0.05 } },
  "momentum(lr: 0.05, beta: 0.8)": { name: "momentum", args: { lr: 0.05, beta: 0.8 } },
  "adam(lr: 0.05)": { name: "adam", args: { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
};

/** Fused steps through the rule runtime vs the unfused train program and the JS optimizer. */
async function compare(rule: "backprop" | "physics_aware", optText: string, range: boolean): Promise<{ worst: number; clipped: number; moved: number }> {
  const p = load(source(optText, range), rule);
  const spec = p.spec(B);
  const cfg = p.train.optimizer;
  expect(cfg).toEqual(OPTIMIZERS[optText]!); // defaulted by the checker, exactly
  const train = p.graphs(B).rule.train!;
  const chip = sampleChip(spec.chipVars, 1, 0);
  const fusedParams = initParams(spec.params, 1);
  const fusedState = newOptimizerState(fusedParams);
  const stepper = stepperOn(p, train, compileInterp(train), fusedParams, fusedState);
  const refParams = initParams(spec.params, 1);
  const refState = newOptimizerState(refParams);
  const refGraph = lowerTrainStep(p.net, p.train.loss, rule === "backprop" ? "twin" : "physics_aware", B);
  const refExe = compileInterp(refGraph);
  const refManifest = manifestOf(refGraph);
  const refInputs = bindInputs(refExe, refManifest, refParams, chip);
  const ranges = new Map(spec.params.filter((q) => q.range).map((q) => [q.path, q.range!]));
  const start = new Map([...refParams].map(([k, v]) => [k, Float64Array.from(v)]));
  let worst = 0;
  let clipped = 0;
  for (let s = 0; s < STEPS; s++) {
    const batch = batchAt(s, spec.features, spec.classes);
    const fused = await stepper.step(batch);
    expect(fused.grads, "a fused step leaves no gradient for the trainer").toBeUndefined();
    fusedState.step++; // what the trainer does for a step without grads
    const ref = await runTrainStep(refExe, refManifest, refInputs, batch);
    expect(fused.loss).toBe(ref.out.loss!.data[0]);
    optimizerStep(cfg, refState, refParams, ref.grads, ranges);
    if (s === 0) clipped = fusedParams.get("out.Mesh.phases")!.filter((v) => v === 1 || v === 5).length;
    for (const q of spec.params) {
      const pairs: [Float64Array, Float64Array][] = [[fusedParams.get(q.path)!, refParams.get(q.path)!], [fusedState.m.get(q.path)!, refState.m.get(q.path)!], [fusedState.v.get(q.path)!, refState.v.get(q.path)!]];
      for (const [a, b] of pairs) worst = Math.max(worst, maxAbsDiff(a, b) / Math.max(1, maxAbs(b)));
    }
  }
  expect(fusedState.step).toBe(refState.step);
  let moved = 0;
  for (const q of spec.params) moved = Math.max(moved, maxAbsDiff(fusedParams.get(q.path)!, start.get(q.path)!));
  return { worst, clipped, moved };
}

describe("fused optimizer update on the interpreter", () => {
  for (const rule of ["backprop", "physics_aware"] as const)
    for (const optText of Object.keys(OPTIMIZERS))
      for (const range of [false, true])
        it(`${rule}, ${optText}${range ? ", with a range" : ""}: ${STEPS} steps equal the JS optimizer bit for bit`, async () => {
          const { worst, clipped, moved } = await compare(rule, optText, range);
          expect(worst, "bit for bit (the interpreter does the same float64 operations in the same order)").toBe(0);
          expect(moved, "the parameters moved").toBeGreaterThan(1e-3);
          if (range) expect(clipped, "after the first step, some phases sit on the range's bounds").toBeGreaterThan(0);
          else expect(clipped).toBe(0);
        });

  it("a program lowered for adam refuses an sgd configuration", async () => {
    const p = load(source("adam(lr: 0.05)", false), "backprop");
    const spec = p.spec(B);
    const params = initParams(spec.params, 1);
    const train = p.graphs(B).rule.train!;
    const stepper = stepperOn(p, train, compileInterp(train), params, newOptimizerState(params), { name: "sgd", args: { lr: 0.1 } });
    await expect(async () => stepper.step(batchAt(0, spec.features, spec.classes))).rejects.toThrow(/another optimizer/);
  });
});

/** The same executable without its resident mode: the stepper copies state in and out every step. */
const copyingOnly = (exe: Executable): Executable => ({ inputs: exe.inputs, outputs: exe.outputs, run: (i) => exe.run(i) }) as Executable;

describe("fused optimizer update on wasm", () => {
  for (const optText of ["momentum(lr: 0.05, beta: 0.8)", "adam(lr: 0.05)"])
    it(`physics_aware, ${optText}, with a range: new params and state match the interpreter within f32 tolerance; resident state equals copying bit for bit`, async () => {
      const p = load(source(optText, true), "physics_aware");
      const spec = p.spec(B);
      const train = p.graphs(B).rule.train!;
      const run = async (exe: Executable) => {
        const params = initParams(spec.params, 1);
        const start = new Map([...params].map(([k, v]) => [k, Float64Array.from(v)]));
        const state = newOptimizerState(params);
        const stepper = stepperOn(p, train, exe, params, state);
        const losses: number[] = [];
        for (let s = 0; s < 3; s++) {
          losses.push((await stepper.step(batchAt(s, spec.features, spec.classes))).loss);
          state.step++;
        }
        // a resident stepper has not touched the trainer's arrays yet: sync brings the state back
        const untouched = [...params].every(([k, v]) => maxAbsDiff(v, start.get(k)!) === 0);
        await stepper.sync?.();
        return { params, state, losses, untouched };
      };
      const ref = await run(compileInterp(train));
      const wasm = await compileWasm(train);
      const got = await run(wasm);
      const copied = await run(copyingOnly(await compileWasm(train)));
      expect(got.untouched, "resident: parameters stay inside the module until sync").toBe(true);
      expect(copied.untouched, "copying: parameters come back every step").toBe(false);
      expect(got.losses).toEqual(copied.losses);
      const t = (data: Float64Array): Tensor => ({ dtype: "f32", shape: [data.length], data });
      for (const q of spec.params) {
        expectClose(t(got.params.get(q.path)!), t(ref.params.get(q.path)!), q.path);
        expectClose(t(got.state.m.get(q.path)!), t(ref.state.m.get(q.path)!), `m:${q.path}`);
        expectClose(t(got.state.v.get(q.path)!), t(ref.state.v.get(q.path)!), `v:${q.path}`);
        expect(Array.from(got.params.get(q.path)!)).toEqual(Array.from(copied.params.get(q.path)!));
        expect(Array.from(got.state.m.get(q.path)!)).toEqual(Array.from(copied.state.m.get(q.path)!));
        expect(Array.from(got.state.v.get(q.path)!)).toEqual(Array.from(copied.state.v.get(q.path)!));
      }
    });
});

describe("optimizers: one owner, no silent fallback", () => {
  it("an optimizer the checker does not know is refused (PNN2018), and the runtime never turns an unknown name into adam", async () => {
    expect(() => load(source("adamw(lr: 0.05)", false), "backprop")).toThrow(/PNN2018.*unknown optimizer 'adamw'/);
    const { optimizerScalars, optimizerStep: step } = await import("../../runtime/optim.js");
    const bogus = { name: "adamw", args: { lr: 0.1 } } as unknown as OptimizerConfig;
    expect(() => optimizerScalars(bogus, 1)).toThrow(/unknown optimizer 'adamw'/);
    const p = new Map([["w", Float64Array.of(1)]]);
    expect(() => step(bogus, newOptimizerState(p), p, new Map([["w", [1]]]), new Map())).toThrow(/unknown optimizer/);
  });
});

describe("subnormal optimizer state is flushed to zero", () => {
  // A parameter with a zero gradient (a dead ReLU unit, a masked pixel) has its momentum decay
  // as βᵗ into f32 subnormals, and x86 arithmetic on subnormals is 10–100× slower. Every
  // optimizer path sets state below 2⁻¹²⁶ to zero: the JS reference and the fused update on
  // both backends, with the same values.
  const T = 2 ** -126;
  // m after one step with g = 0 is 0.9·m: 0.9·1.2T < T is flushed, 0.9·2T and 0.9·(−3T) are kept; NaN stays NaN
  const m0 = [1.2 * T, 2 * T, -3 * T, -1.1 * T, 0, 0.5, Number.NaN, 1e-3];
  const expected = m0.map((x) => (Math.abs(0.9 * x) < T ? 0 : 0.9 * x));

  it("runtime/optim.ts: adam and momentum flush m (and v) below 2⁻¹²⁶; an all-zero gradient for 2,000 steps leaves no subnormal", () => {
    const p = new Map([["w", new Float64Array(m0.length).fill(0.5)]]);
    const s = newOptimizerState(p);
    s.m.get("w")!.set(m0);
    const zero = new Map([["w", new Float64Array(m0.length)]]);
    optimizerStep(OPTIMIZERS["adam(lr: 0.05)"]!, s, p, zero, new Map());
    expect(Array.from(s.m.get("w")!)).toEqual(expected);
    const long = new Map([["w", new Float64Array(4).fill(1)]]);
    for (const opt of [OPTIMIZERS["adam(lr: 0.05)"]!, OPTIMIZERS["momentum(lr: 0.05, beta: 0.8)"]!]) {
      const st = newOptimizerState(long);
      optimizerStep(opt, st, long, new Map([["w", Float64Array.of(1, -1, 0.5, 1e-3)]]), new Map());
      for (let k = 0; k < 2000; k++) optimizerStep(opt, st, long, new Map([["w", new Float64Array(4)]]), new Map());
      for (const a of [st.m.get("w")!, st.v.get("w")!]) for (const x of a) expect(x === 0 || Math.abs(x) >= T, `${opt.name}: ${x}`).toBe(true);
      expect(Array.from(st.m.get("w")!)).toEqual([0, 0, 0, 0]);
    }
  });

  it("the fused update (compiler/lower/optimizer.ts) gives the same flushed m on the interpreter and on wasm", async () => {
    const b = new GraphBuilder();
    const w = b.param("w", "f32", [m0.length]);
    b.output("loss", b.sum(b.mul(w, b.scalar(0, "f32")), [0]));
    b.output(names.grad("w"), b.mul(w, b.scalar(0, "f32")));
    const g = appendOptimizerUpdate(b.build(), "adam", [{ path: "w" }]);
    const scalars = optimizerScalars(OPTIMIZERS["adam(lr: 0.05)"]!, 1);
    const vec = (data: number[]): Tensor => ({ dtype: "f32", shape: [m0.length], data: Float32Array.from(data) });
    const feeds: Record<string, Tensor> = {
      w: vec(m0.map(() => 0.5)),
      [names.optimizerState("m", "w")]: vec(m0),
      [names.optimizerState("v", "w")]: vec(m0.map(() => 1e-4)),
      ...Object.fromEntries(Object.entries(scalars).map(([k, x]) => [names.optimizerScalar(k), { dtype: "f32", shape: [], data: Float32Array.of(x) } as Tensor])),
    };
    for (const exe of [compileInterp(g), await compileWasm(g)]) {
      const out = await exe.run(feeds);
      const m1 = Array.from(out[names.newState("m", "w")]!.data as ArrayLike<number>);
      // f32 rounding of 0.9·x on wasm: compare within f32 resolution, zeros and NaN exactly
      m1.forEach((x, i) => {
        const e = expected[i]!;
        if (Number.isNaN(e)) expect(x).toBeNaN();
        else if (e === 0) expect(x, `m[${i}]`).toBe(0);
        else expect(Math.abs(x - e) / Math.abs(e), `m[${i}]`).toBeLessThan(1e-6);
      });
    }
  });
});
