// bench/compile-time.mjs ROOT FILE — one cold compile, in a fresh process: check FILE, then lower,
// optimise and compile every program its rule needs with the wasm backend of the pnn tree at ROOT
// (its dist/), with the module cache pointed at an empty directory by the caller. Prints JSON:
// { checkMs, buildMs, trainNodes }. Used by bench/passes.mjs. A tree with the compiler driver is
// opened through it; an older one (before issue 11) through cli/compile.
import * as fs from "node:fs";
import * as path from "node:path";

const [base, file] = process.argv.slice(2);
const d = (p) => path.join(base, "dist", p);
const t0 = performance.now();
let p, t1, t2, nodes;
if (fs.existsSync(d("compiler/driver/session.js"))) {
  const { Session } = await import(d("compiler/driver/session.js"));
  const { countNodes } = await import(d("compiler/passes/rewrite.js"));
  p = new Session(file, fs.readFileSync(file, "utf8"), { readFile: (f) => { try { return fs.readFileSync(f, "utf8"); } catch { return undefined; } } }).program();
  t1 = performance.now();
  await p.compile("wasm", p.train.batch);
  t2 = performance.now();
  nodes = countNodes(p.graphs(p.train.batch).rule.train);
} else {
  const { loadProgram, buildPrograms } = await import(d("cli/compile.js"));
  p = loadProgram(file);
  t1 = performance.now();
  await buildPrograms(p, p.train.batch, "wasm");
  t2 = performance.now();
  const { RULE_LOWERINGS } = await import(d("compiler/lower/rules/index.js"));
  const { modelSpec } = await import(d("compiler/lower/lower.js"));
  let g = RULE_LOWERINGS[p.train.rule.sig.name](p.net, p.train, p.train.batch, modelSpec(p.net, p.train.batch).hasDevice).train;
  nodes = g.nodes.length;
  try {
    const { runPipeline } = await import(d("compiler/passes/pipeline.js"));
    const { countNodes } = await import(d("compiler/passes/rewrite.js"));
    nodes = countNodes(runPipeline(g).graph);
  } catch { /* a tree without passes */ }
}
console.log(JSON.stringify({ checkMs: t1 - t0, buildMs: t2 - t1, trainNodes: nodes }));
