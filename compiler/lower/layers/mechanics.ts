/**
 * The physics of `std/mechanics` `pendula` (stdlib/mechanics.ts): a chain of coupled driven
 * pendula integrated with classical RK4, one loop (`scan`) over the steps, so the IR does not
 * grow with the step count; backprop through time is autodiff of the loop
 * (compiler/ir/autodiff-loop.ts). State θ, θ̇ : [B, n];
 *   a(θ, θ̇, t) = −ω₀² ⊙ sin θ + k·(θ L) − γθ̇ + A cos(ω_d t) cos θ,
 * L the free-end chain Laplacian (Lᵢᵢ = −(number of neighbours), Lᵢ,ᵢ±₁ = 1).
 * Device: ω₀ᵢ = ω₀(1 + δᵢ) with δ a per-chip sample; angle readout noise σ·N(0, 1) per shot.
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";
import { buildScan } from "../../ir/loops.js";

export interface PendulaOptions {
  readonly duration: number;
  readonly steps: number;
  readonly omega0: number;
  readonly coupling: number;
  readonly damping: number;
  readonly drive: number;
  /** ω_d; ω₀ when absent. */
  readonly driveFrequency?: number;
}

/** The free-end chain Laplacian, n × n, row-major. */
export function chainLaplacian(n: number): number[] {
  const l = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    if (i > 0) { l[i * n + i - 1] = 1; l[i * n + i] -= 1; }
    if (i < n - 1) { l[i * n + i + 1] = 1; l[i * n + i] -= 1; }
  }
  return l;
}

/**
 * Integrates from (θ₀, θ̇₀) over `duration`; returns the final angles and velocities.
 * `omegaScale` (optional, broadcastable to θ) multiplies ω₀ per pendulum (the device's spread).
 * The steps are one loop (`scan`) carrying (θ, θ̇); the drive's cos(ω_d t) at t, t + h/2 and
 * t + h of every step is a per-step input.
 */
export function lowerPendula(b: GraphBuilder, theta0: Node, omega0Node: Node | null, o: PendulaOptions, omegaScale?: Node): { theta: Node; velocity: Node } {
  const n = theta0.shape[theta0.shape.length - 1];
  const h = o.duration / o.steps;
  let w2: Node = b.scalar(o.omega0 * o.omega0, "f32");
  if (omegaScale) w2 = b.mul(w2, b.square(b.add(b.scalar(1, "f32"), omegaScale)));
  const laplacian = o.coupling !== 0 && n > 1 ? b.const(chainLaplacian(n), "f32", [n, n]) : null;
  const wd = o.driveFrequency ?? o.omega0;
  const drive = o.drive !== 0
    ? b.const(Array.from({ length: o.steps }, (_, s) => [0, 0.5, 1].map((f) => o.drive * Math.cos(wd * (s + f) * h))).flat(), "f32", [o.steps, 3])
    : null;
  const v0 = omega0Node ?? b.broadcastTo(b.scalar(0, theta0.dtype), theta0.shape);
  const r = buildScan(b, { length: o.steps, carries: [theta0, v0], invariants: laplacian ? [w2, laplacian] : [w2], xs: drive ? [drive] : [] }, (bb, v) => {
    const k = (x: number) => bb.scalar(x, "f32");
    const [w2b, lap] = v.invariants as [Node, Node | undefined];
    const forces = drive ? [0, 1, 2].map((i) => bb.reshape(bb.slice(v.xs[0]!, [i], [i + 1]), [])) : [];
    const accel = (th: Node, vel: Node, at: number): Node => {
      let a = bb.neg(bb.mul(w2b, bb.sin(th)));
      if (lap) a = bb.add(a, bb.mul(k(o.coupling), bb.matmul(th, lap)));
      if (o.damping !== 0) a = bb.sub(a, bb.mul(k(o.damping), vel));
      if (drive) a = bb.add(a, bb.mul(forces[at]!, bb.cos(th)));
      return a;
    };
    const axpy = (x: Node, sc: number, y: Node) => bb.add(x, bb.mul(k(sc), y));
    const [th, vel] = v.carries as [Node, Node];
    const k1t = vel, k1v = accel(th, vel, 0);
    const k2t = axpy(vel, h / 2, k1v), k2v = accel(axpy(th, h / 2, k1t), k2t, 1);
    const k3t = axpy(vel, h / 2, k2v), k3v = accel(axpy(th, h / 2, k2t), k3t, 1);
    const k4t = axpy(vel, h, k3v), k4v = accel(axpy(th, h, k3t), k4t, 2);
    const sum = (p: Node, q: Node, u: Node, z: Node) => bb.add(bb.add(p, bb.mul(k(2), bb.add(q, u))), z);
    return { carries: [axpy(th, h / 6, sum(k1t, k2t, k3t, k4t)), axpy(vel, h / 6, sum(k1v, k2v, k3v, k4v))] };
  });
  return { theta: r.carries[0]!, velocity: r.carries[1]! };
}
