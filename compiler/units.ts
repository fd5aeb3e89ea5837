/**
 * Physical units: parsing a unit as written (`mm`, `uS`, `dB`, `m/s`) into an SI scale and a
 * dimension vector, and naming dimensions for diagnostics. Angles are their own dimension
 * (rad), and decibels are a logarithmic ratio dimension: both are dimensionless in SI but
 * confusing them is exactly the mistake the checker exists to catch.
 * Conversions: value_SI = value × scale (deg → rad, nm → m, uS → S). dB values are kept in dB.
 */

/** Exponents of [m, kg, s, A, K, rad, dB]. */
export type Dim = readonly [number, number, number, number, number, number, number];

export const DIMENSIONLESS: Dim = [0, 0, 0, 0, 0, 0, 0];
export const LENGTH: Dim = [1, 0, 0, 0, 0, 0, 0];
export const TIME: Dim = [0, 0, 1, 0, 0, 0, 0];
export const CURRENT: Dim = [0, 0, 0, 1, 0, 0, 0];
export const TEMPERATURE: Dim = [0, 0, 0, 0, 1, 0, 0];
export const ANGLE: Dim = [0, 0, 0, 0, 0, 1, 0];
export const DECIBEL: Dim = [0, 0, 0, 0, 0, 0, 1];
export const FREQUENCY: Dim = [0, 0, -1, 0, 0, 0, 0];
/** A rate (s⁻¹): damping, decay. Hz is s⁻¹ too; 2π enters only for angular frequencies. */
export const RATE: Dim = FREQUENCY;
export const ANGULAR_FREQUENCY: Dim = [0, 0, -1, 0, 0, 1, 0];
export const ANGULAR_ACCELERATION: Dim = [0, 0, -2, 0, 0, 1, 0];
/** s⁻²: a spring constant per unit moment of inertia (θ̈ = −k θ). */
export const PER_SECOND_SQUARED: Dim = [0, 0, -2, 0, 0, 0, 0];
/** S/V²: coupled learning's rate (conductance change per squared voltage drop). */
export const CONDUCTANCE_PER_VOLT2: Dim = [-6, -3, 9, 4, 0, 0, 0];
export const POWER: Dim = [2, 1, -3, 0, 0, 0, 0];
export const ENERGY: Dim = [2, 1, -2, 0, 0, 0, 0];
export const VOLTAGE: Dim = [2, 1, -3, -1, 0, 0, 0];
export const RESISTANCE: Dim = [2, 1, -3, -2, 0, 0, 0];
export const CONDUCTANCE: Dim = [-2, -1, 3, 2, 0, 0, 0];
export const CAPACITANCE: Dim = [-2, -1, 4, 2, 0, 0, 0];
export const INDUCTANCE: Dim = [2, 1, -2, -2, 0, 0, 0];

interface BaseUnit {
  readonly dim: Dim;
  readonly scale: number;
  /** Whether SI prefixes apply (`mm`, `uS`); not for `deg`, `dB`, `min`. */
  readonly prefixes: boolean;
}

const BASE: Record<string, BaseUnit> = {
  m: { dim: LENGTH, scale: 1, prefixes: true },
  g: { dim: [0, 1, 0, 0, 0, 0, 0], scale: 1e-3, prefixes: true },
  s: { dim: TIME, scale: 1, prefixes: true },
  min: { dim: TIME, scale: 60, prefixes: false },
  h: { dim: TIME, scale: 3600, prefixes: false },
  d: { dim: TIME, scale: 86400, prefixes: false },
  A: { dim: CURRENT, scale: 1, prefixes: true },
  K: { dim: TEMPERATURE, scale: 1, prefixes: true },
  rad: { dim: ANGLE, scale: 1, prefixes: true },
  deg: { dim: ANGLE, scale: Math.PI / 180, prefixes: false },
  dB: { dim: DECIBEL, scale: 1, prefixes: false },
  Hz: { dim: FREQUENCY, scale: 1, prefixes: true },
  W: { dim: POWER, scale: 1, prefixes: true },
  J: { dim: ENERGY, scale: 1, prefixes: true },
  V: { dim: VOLTAGE, scale: 1, prefixes: true },
  ohm: { dim: RESISTANCE, scale: 1, prefixes: true },
  S: { dim: CONDUCTANCE, scale: 1, prefixes: true },
  F: { dim: CAPACITANCE, scale: 1, prefixes: true },
  H: { dim: INDUCTANCE, scale: 1, prefixes: true },
};

const PREFIX: Record<string, number> = {
  f: 1e-15, p: 1e-12, n: 1e-9, u: 1e-6, "\u00b5": 1e-6, "\u03bc": 1e-6, m: 1e-3, c: 1e-2, k: 1e3, M: 1e6, G: 1e9, T: 1e12,
};

export interface ParsedUnit {
  readonly dim: Dim;
  readonly scale: number;
}

function parseAtom(atom: string): ParsedUnit | undefined {
  const base = BASE[atom];
  if (base) return { dim: base.dim, scale: base.scale };
  for (const [p, f] of Object.entries(PREFIX)) {
    if (atom.startsWith(p) && atom.length > p.length) {
      const b = BASE[atom.slice(p.length)];
      if (b?.prefixes) return { dim: b.dim, scale: b.scale * f };
    }
  }
  return undefined;
}

/** Parses `mm`, `uS`, `m/s`; undefined for an unknown unit. */
export function parseUnit(text: string): ParsedUnit | undefined {
  const atoms = text.split("/");
  let result: ParsedUnit | undefined;
  for (let i = 0; i < atoms.length; i++) {
    const a = parseAtom(atoms[i]);
    if (!a) return undefined;
    result = !result ? a : { dim: subDims(result.dim, a.dim), scale: result.scale / a.scale };
  }
  return result;
}

export function addDims(a: Dim, b: Dim): Dim {
  return a.map((x, i) => x + b[i]) as unknown as Dim;
}
export function subDims(a: Dim, b: Dim): Dim {
  return a.map((x, i) => x - b[i]) as unknown as Dim;
}
export function scaleDim(a: Dim, k: number): Dim {
  return a.map((x) => x * k) as unknown as Dim;
}
export function sameDim(a: Dim, b: Dim): boolean {
  return a.every((x, i) => Math.abs(x - b[i]) < 1e-12);
}
export function isDimensionless(a: Dim): boolean {
  return sameDim(a, DIMENSIONLESS);
}

const NAMED: [Dim, string, string][] = [
  [DIMENSIONLESS, "a plain number", ""],
  [LENGTH, "a length", "mm"],
  [TIME, "a time", "s"],
  [CURRENT, "a current", "A"],
  [TEMPERATURE, "a temperature", "K"],
  [ANGLE, "an angle", "rad"],
  [DECIBEL, "a ratio in decibels", "dB"],
  [FREQUENCY, "a frequency or rate", "Hz"],
  [ANGULAR_FREQUENCY, "an angular frequency", "rad/s"],
  [ANGULAR_ACCELERATION, "an angular acceleration", "rad/s/s"],
  [PER_SECOND_SQUARED, "a rate per second", "Hz/s"],
  [CONDUCTANCE_PER_VOLT2, "a conductance per volt squared", "S/V/V"],
  [POWER, "a power", "W"],
  [ENERGY, "an energy", "J"],
  [VOLTAGE, "a voltage", "V"],
  [RESISTANCE, "a resistance", "ohm"],
  [CONDUCTANCE, "a conductance", "S"],
  [CAPACITANCE, "a capacitance", "F"],
  [INDUCTANCE, "an inductance", "H"],
];

/** "an angle (rad)" — for diagnostics. */
export function describeDim(d: Dim): string {
  for (const [dim, name, unit] of NAMED) if (sameDim(d, dim)) return unit ? `${name} (${unit})` : name;
  const syms = ["m", "kg", "s", "A", "K", "rad", "dB"];
  const parts = d.map((x, i) => (x === 0 ? "" : x === 1 ? syms[i] : `${syms[i]}^${x}`)).filter(Boolean);
  return `a quantity in ${parts.join("·")}`;
}

/** Every unit name the checker accepts (for docs and completion). */
export function knownUnits(): string[] {
  const out: string[] = [];
  for (const [name, b] of Object.entries(BASE)) {
    out.push(name);
    if (b.prefixes) for (const p of Object.keys(PREFIX)) if (p !== "µ") out.push(p + name);
  }
  return out;
}
