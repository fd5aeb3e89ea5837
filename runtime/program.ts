/**
 * A compiled program as the runtime holds it: the executable (any backend), its manifest (what
 * each input and output is; runtime/manifest.ts) and its digital FLOPs per run. `Programs` is a
 * session's set: the twin and device inference programs every rule evaluates with, and the
 * rule's own programs by name.
 */
import type { Executable } from "./backend.js";
import type { ProgramManifest } from "./manifest.js";

export interface CompiledProgram {
  readonly exe: Executable;
  readonly manifest: ProgramManifest;
  readonly flops: number;
  /**
   * A program that reads external devices' rows: the probes that compute the rows to send each
   * device, in the order to run them (runtime/device/staged.ts runs the whole in stages).
   */
  readonly probes?: readonly { readonly device: number; readonly program: CompiledProgram }[];
}

export interface Programs {
  readonly inferTwin: CompiledProgram;
  /** Present when the network has a device model. */
  readonly inferDevice?: CompiledProgram;
  readonly rule: Readonly<Record<string, CompiledProgram>>;
}
