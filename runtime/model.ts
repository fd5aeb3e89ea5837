/**
 * The plain-data description of a compiled model that the runtime needs beside its
 * executables: parameter paths, shapes and initialisers, the per-chip device variables and
 * their distributions, and the data shapes. Produced by the compiler; contains no code.
 */
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

export interface ModelSpec {
  readonly network: string;
  readonly params: readonly ParamSpec[];
  readonly chipVars: readonly ChipVarSpec[];
  /** true when the device differs from the twin (device variables or device-only effects). */
  readonly hasDevice: boolean;
  readonly features: number;
  readonly classes: number;
  readonly batch: number;
}
