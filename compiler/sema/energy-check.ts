/**
 * The structural rules of an energy-based network (nodes and symmetric couplings), checked by
 * `pnn check` (PNN2070) and again, defensively, by the lowering (PNN5070): one input group
 * (the clamped nodes), no feed-forward layers, every coupling symmetric (the checker gives one
 * written without `via` the default element, circuits.synapse),
 * one element family throughout (circuits.synapse or circuits.resistor), no group coupled to
 * itself, no coupling between clamped inputs only, every free group coupled to something, one
 * output group. compiler/lower/energy.ts relies on all of these.
 */
import type { Span } from "../../diagnostics/span.js";
import type { NetworkModel } from "./model.js";

export interface EnergyProblem {
  readonly span: Span;
  readonly message: string;
}

export function energyProblems(net: NetworkModel): EnergyProblem[] {
  const out: EnergyProblem[] = [];
  const say = (span: Span, message: string) => out.push({ span, message });
  if (net.inputs.length !== 1) say(net.inputs[1]?.span ?? net.span, `energy-based network ${net.name} needs exactly one input group (the clamped nodes), it has ${net.inputs.length}`);
  const layer = net.nodes.find((n) => n.op === "layer");
  if (layer || net.bindings.size > 0) say(layer?.span ?? net.span, `energy-based network ${net.name} mixes layers with nodes and couplings; an energy-based network is made of 'nodes' and 'couple a <-> b via …' only`);
  const outputs = net.stateNodes.filter((s) => s.isOutput);
  if (outputs.length > 1) say(outputs[1]!.span, `energy-based network ${net.name} has more than one output group; class scores are read from one`);
  const inputName = net.inputs[0]?.name;
  const groupNames = new Set(net.stateNodes.map((s) => s.name));
  let firstKind: string | undefined;
  for (const c of net.couplings) {
    if (!c.symmetric) continue; // directed couplings are the rules' concern (PNN4002)
    if (!c.via) continue; // the checker gives every symmetric coupling an element (circuits.synapse when `via` is left out)
    firstKind ??= c.via;
    if (c.via !== firstKind) say(c.span, `energy-based network ${net.name} mixes coupling elements (${firstKind} and ${c.via}); use circuits.synapse or circuits.resistor throughout (a coupling written without 'via' is circuits.synapse)`);
    for (const end of [c.from, c.to])
      if (end !== inputName && !groupNames.has(end)) say(c.span, `'${end}' is not a node group of ${net.name}; couplings join the input and 'nodes' groups`);
    if (c.from === c.to) say(c.span, `the coupling ${c.from} <-> ${c.to} joins a group to itself; couple two different groups`);
    else if (c.from === inputName && c.to === inputName) say(c.span, `the coupling ${c.from} <-> ${c.to} joins clamped inputs only`);
  }
  for (const s of net.stateNodes)
    if (!net.couplings.some((c) => c.from !== c.to && (c.from === s.name || c.to === s.name)))
      say(s.span, `node group '${s.name}' is not coupled to anything; its state is undefined`);
  return out;
}
