/**
 * Train blocks: `train Net on data(...) { rule = …, loss = …, optimizer = …, epochs = … }`.
 * Checks the network exists, the data set and its arguments (without loading it), that its
 * feature and class counts fit the network's input and output, every key (with "did you
 * mean"), the rule's options, and — from the network's layer capabilities — that the physics
 * can run the rule (PNN4002 names the layer and the missing capability).
 */
import * as path from "node:path";
import type * as A from "../../grammar/ast.js";
import { checkDatasetArgs, datasetInfo, DATASETS } from "../../runtime/data/index.js";
import { findRule, RULES, type NetworkSummary } from "../../stdlib/rules.js";
import { LOSSES, OPTIMIZERS, TRAIN_KEYS } from "../../stdlib/training.js";
import { showType } from "../../stdlib/types.js";
import { isDimensionless } from "../units.js";
import { checkArgs } from "./args.js";
import { trainingBudgetProblem } from "./budgets.js";
import type { Evaluator } from "./evaluate.js";
import type { NetworkModel, RuleChoice, TrainModel } from "./model.js";
import { closest, didYouMean, type Env } from "./scope.js";

export function summarize(net: NetworkModel): NetworkSummary {
  return {
    kind: net.kind,
    layers: net.nodes.flatMap((n) =>
      n.op === "layer"
        ? [{
            name: n.qualified.includes(".") ? `${n.sig.module}.${n.sig.name}` : n.sig.name,
            binding: n.instance.split(".")[0],
            capabilities: n.sig.capabilities,
            trainable: Object.values(n.owned).some((id) => net.nodes[id].op === "param") || Object.keys(n.tensorArgs).length > 0,
            transducer: !!n.sig.transducer,
            span: n.span,
          }]
        : [],
    ),
    directedCouplings: net.couplings.filter((c) => !c.symmetric).map((c) => ({ from: c.from, to: c.to, span: c.span })),
    couplingKinds: net.couplings.map((c) => c.via ?? "none"),
  };
}

/** A name, or a call with only named arguments: `physics_aware`, `adam(lr: 3e-3)`. */
function nameAndArgs(e: A.Expr): { name: string; span: import("../../diagnostics/span.js").Span; args: readonly A.Arg[] } | undefined {
  if (e.kind === "Name") return { name: e.name, span: e.span, args: [] };
  if (e.kind === "Call" && e.callee.kind === "Name") return { name: e.callee.name, span: e.callee.span, args: e.args };
  return undefined;
}

export function checkTrain(ev: Evaluator, t: A.TrainDecl, env: Env, networks: ReadonlyMap<string, NetworkModel>): TrainModel | undefined {
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

  let rule: RuleChoice | undefined;
  const ruleSetting = settings.get("rule");
  if (!ruleSetting) {
    ev.error("PNN2019", t.network.span.start ? t.span : t.span, "train block has no 'rule = …' (e.g. rule = backprop)");
    ok = false;
  } else {
    const r = nameAndArgs(ruleSetting.value);
    const sig = r && findRule(r.name);
    if (!r || !sig) {
      const shown = r ? `'${r.name}'` : "this";
      const best = r ? closest(r.name, RULES.map((x) => x.name)) : undefined;
      ev.error("PNN4001", ruleSetting.value.span, `unknown learning rule ${shown}${best ? `; did you mean '${best}'?` : `; the rules are ${RULES.map((x) => x.name).join(", ")}`}`, best && r ? { fix: { span: r.span, replacement: best } } : {});
      ok = false;
    } else {
      const res = checkArgs(ev, sig.name, sig.options, r.args.filter((a) => !a.name), r.args.filter((a) => a.name), ruleSetting.value.span, env);
      if (!res.ok) ok = false;
      rule = { sig, options: res.args.consts, span: ruleSetting.value.span };
      if (net) {
        for (const p of sig.check(summarize(net))) {
          ev.error("PNN4002", p.span ?? ruleSetting.value.span, p.message, p.span ? { related: [{ span: ruleSetting.value.span, message: `rule = ${sig.name}` }] } : {});
          ok = false;
        }
      }
    }
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

  let optimizer: TrainModel["optimizer"] = { name: "adam", args: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } };
  const optSetting = settings.get("optimizer");
  if (optSetting) {
    const o = nameAndArgs(optSetting.value);
    const sig = o && OPTIMIZERS.find((x) => x.name === o.name);
    if (!o || !sig) {
      ev.error("PNN2018", optSetting.value.span, `unknown optimizer${o ? ` '${o.name}'` : ""}${o ? didYouMean(o.name, OPTIMIZERS.map((x) => x.name)) : ""}; the optimizers are ${OPTIMIZERS.map((x) => x.name).join(", ")}`);
      ok = false;
    } else {
      const res = checkArgs(ev, sig.name, sig.args, o.args.filter((a) => !a.name), o.args.filter((a) => a.name), optSetting.value.span, env);
      if (!res.ok) ok = false;
      const args: Record<string, number> = {};
      for (const [k, v] of Object.entries(res.args.consts)) if (v && v.kind === "num") args[k] = v.value;
      optimizer = { name: sig.name, args };
    }
  }

  const ints: Record<string, number> = {};
  for (const k of TRAIN_KEYS.filter((x) => x.kind === "int")) {
    ints[k.name] = k.default as number;
    const s = settings.get(k.name);
    if (!s) continue;
    const v = ev.eval(s.value, env);
    if (v.kind === "error") ok = false;
    else if (v.kind !== "num" || !v.isInt || !isDimensionless(v.dim)) {
      ev.error("PNN2010", s.value.span, `${k.name} must be an integer`);
      ok = false;
    } else if (k.min !== undefined && v.value < k.min) {
      ev.error("PNN3003", s.value.span, `${k.name} = ${v.value} is out of range: it must be at least ${k.min}`);
      ok = false;
    } else ints[k.name] = v.value;
  }

  const tooLarge = net ? trainingBudgetProblem(net, ints.batch) : undefined;
  if (tooLarge) {
    ev.error("PNN2081", settings.get("batch")?.value.span ?? t.span, tooLarge);
    ok = false;
  }

  // ── the data set must fit the network ──
  if (net && data && net.kind === "feedforward") {
    const info = datasetInfo(data.name, data.named, data.positional);
    if (info) {
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
    }
  }
  if (!ok || !net || !data || !rule) return undefined;
  return { network: net.name, span: t.span, data, rule, loss, optimizer, epochs: ints.epochs, batch: ints.batch, seed: ints.seed, chips: ints.chips };
}

function checkData(ev: Evaluator, e: A.Expr, env: Env): TrainModel["data"] | undefined {
  const call = nameAndArgs(e);
  if (!call) {
    ev.error("PNN2016", e.span, `expected a data set such as mnist(train: 8000, test: 2000); the data sets are ${DATASETS.map((d) => d.name).join(", ")}`);
    return undefined;
  }
  if (!DATASETS.some((d) => d.name === call.name)) {
    const best = closest(call.name, DATASETS.map((d) => d.name));
    ev.error("PNN2016", call.span, `unknown data set '${call.name}'${best ? `; did you mean '${best}'?` : `; the data sets are ${DATASETS.map((d) => d.name).join(", ")}`}`, best ? { fix: { span: call.span, replacement: best } } : {});
    return undefined;
  }
  const positional: (number | string)[] = [];
  const named: Record<string, number | string> = {};
  let ok = true;
  for (const a of call.args) {
    const v = ev.eval(a.value, env);
    let x: number | string | undefined;
    if (v.kind === "num") x = v.value;
    else if (v.kind === "str") x = v.value;
    else if (v.kind !== "error") ev.error("PNN6006", a.value.span, `data set arguments are numbers or strings`);
    if (x === undefined) {
      ok = false;
      continue;
    }
    if (a.name) named[a.name.name] = x;
    else positional.push(x);
  }
  if (!ok) return undefined;
  const spec = { name: call.name, positional, named, span: e.span };
  // File arguments (csv's path) must stay inside this file's folder, symbolic links resolved.
  const problems = checkDatasetArgs({ ...spec, baseDir: path.dirname(path.resolve(e.span.file)) });
  if (problems.length) {
    ev.ctx.diagnostics.push(...problems);
    return undefined;
  }
  return spec;
}
