/**
 * One schema for everything a user writes as named arguments: layer and coupling arguments,
 * learning-rule options, optimizer arguments, data-set arguments. A schema is a record of typed
 * argument specs; from it come
 *   - the `ArgSig` list the checker validates against (kinds, units, ranges, defaults) and the
 *     language server shows (completion, hover, signature help), in declaration order;
 *   - `read(consts)`: the checked, already-defaulted values as plain, typed numbers, strings and
 *     booleans, which lowering and the runtime read without re-defaulting anything;
 *   - the device-only flags (arguments that change only the simulated device, never the twin).
 * A value is defaulted exactly once: by the checker, from the spec's `default`.
 */
import { InternalError } from "../diagnostics/internal.js";
import { DIMENSIONLESS, FREQUENCY, type Dim } from "../compiler/units.js";
import { bool as boolValue, enumValue, num, type AlsoAccepted, type ArgSig, type ArgType, type ConstValue, type ElementType } from "./types.js";

/** One argument: its checker type, default, doc, and how its checked value reads as a plain value. */
export interface ArgSpec<T> {
  readonly type: ArgType;
  /** Absent: required. `null`: optional, off when not given. */
  readonly default?: ConstValue | null;
  readonly doc: string;
  /** Changes only the simulated device (DAC/ADC, noise, quantization), never the twin. */
  readonly deviceOnly?: boolean;
  read(v: ConstValue | null | undefined, name: string): T;
}

export type SpecRecord = Readonly<Record<string, ArgSpec<unknown>>>;
export type Values<S extends SpecRecord> = { readonly [K in keyof S]: S[K] extends ArgSpec<infer T> ? T : never };

export interface Schema<S extends SpecRecord = SpecRecord> {
  readonly specs: S;
  /** The checker's view, in declaration order. */
  readonly list: readonly ArgSig[];
  /** Names of the device-only arguments. */
  readonly deviceOnly: readonly string[];
  /** Plain values from the checker's (defaulted) constants. */
  read(consts: Readonly<Record<string, ConstValue | null | undefined>>): Values<S>;
}

export function schema<S extends SpecRecord>(specs: S): Schema<S> {
  const list: ArgSig[] = Object.entries(specs).map(([name, s]) => ({ name, type: s.type, doc: s.doc, ...(s.default !== undefined ? { default: s.default } : {}), ...(s.deviceOnly ? { deviceOnly: true } : {}) }));
  return {
    specs,
    list,
    deviceOnly: list.filter((a) => a.deviceOnly).map((a) => a.name),
    read(consts) {
      const out: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(specs)) out[name] = s.read(name in consts ? consts[name] : s.default, name);
      return out as Values<S>;
    },
  };
}

/** An empty schema (layers and rules without arguments). */
export const NO_ARGS = schema({});

/** True when a checked constant turns its feature on (a device-only argument that changes the device). */
export function isActive(v: ConstValue | null | undefined): boolean {
  if (v === null || v === undefined) return false;
  if (v.kind === "num") return v.value !== 0;
  if (v.kind === "bool") return v.value;
  return true;
}

const missing = (name: string, what: string): never => {
  throw new InternalError(`argument '${name}' reached lowering without a checked ${what} (the checker defaults every argument)`);
};

interface NumOpts {
  readonly min?: number;
  readonly max?: number;
  readonly device?: boolean;
}

const readNum = (v: ConstValue | null | undefined, name: string): number => (v && v.kind === "num" ? v.value : missing(name, "number"));
const readOptNum = (v: ConstValue | null | undefined): number | null => (v && v.kind === "num" ? v.value : null);

/** A dimensionless integer; required unless `default` is given. */
export function int(doc: string, o: NumOpts & { readonly default?: number; readonly choices?: readonly number[] } = {}): ArgSpec<number> {
  return { type: { kind: "int", ...minMax(o), ...(o.choices ? { choices: o.choices } : {}) }, ...(o.default !== undefined ? { default: num(o.default, DIMENSIONLESS) } : {}), doc, ...(o.device ? { deviceOnly: true } : {}), read: readNum };
}

/** An integer that is off unless given (e.g. a DAC's bits): null when off. */
export function optInt(doc: string, o: NumOpts = {}): ArgSpec<number | null> {
  return { type: { kind: "int", ...minMax(o) }, default: null, doc, ...(o.device ? { deviceOnly: true } : {}), read: readOptNum };
}

interface QuantityOpts extends NumOpts {
  readonly exclusiveMin?: boolean;
  /** A rate: `dB per mzi`. */
  readonly per?: string;
  /** Other units accepted and converted (an angular frequency in Hz). */
  readonly also?: readonly AlsoAccepted[];
}

const quantityType = (dim: Dim, o: QuantityOpts): ArgType => ({ kind: "quantity", dim, ...minMax(o), ...(o.exclusiveMin ? { exclusiveMin: true } : {}), ...(o.per ? { per: o.per } : {}), ...(o.also ? { also: o.also } : {}) });

/** Cycles per second become radians per second: an angular frequency written in Hz is ×2π. */
export const HERTZ_AS_ANGULAR: readonly AlsoAccepted[] = [{ dim: FREQUENCY, scale: 2 * Math.PI }];

/** A physical quantity in SI units of `dim`; required unless `default` is given. */
export function quantity(dim: Dim, doc: string, o: QuantityOpts & { readonly default?: number } = {}): ArgSpec<number> {
  return {
    type: quantityType(dim, o),
    ...(o.default !== undefined ? { default: num(o.default, dim, o.per) } : {}),
    doc,
    ...(o.device ? { deviceOnly: true } : {}),
    read: readNum,
  };
}

/** A quantity that is off unless given: null when off. */
export function optQuantity(dim: Dim, doc: string, o: QuantityOpts = {}): ArgSpec<number | null> {
  return { type: quantityType(dim, o), default: null, doc, ...(o.device ? { deviceOnly: true } : {}), read: readOptNum };
}

/** A plain (dimensionless) real number. */
export function real(doc: string, o: QuantityOpts & { readonly default?: number } = {}): ArgSpec<number> {
  return quantity(DIMENSIONLESS, doc, o);
}

export function optReal(doc: string, o: QuantityOpts = {}): ArgSpec<number | null> {
  return optQuantity(DIMENSIONLESS, doc, o);
}

export function choice<const O extends readonly string[]>(options: O, doc: string, o: { readonly default?: O[number]; readonly device?: boolean } = {}): ArgSpec<O[number]> {
  return {
    type: { kind: "enum", options },
    ...(o.default !== undefined ? { default: enumValue(o.default) } : {}),
    doc,
    ...(o.device ? { deviceOnly: true } : {}),
    read: (v, name) => (v && v.kind === "enum" ? (v.value as O[number]) : missing(name, "choice")),
  };
}

export function flag(doc: string, o: { readonly default: boolean; readonly device?: boolean }): ArgSpec<boolean> {
  return { type: { kind: "bool" }, default: boolValue(o.default), doc, ...(o.device ? { deviceOnly: true } : {}), read: (v, name) => (v && v.kind === "bool" ? v.value : missing(name, "boolean")) };
}

export function text(doc: string, o: { readonly default?: string } = {}): ArgSpec<string> {
  return { type: { kind: "string" }, ...(o.default !== undefined ? { default: { kind: "str", value: o.default } } : {}), doc, read: (v, name) => (v && v.kind === "str" ? v.value : missing(name, "string")) };
}

/** A file under the program's folder, read at check time: the value is the file's text. */
export function file(doc: string): ArgSpec<string> {
  return { type: { kind: "file" }, doc, read: (v, name) => (v && v.kind === "str" ? v.value : missing(name, "file")) };
}

/** A data file under the program's folder, checked (confined, a regular file, bounded) but not read: the value is the path. */
export function dataPath(doc: string, maxBytes: number): ArgSpec<string> {
  return { type: { kind: "path", maxBytes }, doc, read: (v, name) => (v && v.kind === "str" ? v.value : missing(name, "path")) };
}

/** A data file that may be left out: checked like dataPath when given; "" when not. */
export function optDataPath(doc: string, maxBytes: number): ArgSpec<string> {
  return { type: { kind: "path", maxBytes }, default: { kind: "str", value: "" }, doc, read: (v) => (v && v.kind === "str" ? v.value : "") };
}

/** `lo .. hi` in units of `dim`; null when optional and not given. */
export function range(dim: Dim, doc: string, o: { readonly min?: number; readonly optional?: boolean } = {}): ArgSpec<{ lo: number; hi: number } | null> {
  return {
    type: { kind: "range", dim, ...(o.min !== undefined ? { min: o.min } : {}) },
    ...(o.optional ? { default: null } : {}),
    doc,
    read: (v) => (v && v.kind === "range" ? { lo: v.lo, hi: v.hi } : null),
  };
}

/**
 * A tensor operand (e.g. a mesh's phases): not a constant — lowering receives it as an IR node in
 * `tensors`. Optional tensors are owned by the instance as a parameter when omitted.
 */
export function tensor(dtype: ElementType | "any", doc: string, o: { readonly dim?: Dim; readonly optional?: boolean } = {}): ArgSpec<undefined> {
  return { type: { kind: "tensor", dtype, ...(o.dim ? { dim: o.dim } : {}) }, ...(o.optional ? { default: null } : {}), doc, read: () => undefined };
}

function minMax(o: NumOpts): { min?: number; max?: number } {
  return { ...(o.min !== undefined ? { min: o.min } : {}), ...(o.max !== undefined ? { max: o.max } : {}) };
}
