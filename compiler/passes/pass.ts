/**
 * What a pass is: a named, pure Graph → Graph function with a one-line summary (the header of
 * its file states what it rewrites and why that is valid). Passes never mutate their input and
 * never change a program's interface (inputs, params, output names, dtypes and shapes).
 */
import type { Graph } from "../ir/graph.js";

export interface Pass {
  readonly name: string;
  readonly summary: string;
  run(g: Graph): Graph;
}
