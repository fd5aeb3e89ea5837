/**
 * Synthetic 2-D classification sets: moons, spirals, xor. Each is a pure function of its
 * arguments and `seed` (DataRng), balanced across classes (n split as evenly as possible), and
 * split 75/25 stratified, interleaved by class. Coordinates are used as generated (they are
 * already O(1)): no normalisation.
 */
import type { ArgValues } from "./args.js";
import { DataRng } from "./prng.js";
import { gather, stratifiedSplit } from "./split.js";
import type { Dataset } from "./types.js";

type Gen = (rng: DataRng, cls: number, i: number, m: number, a: ArgValues) => [number, number];

/** sklearn's make_moons shapes: an upper half circle and a lower one shifted by (1, −½). */
const moon: Gen = (rng, cls) => {
  const t = Math.PI * rng.uniform();
  return cls === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
};

/** Archimedean arms r = t, θ = 2π·turns·t + 2πk/K, t ∈ (0, 1], evenly stratified in t. */
const spiral: Gen = (rng, cls, i, m, a) => {
  const t = (i + rng.uniform()) / m;
  const th = 2 * Math.PI * ((a.turns as number) * t + cls / (a.classes as number));
  return [t * Math.cos(th), t * Math.sin(th)];
};

/** Uniform in a quadrant of [−1, 1]²: class 0 = same-sign quadrants (x·y > 0), class 1 = the others. */
const xorPoint: Gen = (rng, cls) => {
  const sx = rng.uniform() < 0.5 ? -1 : 1;
  const sy = cls === 0 ? sx : -sx;
  return [sx * rng.uniform(), sy * rng.uniform()];
};

const GENERATORS: Record<string, Gen> = { moons: moon, spirals: spiral, xor: xorPoint };

export function loadSynthetic(name: "moons" | "spirals" | "xor", a: ArgValues): Dataset {
  const n = a.n as number;
  const classes = name === "spirals" ? (a.classes as number) : 2;
  const noise = a.noise as number;
  const rng = new DataRng(a.seed as number);
  const gen = GENERATORS[name];
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  let r = 0;
  for (let c = 0; c < classes; c++) {
    const m = Math.floor(n / classes) + (c < n % classes ? 1 : 0);
    for (let i = 0; i < m; i++, r++) {
      const [px, py] = gen(rng, c, i, m, a);
      x[2 * r] = px + noise * rng.normal();
      x[2 * r + 1] = py + noise * rng.normal();
      y[r] = c;
    }
  }
  const { train, test } = stratifiedSplit(y, classes, Math.round(n / 4));
  const names = name === "xor" ? ["same_sign", "opposite_sign"] : Array.from({ length: classes }, (_, c) => String(c));
  return { name, featureShape: [2], classes, classNames: names, train: gather(x, y, 2, train), test: gather(x, y, 2, test) };
}
