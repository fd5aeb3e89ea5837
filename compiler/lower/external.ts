/**
 * External devices in lowering (docs/hardware.md). An `external` layer's nodes lower on the twin
 * only (lower.ts); on the device its output is an `external` input — what the device returned
 * for the batch — and its operand's device-side value is an `external-operand` output, the rows
 * to send. IR programs stay pure: the runtime (runtime/device/staged.ts) runs a program in
 * stages — for each device in node order, a probe (the program pruned to that device's operand),
 * the query, then the program itself with every device's rows fed in. This file gives the model
 * spec its device records and the twin's estimates, and splits a finished program into its
 * probes and its main part. A probe is the program's own nodes, so the rows sent are exactly
 * the values the program computes (the same per-shot draws, the same chip).
 */
import { InternalError } from "../../diagnostics/internal.js";
import type { DeviceSpec } from "../../runtime/device/types.js";
import { inputsOf, outputsOf } from "../../runtime/manifest.js";
import type { InitSpec, TwinVarSpec } from "../../runtime/model.js";
import type { Distribution } from "../../stdlib/types.js";
import { GraphBuilder, type Graph, type Node } from "../ir/graph.js";
import { copyNode } from "../passes/rewrite.js";
import type { NetworkModel } from "../sema/model.js";
import { manifestOf } from "./names.js";

/** For every node of `net`, the index of the external layer that created it (devices first, then --simulate'd ones), or −1. */
export function nodeBlocks(net: NetworkModel): Int32Array {
  const out = new Int32Array(net.nodes.length).fill(-1);
  [...net.externals, ...net.simulated].forEach((e, k) => out.fill(k, e.first, e.end));
  return out;
}

/** What the runtime's client checks each device against: shapes, parameters (protocol names), address, options. */
export function deviceSpecs(net: NetworkModel): DeviceSpec[] {
  return net.externals.map((e) => ({
    name: e.name,
    instance: e.instance,
    inputs: e.inputType.shape,
    outputs: e.outputType.shape,
    params: e.params.map(({ param, name }) => ({ name, path: net.params[param]!.path, shape: net.params[param]!.type.shape })),
    address: e.address,
    options: e.options,
    where: e.span,
  }));
}

/** The twin's estimates of every external layer's device variables (served or --simulate'd), with their starting values. */
export function twinVarSpecs(net: NetworkModel, initOf: (d: Distribution, start: "mean" | "draw") => InitSpec): TwinVarSpec[] {
  return [...net.externals, ...net.simulated].flatMap((e) => e.deviceVars.map((i) => {
    const v = net.deviceVars[i]!;
    return { path: v.path, shape: v.type.shape, init: initOf(v.dist, v.twinStart ?? "mean") };
  }));
}

/** The graph with only `keep` outputs, and only the nodes (and leaves) they need, renumbered. */
export function pruneTo(g: Graph, keep: (name: string) => boolean): Graph {
  const outs = g.outputs.filter((o) => keep(o.name));
  const live = new Uint8Array(g.nodes.length);
  for (const o of outs) live[o.id] = 1;
  for (let i = g.nodes.length - 1; i >= 0; i--) if (live[i]) for (const x of g.nodes[i]!.inputs) live[x] = 1;
  const b = new GraphBuilder();
  const map: Node[] = [];
  for (const n of g.nodes) if (live[n.id]) map[n.id] = copyNode(b, n, n.inputs.map((i) => map[i]!));
  for (const o of outs) b.output(o.name, map[o.id]!);
  return b.build();
}

/** A program that talks to external devices, split for the runtime: one probe per device it queries, in node order, then the rest. */
export interface ExternalSplit {
  /** The program without its `external-operand` outputs. */
  readonly main: Graph;
  /** For each device the program queries: the program pruned to that device's operand rows. */
  readonly probes: readonly { readonly device: number; readonly graph: Graph }[];
}

/** Splits a program with `external` inputs; undefined for a program without any (nothing to stage). */
export function splitExternal(g: Graph): ExternalSplit | undefined {
  const m = manifestOf(g);
  const fed = inputsOf(m, "external").map((i) => i.role.device);
  if (fed.length === 0) return undefined;
  const operands = new Map(outputsOf(m, "external-operand").map((o) => [o.role.device, o.name]));
  const probes = [...fed].sort((a, b) => a - b).map((device) => {
    const name = operands.get(device);
    if (!name) throw new InternalError(`a program reads external device ${device}'s rows but has no output for the rows to send it`);
    return { device, graph: pruneTo(g, (n) => n === name) };
  });
  const isOperand = new Set(operands.values());
  return { main: pruneTo(g, (n) => !isOperand.has(n)), probes };
}
