/**
 * Train blocks: `train Net on data(...) { rule = …, loss = …, optimizer = …, epochs = … }`.
 * Resolves the block once into a fully defaulted run configuration (TrainModel) that lowering
 * and the runtime read without re-defaulting: the data set's arguments, the rule and its
 * options, the optimizer and its arguments, the loss, and the integer settings — all checked
 * against their schemas (stdlib/schema.ts) by the one argument checker. It also runs the rule's
 * complete legality check (`plan`, PNN4002 and PNN508x) and, for energy-based networks, the
 * lowering's own structural refusals (PNN5070), so every refusal shows here, in `pnn check` and
 * in the editor — never later. The data set must fit the network (features, classes).
 */
import type { Span } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import { findDataset, DATASETS } from "../../stdlib/datasets.js";
import { DEFAULT_OPTIMIZER, findOptimizer, LOSSES, OPTIMIZERS, TRAIN_KEYS, TRAIN_SETTINGS, type OptimizerName } from "../../stdlib/training.js";
import { showType } from "../../stdlib/types.js";
import { energyRefusals } from "../lower/energy.js";
import { findRule, RULES } from "../rules/index.js";
import { checkArgs } from "./args.js";
import { trainingBudgetProblem } from "./budgets.js";
import type { Evaluator } from "./evaluate.js";
import type { NetworkModel, TrainModel } from "./model.js";
import { closest, didYouMean, type Env } from "./scope.js";

/** A name, or a call with only named arguments: `physics_aware`, `adam(lr: 3e-3)`. */
function nameAndArgs(e: A.Expr): { name: string; span: Span; args: readonly A.Arg[] } | undefined {
  if (e.kind === "Name") return { name: e.name, span: e.span, args: [] };
  if (e.kind === "Call" && e.callee.kind === "Name") return { name: e.callee.name, span: e.callee.span, args: e.args };
  return undefined;
}

const split = (args: readonly A.Arg[]) => ({ positional: args.filter((a) => !a.name), named: args.filter((a) => a.name) });

/** Plain values of checked constants (numbers, booleans, enum names, strings). */
function plain(consts: Readonly<Record<string, import("../../stdlib/types.js").ConstValue | null>>): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(consts)) {
    if (!v) continue;
    if (v.kind === "num" || v.kind === "bool" || v.kind === "enum" || v.kind === "str") out[k] = v.value;
  }
  return out;
}

/** `ruleOverride` replaces the block's `rule = …` value (a command line's --rule), checked the same way. */
export function checkTrain(ev: Evaluator, t: A.TrainDecl, env: Env, networks: ReadonlyMap<string, NetworkModel>, ruleOverride?: A.Expr): TrainModel | undefined {
  let ok = true;
  const netBinding = env.get(t.network.name);
  let net: NetworkModel | undefined;
  if (!t.network.name) ok = false;
  else if (!netBinding) {
    ev.error("PNN2001", t.network.span, `unknown network '${t.network.name}'${ev.didYouMean(t.network.name, networks.keys())}`);
    ok = false;
  } else if (netBinding.value.kind !== "network") {
    ev.error("PNN2006", t.network.span, `'${t.network.name}' is not a network`);
    ok = false;
  } else {
    netBinding.symbol?.refs.push(t.network.span);
    net = networks.get(t.network.name);
    if (!net) ok = false;
  }

  // ── data ──
  const data = checkData(ev, t.data, env);
  if (!data) ok = false;

  // ── settings ──
  const settings = new Map<string, A.Setting>();
  for (const s of t.settings) {
    const key = s.key.name;
    if (!key) continue;
    if (!TRAIN_KEYS.some((k) => k.name === key)) {
      const best = closest(key, TRAIN_KEYS.map((k) => k.name));
      ev.error("PNN2014", s.key.span, `unknown train key '${key}'${best ? `; did you mean '${best}'?` : `; the keys are ${TRAIN_KEYS.map((k) => k.name).join(", ")}`}`, best ? { fix: { span: s.key.span, replacement: best } } : {});
      ok = false;
    } else if (settings.has(key)) {
      ev.error("PNN2002", s.key.span, `'${key}' is set twice in this train block`, { related: [{ span: settings.get(key)!.key.span, message: "first set here" }] });
      ok = false;
    } else settings.set(key, s);
  }

  // energy-based networks are nudged with the squared error, so that is their default loss
  let loss: TrainModel["loss"] = net?.kind === "energy_based" ? "mse" : "cross_entropy";
  const lossSetting = settings.get("loss");
  if (lossSetting) {
    const l = nameAndArgs(lossSetting.value);
    const found = l && LOSSES.find((x) => x.name === l.name);
    if (!found) {
      ev.error("PNN2018", lossSetting.value.span, `unknown loss${l ? ` '${l.name}'` : ""}${l ? didYouMean(l.name, LOSSES.map((x) => x.name)) : ""}; the losses are ${LOSSES.map((x) => x.name).join(", ")}`);
      ok = false;
    } else loss = found.name;
    if (net?.kind === "energy_based" && loss !== "mse") {
      ev.error("PNN4010", lossSetting.value.span, `energy-based training nudges the outputs with the squared error: write 'loss = mse' (or leave loss out), not ${loss}`);
      ok = false;
    }
  }

  let rule: TrainModel["rule"] | undefined;
  const written = settings.get("rule");
  const ruleSetting = ruleOverride ? { kind: "Setting" as const, key: written?.key ?? { kind: "Ident" as const, name: "rule", span: ruleOverride.span }, value: ruleOverride, span: ruleOverride.span } : written;
  if (!ruleSetting) {
    ev.error("PNN2019", t.span, "train block has no 'rule = …' (e.g. rule = backprop)");
    ok = false;
  } else {
    const r = nameAndArgs(ruleSetting.value);
    const def = r && findRule(r.name);
    if (!r || !def) {
      const shown = r ? `'${r.name}'` : "this";
      const best = r ? closest(r.name, RULES.map((x) => x.name)) : undefined;
      ev.error("PNN4001", ruleSetting.value.span, `unknown learning rule ${shown}${best ? `; did you mean '${best}'?` : `; the rules are ${RULES.map((x) => x.name).join(", ")}`}`, best && r ? { fix: { span: r.span, replacement: best } } : {});
      ok = false;
    } else {
      const { positional, named } = split(r.args);
      const res = checkArgs(ev, def.name, def.options.list, positional, named, ruleSetting.value.span, env, undefined, "PNN4003");
      if (!res.ok) ok = false;
      else {
        rule = { def, options: plain(res.args.consts), span: ruleSetting.value.span };
        if (net) ok = planRule(ev, rule, net, loss) && ok;
      }
    }
  }

  let optimizer: TrainModel["optimizer"] = { name: DEFAULT_OPTIMIZER, args: defaults(DEFAULT_OPTIMIZER) };
  const optSetting = settings.get("optimizer");
  if (optSetting) {
    const o = nameAndArgs(optSetting.value);
    const sig = o && findOptimizer(o.name);
    if (!o || !sig) {
      ev.error("PNN2018", optSetting.value.span, `unknown optimizer${o ? ` '${o.name}'` : ""}${o ? didYouMean(o.name, OPTIMIZERS.map((x) => x.name)) : ""}; the optimizers are ${OPTIMIZERS.map((x) => x.name).join(", ")}`);
      ok = false;
    } else {
      const { positional, named } = split(o.args);
      const res = checkArgs(ev, sig.name, sig.args, positional, named, optSetting.value.span, env);
      if (!res.ok) ok = false;
      optimizer = { name: sig.name, args: plain(res.args.consts) as Record<string, number> };
    }
  }

  // the integer keys are checked like named arguments of the train block
  const intSettings = TRAIN_SETTINGS.list.flatMap((a) => {
    const s = settings.get(a.name);
    return s ? [{ kind: "Arg" as const, name: s.key, value: s.value, span: s.span }] : [];
  });
  const ints = checkArgs(ev, "train", TRAIN_SETTINGS.list, [], intSettings, t.span, env);
  if (!ints.ok) ok = false;
  const values = TRAIN_SETTINGS.read(ints.args.consts);

  if (ints.ok && values.batch % values.shards !== 0) {
    const at = settings.get("shards") ?? settings.get("batch");
    ev.error("PNN2020", at?.value.span ?? t.span, `shards = ${values.shards} does not divide batch = ${values.batch}: every shard of a batch has the same number of rows (e.g. shards = ${largestDivisorAtMost(values.batch, values.shards)})`);
    ok = false;
  }

  const tooLarge = net && ints.ok ? trainingBudgetProblem(net, values.batch) : undefined;
  if (tooLarge) {
    ev.error("PNN2081", settings.get("batch")?.value.span ?? t.span, tooLarge);
    ok = false;
  }

  // an external device is one physical chip: there are no other chips to average over
  let chips = values.chips;
  if (net && net.externals.length && ints.ok) {
    const written = settings.get("chips");
    if (written && chips > 1) {
      ev.error("PNN4005", written.value.span, `network ${net.name} runs on the external device ${net.externals[0]!.name}, which is one chip: write chips = 1 (or leave it out), or run its simulated device model with --simulate`, { related: [{ span: net.externals[0]!.span, message: "external device" }] });
      ok = false;
    }
    chips = 1;
  }

  // ── the data set must fit the network ──
  if (net && data && net.kind === "feedforward") ok = dataFits(ev, net, data, t) && ok;
  if (!ok || !net || !data || !rule) return undefined;
  return { network: net.name, span: t.span, data, rule, loss, optimizer, epochs: values.epochs, batch: values.batch, seed: values.seed, chips, shards: values.shards };
}

/** The largest divisor of n that is at most k (a shard count that would work). */
function largestDivisorAtMost(n: number, k: number): number {
  for (let d = Math.min(n, k); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

function defaults(name: OptimizerName): Record<string, number> {
  return plain(Object.fromEntries(findOptimizer(name)!.args.map((a) => [a.name, a.default ?? null]))) as Record<string, number>;
}

/** The rule's complete legality check and the lowering's structural refusals, as diagnostics. */
function planRule(ev: Evaluator, rule: TrainModel["rule"], net: NetworkModel, loss: string): boolean {
  const refusals = rule.def.plan(net, rule.options);
  const related = (span?: Span) => (span ? { related: [{ span: rule.span, message: `rule = ${rule.def.name}` }] } : {});
  for (const p of refusals) ev.error(p.code, p.span ?? rule.span, p.message, related(p.span));
  let ok = refusals.length === 0;
  if (ok && net.kind === "energy_based")
    for (const p of energyRefusals(net, loss)) {
      ev.error("PNN5070", p.span, p.message);
      ok = false;
    }
  return ok;
}

function dataFits(ev: Evaluator, net: NetworkModel, data: TrainModel["data"], t: A.TrainDecl): boolean {
  const info = findDataset(data.name)!.info(data.args);
  if (!info) return true;
  let ok = true;
  const input = net.inputs[0];
  const features = input ? input.type.shape.reduce((a, b) => a * b, 1) : 0;
  if (net.inputs.length !== 1) {
    ev.error("PNN2015", net.span, `network ${net.name} must have exactly one input to train on ${data.name}`);
    ok = false;
  } else if (features !== info.features) {
    ev.error("PNN2015", t.data.span, `${data.name} has ${info.features} features but ${net.name}'s input ${input.name} is ${showType(input.type)}`, { related: [{ span: input.span, message: "input declared here" }] });
    ok = false;
  }
  const out = net.output !== undefined ? net.nodes[net.output].type : undefined;
  if (out) {
    const n = out.shape.reduce((a, b) => a * b, 1);
    if (out.dtype !== "real") {
      ev.error("PNN2015", t.data.span, `${net.name}'s output is ${showType(out)}; class scores must be real (detect the field, e.g. optics.photodetect)`);
      ok = false;
    } else if (n !== info.classes) {
      ev.error("PNN2015", t.data.span, `${data.name} has ${info.classes} classes but ${net.name}'s output is ${showType(out)}`);
      ok = false;
    }
  }
  return ok;
}

function checkData(ev: Evaluator, e: A.Expr, env: Env): TrainModel["data"] | undefined {
  const call = nameAndArgs(e);
  if (!call) {
    ev.error("PNN2016", e.span, `expected a data set such as mnist(train: 8000, test: 2000); the data sets are ${DATASETS.map((d) => d.name).join(", ")}`);
    return undefined;
  }
  const def = findDataset(call.name);
  if (!def) {
    const best = closest(call.name, DATASETS.map((d) => d.name));
    ev.error("PNN2016", call.span, `unknown data set '${call.name}'${best ? `; did you mean '${best}'?` : `; the data sets are ${DATASETS.map((d) => d.name).join(", ")}`}`, best ? { fix: { span: call.span, replacement: best } } : {});
    return undefined;
  }
  const { positional, named } = split(call.args);
  const res = checkArgs(ev, `${call.name}()`, def.args.list, positional, named, e.span, env, undefined, "PNN6006");
  if (!res.ok) return undefined;
  return { name: call.name, args: plain(res.args.consts) as Record<string, number | string>, span: e.span };
}
