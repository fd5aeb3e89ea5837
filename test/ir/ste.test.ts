// Gradients that are conventions rather than derivatives: stop_gradient (zero) and quantize
// (straight-through), and the physics-aware pattern y = twin(x) + stop_gradient(device(x) - twin(x)).
import { describe, expect, it } from "vitest";
import { GraphBuilder } from "../../compiler/ir/graph.js";
import { grad } from "../../compiler/ir/autodiff.js";
import { compileInterp } from "../../compiler/backends/interp/index.js";

describe("straight-through and stop-gradient conventions", () => {
  it("quantize: gradient 1 inside [lo, hi], 0 outside", () => {
    const b = new GraphBuilder();
    const x = b.param("x", "f64", [4]);
    b.output("loss", b.sum(b.quantize(x, 3, -1, 1)));
    const exe = compileInterp(grad(b.build(), "loss", ["x"]));
    const r = exe.run({ x: { dtype: "f64", shape: [4], data: Float64Array.from([-2, -0.3, 0.9, 1.5]) } });
    expect([...r["grad:x"]!.data]).toEqual([0, 1, 1, 0]);
  });
  it("physics-aware pattern: forward = device, gradient = twin's", () => {
    const b = new GraphBuilder();
    const x = b.param("x", "f64", [3]);
    const twin = b.mul(x, b.scalar(2, "f64"));
    const device = b.add(b.quantize(b.mul(x, b.scalar(2.1, "f64")), 4, -4, 4), b.scalar(0.05, "f64"));
    const y = b.add(twin, b.stopGradient(b.sub(device, twin)));
    b.output("y", y);
    b.output("loss", b.sum(b.square(y)));
    const g = grad(b.build(), "loss", ["x"]);
    const r = compileInterp(g).run({ x: { dtype: "f64", shape: [3], data: Float64Array.from([0.3, -1, 0.7]) } });
    const yv = r.y!.data;
    // dL/dx = 2·y·d(twin)/dx = 4y, evaluated at the device output y
    expect([...r["grad:x"]!.data].map((v, i) => v - 4 * yv[i]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    expect(Math.abs(yv[0]! - 0.6)).toBeGreaterThan(1e-3); // forward is the device, not the twin
  });
  it("a wrt the loss does not depend on gets zeros; stop_gradient alone gives zeros", () => {
    const b = new GraphBuilder();
    const x = b.param("x", "f64", [2]);
    b.param("unused", "c64", [3]);
    b.output("loss", b.sum(b.stopGradient(b.exp(x))));
    const r = compileInterp(grad(b.build(), "loss", ["x", "unused"])).run({
      x: { dtype: "f64", shape: [2], data: Float64Array.from([1, 2]) },
      unused: { dtype: "c64", shape: [3], data: new Float64Array(6) },
    });
    expect([...r["grad:x"]!.data]).toEqual([0, 0]);
    expect(r["grad:unused"]!.data.length).toBe(6);
    expect(r["grad:unused"]!.dtype).toBe("c64");
  });
});
