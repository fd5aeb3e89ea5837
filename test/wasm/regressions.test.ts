// Mismatches between wasm and the interpreter found by the parity sweep (examples-all,
// rules-all), each pinned by a small program that failed before its fix.
import { describe, expect, it } from "vitest";
import { compileInterp } from "../../compiler/backends/interp/index.js";
import { compileToWasm } from "../../compiler/backends/wasm/index.js";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { lowerMziMesh } from "../../compiler/lower/layers/optics-mesh.js";
import type { Tensor } from "../../runtime/backend.js";
import { wasmExecutable } from "../../runtime/wasm/executable.js";
import { initParams, sampleChip } from "../../runtime/init.js";
import { runSync } from "../helpers/program.js";
import { load } from "../rules/helpers.js";
import { expectClose } from "./helpers.js";
import { feedsFor } from "./parity.js";

describe("heaters at phase 0 under thermal crosstalk (vowels_fourier_mesh, vowels_mesh_device)", () => {
  // The heater wrap w(φ) ∈ [0, 2π) was angle(e^{i(φ − π)}) + π: at φ = 0 exactly (every phase the
  // DAC rounds to level 0) that is 0 in float64 but 2π in float32 (f32(π) > π flips the sign of
  // sin), so on wasm every idle heater leaked κ·2π into its neighbours.
  const n = 4, kappa = 0.05, bits = 6;
  const graph = () => {
    const b = new GraphBuilder();
    const x = b.input("x", "c64", [n, n]);
    const p = b.input("phases", "f32", [n * (n - 1)]);
    b.output("y", lowerMziMesh(b, x, p, { topology: "reck", crosstalk: kappa, phaseBits: bits }));
    return b.build();
  };
  const eye = new Float64Array(2 * n * n);
  for (let i = 0; i < n; i++) eye[2 * (i * n + i)] = 1;
  const feeds = (phases: number[]): Record<string, Tensor> => ({
    x: { dtype: "c64", shape: [n, n], data: eye },
    phases: { dtype: "f32", shape: [n * (n - 1)], data: Float64Array.from(phases) },
  });

  it("phases that quantize to 0 leak nothing on either backend: the mesh equals the all-zero-phase mesh", async () => {
    const g = graph();
    const art = await compileToWasm(g);
    const wasm = wasmExecutable(art.bytes, art.layout), ref = compileInterp(g);
    const zeros = feeds(Array(n * (n - 1)).fill(0));
    // below half a DAC step (2π/64/2 ≈ 0.049 rad), so every phase lands on level 0
    const small = feeds(Array.from({ length: n * (n - 1) }, (_, i) => (i % 3 === 0 ? 0 : 0.02 * ((i % 2) * 2 - 1))));
    const want = ref.run(zeros).y!;
    // the closed form: the same mesh without crosstalk at all-zero phases
    const b = new GraphBuilder();
    const x = b.input("x", "c64", [n, n]);
    b.output("y", lowerMziMesh(b, x, b.input("phases", "f32", [n * (n - 1)]), { topology: "reck" }));
    const ideal = compileInterp(b.build()).run(zeros).y!;
    expectClose(want, ideal, "interpreter vs no crosstalk", 1e-12);
    for (const [what, f] of [["zero phases", zeros], ["small phases", small]] as const) {
      expectClose(ref.run(f).y!, ideal, `interpreter, ${what}`, 1e-12);
      expectClose(wasm.run(f).y!, ideal, `wasm, ${what}`);
    }
  });

  it("generic phases with some on level 0 still match (and crosstalk still acts)", async () => {
    const g = graph();
    const art = await compileToWasm(g);
    const wasm = wasmExecutable(art.bytes, art.layout), ref = compileInterp(g);
    const f = feeds(Array.from({ length: n * (n - 1) }, (_, i) => (i % 4 === 0 ? 0 : 0.7 * i - 3)));
    const want = ref.run(f).y!;
    expectClose(wasm.run(f).y!, want, "wasm vs interpreter");
    let d = 0;
    const noX = (() => {
      const b = new GraphBuilder();
      const x = b.input("x", "c64", [n, n]);
      b.output("y", lowerMziMesh(b, x, b.input("phases", "f32", [n * (n - 1)]), { topology: "reck", phaseBits: bits }));
      return compileInterp(b.build()).run(f).y!;
    })();
    for (let i = 0; i < want.data.length; i++) d = Math.max(d, Math.abs(want.data[i]! - noX.data[i]!));
    expect(d).toBeGreaterThan(1e-3);
  });
});

describe("hardware_aware on a PCM crossbar (found as NaN on both backends by rules-all)", () => {
  // pcmReadNoise took pow(g_prog, 0.65) at g_prog = 0 (the idle half of each differential pair):
  // its gradient 0.65·0^(−0.35) = ∞ met the max-with-floor's zero gradient, 0·∞ = NaN.
  it("every weight gradient of the train step is finite, on the interpreter and on wasm", async () => {
    const p = load(`import analog from "std/analog"

network Xbar {
  input x: real[4]
  output y = x |> analog.crossbar(3, pcm: true, out_noise: 0.02)
}

train Xbar on iris() {
  rule = hardware_aware
  loss = cross_entropy
  optimizer = adam(lr: 0.01)
  epochs = 1
  batch = 4
  seed = 1
}
`);
    const { spec, programs } = p.compileReference(4);
    const train = programs.rule.train!;
    const feeds = feedsFor(train.exe, train.manifest, initParams(spec.params, 7), sampleChip(spec.chipVars, 7, 0), spec.classes, 11);
    const ref = runSync(train.exe, feeds);
    const wasm = await (await p.compile("wasm", 4)).programs.rule.train!.exe.run(feeds);
    for (const out of [ref, wasm]) {
      const g = out["grad:y.crossbar.weight"]!.data;
      expect(Array.from(g).every((v) => Number.isFinite(v)), Array.from(g).join(",")).toBe(true);
      expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(0);
    }
    expectClose(wasm["grad:y.crossbar.weight"]!, ref["grad:y.crossbar.weight"]!, "wasm vs interpreter");
  });
});
