/**
 * One-line meanings of the language's keywords, for hover (from docs/language.md).
 */
export const KEYWORD_DOCS: Readonly<Record<string, string>> = {
  import: "`import NAME from \"std/…\" | \"./file.pnn\"`: a standard module or a .pnn file under this file's folder",
  const: "`const NAME = EXPR`: a compile-time constant (numbers carry units)",
  layer: "`layer NAME(params) { … }`: a reusable layer; every call is a fresh instance with its own parameters and device variables",
  param: "`param NAME: TYPE [init DIST] [range LO .. HI]`: a trainable tensor of this instance; `range` is the physical range the optimizer clips to",
  device: "`device NAME: TYPE ~ DIST [per shot]`: a device variable — sampled once per simulated chip (or on every query with `per shot`), never trained; the twin sees its mean",
  let: "`let NAME = EXPR`: a named intermediate",
  forward: "`forward(x: TYPE) -> TYPE = EXPR`: what the layer computes; the operand must have the input type",
  network: "`network NAME { … }`: inputs, bindings and one output (feed-forward), or nodes and couplings (energy-based)",
  input: "`input NAME: TYPE`: a network input",
  nodes: "`nodes NAME: TYPE`: free nodes of an energy-based network",
  output: "`output NAME = EXPR` marks the network's output; `output NAME: TYPE` declares output nodes of an energy-based network",
  couple: "`couple A -> B` (directed) or `couple A <-> B via ELEMENT(…)` (symmetric, with an energy)",
  via: "`via ELEMENT(…)`: the coupling element of a symmetric coupling (circuits.resistor, circuits.synapse)",
  train: "`train NET on DATA(…) { rule = …; loss = …; optimizer = …; epochs = …; batch = …; seed = …; chips = … }`",
  on: "`train NET on DATA(…)`: the data set the network is trained on",
  init: "`init DIST`: the initial distribution of a trainable parameter (default glorot() for tensors, 0 for scalars)",
  range: "`range LO .. HI`: the physical range a trainable parameter is clipped to",
  per: "`per shot`: resample a device variable on every query; after a unit (`0.1 dB per mzi`): a rate",
  shot: "`per shot`: resample a device variable on every query (noise), instead of once per chip",
  int: "an integer (layer parameters)",
  real: "real numbers; `real[n, m]` is a tensor",
  complex: "complex numbers (optical fields); `complex[n]` is a tensor",
};
