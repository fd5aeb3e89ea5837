/**
 * The plain-data description of a compiled model that the runtime needs beside its
 * executables: parameter paths, shapes and initialisers, the per-chip device variables and
 * their distributions, the external devices and the twin's estimates of their device variables,
 * and the data shapes. Produced by the compiler; contains no code.
 */
import type { DeviceSpec } from "./device/types.js";
export type InitSpec =
  | { readonly kind: "normal"; readonly mean: number; readonly std: number }
  | { readonly kind: "uniform"; readonly lo: number; readonly hi: number }
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "glorot" };

export interface ParamSpec {
  readonly path: string;
  readonly shape: readonly number[];
  readonly init: InitSpec;
  readonly range?: { readonly lo: number; readonly hi: number };
}

/** A device variable sampled once per simulated chip (a `chip` input of the programs). */
export interface ChipVarSpec {
  readonly path: string;
  readonly shape: readonly number[];
  readonly dist: InitSpec;
}

/**
 * A device variable of an external device as the twin holds it: an estimate the programs read
 * (a `twin-var` input), starting at `init` (the variable's mean) until calibration refits it.
 */
export interface TwinVarSpec {
  readonly path: string;
  readonly shape: readonly number[];
  readonly init: InitSpec;
}

export interface ModelSpec {
  readonly network: string;
  readonly params: readonly ParamSpec[];
  readonly chipVars: readonly ChipVarSpec[];
  /** true when the device differs from the twin (device variables, device-only effects or an external device). */
  readonly hasDevice: boolean;
  /** The twin's estimates of the external devices' device variables (empty without external devices). */
  readonly twinVars: readonly TwinVarSpec[];
  /** The external devices, in the order of the programs' `external` inputs. */
  readonly externals: readonly DeviceSpec[];
  readonly features: number;
  readonly classes: number;
  readonly batch: number;
}
