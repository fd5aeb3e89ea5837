// bench/compile-time.mjs ROOT FILE — one cold compile, in a fresh process: check FILE, then lower,
// optimise and compile every program its rule needs with the wasm backend of the pnn tree at ROOT
// (its dist/), with the module cache pointed at an empty directory by the caller. Prints JSON:
// { checkMs, buildMs, trainNodes }. Used by bench/passes.mjs.
import * as path from "node:path";

const [base, file] = process.argv.slice(2);
const t0 = performance.now();
const { loadProgram, buildPrograms } = await import(path.join(base, "dist/cli/compile.js"));
const p = loadProgram(file);
const t1 = performance.now();
await buildPrograms(p, p.train.batch, "wasm");
const t2 = performance.now();
const { RULE_LOWERINGS } = await import(path.join(base, "dist/compiler/lower/rules/index.js"));
const { modelSpec } = await import(path.join(base, "dist/compiler/lower/lower.js"));
let g = RULE_LOWERINGS[p.train.rule.sig.name](p.net, p.train, p.train.batch, modelSpec(p.net, p.train.batch).hasDevice).train;
let nodes = g.nodes.length;
try {
  const { runPipeline } = await import(path.join(base, "dist/compiler/passes/pipeline.js"));
  const { countNodes } = await import(path.join(base, "dist/compiler/passes/rewrite.js"));
  g = runPipeline(g).graph;
  nodes = countNodes(g);
} catch { /* a tree without passes */ }
console.log(JSON.stringify({ checkMs: t1 - t0, buildMs: t2 - t1, trainNodes: nodes }));
