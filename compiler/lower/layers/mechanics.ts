/**
 * The physics of `std/mechanics` `pendula` (stdlib/mechanics.ts): a chain of coupled driven
 * pendula integrated with classical RK4, unrolled in the IR (every step is ordinary
 * differentiable ops, so backprop through time is autodiff of the unrolled graph). State θ, θ̇ : [B, n];
 *   a(θ, θ̇, t) = −ω₀² ⊙ sin θ + k·(θ L) − γθ̇ + A cos(ω_d t) cos θ,
 * L the free-end chain Laplacian (Lᵢᵢ = −(number of neighbours), Lᵢ,ᵢ±₁ = 1).
 * Device: ω₀ᵢ = ω₀(1 + δᵢ) with δ a per-chip sample; angle readout noise σ·N(0, 1) per shot.
 */
import type { GraphBuilder, Node } from "../../ir/graph.js";

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
 */
export function lowerPendula(b: GraphBuilder, theta0: Node, omega0Node: Node | null, o: PendulaOptions, omegaScale?: Node): { theta: Node; velocity: Node } {
  const n = theta0.shape[theta0.shape.length - 1];
  const h = o.duration / o.steps;
  const k = (v: number) => b.scalar(v, "f32");
  let w2: Node = k(o.omega0 * o.omega0);
  if (omegaScale) w2 = b.mul(w2, b.square(b.add(k(1), omegaScale)));
  const laplacian = o.coupling !== 0 && n > 1 ? b.const(chainLaplacian(n), "f32", [n, n]) : null;
  const wd = o.driveFrequency ?? o.omega0;
  const accel = (th: Node, v: Node, t: number): Node => {
    let a = b.neg(b.mul(w2, b.sin(th)));
    if (laplacian) a = b.add(a, b.mul(k(o.coupling), b.matmul(th, laplacian)));
    if (o.damping !== 0) a = b.sub(a, b.mul(k(o.damping), v));
    if (o.drive !== 0) a = b.add(a, b.mul(k(o.drive * Math.cos(wd * t)), b.cos(th)));
    return a;
  };
  const axpy = (x: Node, s: number, y: Node) => b.add(x, b.mul(k(s), y));
  let th = theta0;
  let v = omega0Node ?? b.mul(theta0, k(0));
  for (let s = 0; s < o.steps; s++) {
    const t = s * h;
    const k1t = v, k1v = accel(th, v, t);
    const k2t = axpy(v, h / 2, k1v), k2v = accel(axpy(th, h / 2, k1t), k2t, t + h / 2);
    const k3t = axpy(v, h / 2, k2v), k3v = accel(axpy(th, h / 2, k2t), k3t, t + h / 2);
    const k4t = axpy(v, h, k3v), k4v = accel(axpy(th, h, k3t), k4t, t + h);
    const sum = (p: Node, q: Node, r: Node, z: Node) => b.add(b.add(p, b.mul(k(2), b.add(q, r))), z);
    th = axpy(th, h / 6, sum(k1t, k2t, k3t, k4t));
    v = axpy(v, h / 6, sum(k1v, k2v, k3v, k4v));
  }
  return { theta: th, velocity: v };
}
