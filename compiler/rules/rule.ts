/**
 * A learning rule is ONE module (compiler/rules/<family>.ts) that owns everything about it:
 *   - its signature: name, doc, options (a schema: checked and defaulted by the checker);
 *   - `plan(net)`: the complete legality check — every refusal the rule can make, as diagnostics
 *     with codes; `pnn check` and the language server run it, so nothing is refused later;
 *   - `programs(...)`: the IR programs it needs besides inference (a train step, a loss query,
 *     relaxations…), lowered with the session's device settings;
 *   - optionally `infer(...)`: its own inference program (local learning's label embedding;
 *     energy relaxations with the rule's step counts). Otherwise the driver builds the twin/device
 *     inference pair itself, from the same lowering options as every other program;
 *   - `stepper(...)`: the run-time half — one training step from a batch, reading the programs'
 *     typed manifests (runtime/manifest.ts), never tensor names.
 * The runtime's trainer receives the stepper from the driver; it never imports this folder.
 */
import type { DiagnosticCode } from "../../diagnostics/catalog.js";
import type { Span } from "../../diagnostics/span.js";
import type { RuleContext, RuleStepper, ShardMerger, ShardStepper } from "../../runtime/rules/types.js";
import type { Capability } from "../../stdlib/types.js";
import type { Schema, SpecRecord, Values } from "../../stdlib/schema.js";
import type { Graph } from "../ir/graph.js";
import type { Loss, LowerOptions } from "../lower/lower.js";
import type { NetworkModel } from "../sema/model.js";

/** One reason a rule cannot train a network (shown by `pnn check` and the editor). */
export interface Refusal {
  readonly code: DiagnosticCode;
  readonly message: string;
  /** Where it points; absent: at the `rule = …` setting. */
  readonly span?: Span;
}

/** What a rule's lowering knows: the network, the run's settings, and the session's device settings. */
export interface RuleLowering<O> {
  readonly net: NetworkModel;
  readonly options: O;
  readonly loss: Loss;
  readonly seed: number;
  /** The train block's optimizer (for rules that fuse the update into their program). */
  readonly optimizer: { readonly name: string };
  readonly batch: number;
  /** The network has a device model distinct from the twin. */
  readonly hasDevice: boolean;
  readonly lowering: LowerOptions;
  /**
   * The programs compute one shard of a data-parallel step (`batch` is the shard's rows): the
   * update is applied once the shards are summed, so no program may apply it itself (no fused
   * optimizer).
   */
  readonly dataParallel: boolean;
}

/**
 * How a rule trains data-parallel (a train block with shards > 1; docs/scaling.md):
 *   "gradient" — its stepper returns a gradient that is a weighted sum over the batch's rows (the
 *     loss weights carry the 1/n), so the shards' gradients are summed in shard order and one
 *     optimizer update is applied; the stepper must return `grads` when `dataParallel`;
 *   { shard, merge } — the rule's own sums, linear in the batch (e.g. normal equations): `shard`
 *     returns them for one shard, `merge` applies their sum to the parameters on the main thread.
 */
export type ParallelPlan<O> = "gradient" | { shard(ctx: RuleContext, options: O): ShardStepper; merge(ctx: RuleContext, options: O): ShardMerger };

/** Where the rule runs its forward passes while training (for `pnn train`'s report and docs). */
export type TrainsOn = "twin" | "device" | "device-if-any";

export interface RuleDef<S extends SpecRecord = SpecRecord> {
  readonly name: string;
  readonly doc: string;
  readonly options: Schema<S>;
  /** "feedforward" or "energy_based": the network kind the rule trains. */
  readonly trains: "feedforward" | "energy_based";
  /** What the rule needs from the physics, in words (editor hover; the plan enforces it). */
  readonly requires: string;
  plan(net: NetworkModel, options: Values<S>): Refusal[];
  programs(c: RuleLowering<Values<S>>): Readonly<Record<string, Graph>>;
  infer?(c: RuleLowering<Values<S>>, device: boolean): Graph;
  stepper(ctx: RuleContext, options: Values<S>): RuleStepper;
  /** Data-parallel training: every rule decides (see ParallelPlan). */
  readonly parallel: ParallelPlan<Values<S>>;
}

/** A rule module's export; `defineRule` only fixes the option type. */
export function defineRule<S extends SpecRecord>(r: RuleDef<S>): RuleDef {
  return r as unknown as RuleDef;
}

// ── shared legality helpers ─────────────────────────────────────────────────

/** The stdlib elements used by a network, with where they are used. */
export function elementsOf(net: NetworkModel) {
  return net.nodes.flatMap((n) => (n.op === "layer" ? [{ node: n, name: n.qualified.includes(".") ? `${n.sig.module}.${n.sig.name}` : n.sig.name, binding: n.instance.split(".")[0]!, span: n.span }] : []));
}

export function needFeedforward(rule: string, net: NetworkModel): Refusal[] {
  return net.kind === "feedforward" ? [] : [{ code: "PNN4002", message: `${rule} trains feed-forward networks; this network is energy-based (nodes and symmetric couplings): use equilibrium_propagation or coupled_learning` }];
}

export function needCapability(rule: string, cap: Capability, net: NetworkModel, filter: (e: ReturnType<typeof elementsOf>[number]) => boolean = () => true): Refusal[] {
  return elementsOf(net)
    .filter((e) => filter(e) && !e.node.sig.capabilities.includes(cap))
    .map((e) => ({ code: "PNN4002" as const, message: `${rule} needs every layer to be ${cap}; ${e.name} (in '${e.binding}') is not`, span: e.span }));
}

export function needEnergyBased(rule: string, net: NetworkModel): Refusal[] {
  const directed = net.couplings.filter((c) => !c.symmetric);
  if (net.kind === "energy_based" && directed.length === 0) return [];
  const out: Refusal[] = directed.map((c) => ({
    code: "PNN4002" as const,
    message: `${rule} needs an energy-based network: the coupling ${c.from} -> ${c.to} is directed (feed-forward) and has no energy; write 'couple ${c.from} <-> ${c.to} via …'`,
    span: c.span,
  }));
  for (const e of elementsOf(net))
    if (!e.node.sig.capabilities.includes("energy_based"))
      out.push({ code: "PNN4002", message: `${rule} needs an energy-based network; layer ${e.name} (in '${e.binding}') is feed-forward and lacks the energy_based capability`, span: e.span });
  if (out.length === 0) out.push({ code: "PNN4002", message: `${rule} needs an energy-based network (nodes with symmetric 'couple a <-> b via …' couplings)` });
  return out;
}

/**
 * A rule that needs more from the device than forward passes refuses every external device
 * (`needs` says what): the device protocol (docs/hardware.md) serves forward passes only.
 */
export function refuseExternal(rule: string, net: NetworkModel, needs: string): Refusal[] {
  return net.externals.map((e) => ({
    code: "PNN4004" as const,
    span: e.span,
    message: `${rule} cannot train through the external device ${e.name}: it needs ${needs}, and an external device serves forward passes only (docs/hardware.md lists the rules that need nothing more)`,
  }));
}

/** The layers of `net` that an external device hides (their insides are not measurable), with the device. */
export function insideExternal(net: NetworkModel, node: number): NetworkModel["externals"][number] | undefined {
  return net.externals.find((e) => node >= e.first && node < e.end);
}

/** Feed-forward and every element differentiable: what the gradient rules need. */
export function needDifferentiable(rule: string, net: NetworkModel): Refusal[] {
  const base = needFeedforward(rule, net);
  return base.length ? base : needCapability(rule, "differentiable", net);
}
