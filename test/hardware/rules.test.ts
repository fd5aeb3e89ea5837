// Which learning rules train through an external device (docs/hardware.md): those that need only
// its forward passes — physics_aware, spsa, finite_difference, evolution_strategies, local,
// readout_only, and backprop (which trains on the twin and asks the device only to evaluate) —
// do, through the protocol, and every other rule is refused at check time (PNN4004). What the
// checker demands of an external layer itself (real rows, no nesting, one external, a learned
// twin only inside one, one chip) and what `--simulate` changes are checked here too.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../compiler/driver/errors.js";
import { trainProduct } from "../../compiler/driver/run.js";
import { RULES } from "../../compiler/rules/index.js";
import { ProgressReporter } from "../../runtime/metrics.js";
import { checkText } from "../frontend/helpers.js";
import { loadProgram, loadSource } from "../helpers/program.js";
import { tmpDir } from "../train/helpers.js";
import { HAS_PYTHON, PYTHON, TANH_PY, tanhNet } from "./helpers.js";

const THROUGH_DEVICE = ["backprop", "physics_aware", "spsa", "finite_difference", "evolution_strategies", "local", "readout_only"];

describe("the rules an external device allows", () => {
  it("every other rule is refused at check time, at the external declaration (PNN4004)", () => {
    const src = tanhNet(`tcp("127.0.0.1:7000")`);
    for (const r of RULES) {
      const ds = checkText(src.replace("rule = physics_aware", `rule = ${r.name}`)).filter((d) => d.code === "PNN4004");
      if (THROUGH_DEVICE.includes(r.name)) expect(ds.map((d) => d.message), r.name).toEqual([]);
      else {
        expect(ds.length, r.name).toBe(1);
        expect(ds[0]!.message).toContain(`${r.name} cannot train through the external device Box`);
        expect(ds[0]!.span.line).toBe(4);
      }
    }
    expect(RULES.filter((r) => THROUGH_DEVICE.includes(r.name)).length).toBe(THROUGH_DEVICE.length);
  });

  it("local refuses a linear map inside the device (its goodness is not measurable); readout_only a readout inside it", () => {
    const inside = tanhNet(`tcp("127.0.0.1:7000")`, { twin: "dense(x * w, n)" });
    expect(checkText(inside.replace("rule = physics_aware", "rule = local")).find((d) => d.code === "PNN4004")?.message).toContain("dense is inside the external device Box");
    const readout = `layer R(n: int) {\n  param w: real[n]\n  external tcp("127.0.0.1:7000")\n  forward(x: real[n]) -> real[3] = dense(x * w, 3)\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> R(n: 4)\n}\ntrain N on iris() {\n  rule = readout_only\n}\n`;
    expect(checkText(readout).find((d) => d.code === "PNN4004")?.message).toContain("readout_only fits the output layer");
  });

  const quiet = new ProgressReporter({ mode: "quiet", out: process.stdout, epochs: 1 });
  for (const rule of THROUGH_DEVICE)
    it.skipIf(!HAS_PYTHON)(`${rule} trains through the protocol (one epoch, rows counted)`, async () => {
      const dir = tmpDir("pnn-rule-");
      const file = path.join(dir, "n.pnn");
      fs.writeFileSync(file, tanhNet(`stdio("${PYTHON} ${TANH_PY}")`, { rule: rule === "evolution_strategies" ? "evolution_strategies(population: 4)" : rule, epochs: 1 }));
      const log = path.join(dir, "log.jsonl");
      const r = await trainProduct(loadProgram(file), { outDir: dir, backend: "ref", progress: quiet, log, allowCommands: true });
      if (r.kind !== "trained") throw new Error("expected a trained run");
      const queried = fs.readFileSync(log, "utf8").split("\n").filter((l) => l.includes('"seq"')).map((l) => JSON.parse(l) as { x: unknown[] });
      const rows = queried.reduce((a, q) => a + q.x.length, 0);
      // evaluation alone: 50 test rows as 4 batches of 16, once after the epoch and once at the end
      const evalRows = 2 * 4 * 16;
      if (rule === "backprop") expect(rows).toBe(evalRows);
      else expect(rows).toBeGreaterThan(evalRows);
      expect(Number.isFinite(r.summary.device_test_accuracy as number)).toBe(true);
      expect(r.summary.device_chips).toBe(1);
    });
});

describe("what the checker asks of an external layer", () => {
  const layer = (body: string, call = "x |> L(n: 4)") => `layer L(n: int) {\n  param w: real[n]\n${body}\n}\nnetwork N {\n  input x: real[4]\n  output y = ${call} |> dense(3)\n}\n`;
  it("one external per layer, no external inside another, a learned twin only inside one", () => {
    expect(checkText(layer(`  external tcp("127.0.0.1:1")\n  external tcp("127.0.0.1:2")\n  forward(x: real[n]) -> real[n] = x * w`)).map((d) => d.code)).toContain("PNN2002");
    const nested = `layer In(n: int) {\n  param v: real[n]\n  external tcp("127.0.0.1:1")\n  forward(x: real[n]) -> real[n] = x * v\n}\n` + layer(`  external tcp("127.0.0.1:2")\n  forward(x: real[n]) -> real[n] = In(x * w, n: 4)`);
    expect(checkText(nested).filter((d) => d.code === "PNN2091").map((d) => d.message)).toEqual(["layer In is external, but it is called inside the external layer L: the outer device serves the whole block"]);
    const free = `network N {\n  input x: real[4]\n  output y = surrogate(x, out: 3)\n}\n`;
    expect(checkText(free).find((d) => d.code === "PNN2091")?.message).toContain("learned twin of an external device");
  });

  it("--simulate: the layer runs on its device model (chips as usual, no device), with the same parameters and twin estimates", () => {
    const src = tanhNet(`tcp("127.0.0.1:7000")`).replace("batch = 16", "batch = 16\n  chips = 3");
    expect(checkText(src).map((d) => d.code)).toContain("PNN4005");
    const onDevice = loadSource(tanhNet(`tcp("127.0.0.1:7000")`));
    const dir = tmpDir("pnn-sim-");
    fs.writeFileSync(path.join(dir, "n.pnn"), src);
    const simulated = loadProgram(path.join(dir, "n.pnn"), undefined, [], true);
    expect(onDevice.train.chips).toBe(1);
    expect(simulated.train.chips).toBe(3);
    expect(onDevice.spec().externals.map((e) => e.name)).toEqual(["Box"]);
    expect(simulated.spec().externals).toEqual([]);
    expect(simulated.spec().chipVars.map((c) => c.path)).toEqual(["h.Box.offset"]);
    expect(simulated.spec().twinVars.map((c) => c.path)).toEqual(onDevice.spec().twinVars.map((c) => c.path));
    expect(simulated.spec().params).toEqual(onDevice.spec().params);
    expect(simulated.configHash).not.toBe(onDevice.configHash);
  });

  it("data-parallel shards with an external layer (on its device or simulated) are a usage error before the run starts", async () => {
    const src = tanhNet(`tcp("127.0.0.1:7000")`).replace("batch = 16", "batch = 16\n  shards = 2");
    const dir = tmpDir("pnn-sim-shards-");
    fs.writeFileSync(path.join(dir, "n.pnn"), src);
    for (const simulate of [false, true]) {
      const p = loadProgram(path.join(dir, "n.pnn"), undefined, [], simulate);
      const progress = new ProgressReporter({ mode: "quiet", out: process.stdout, epochs: 1 });
      const err = await trainProduct(p, { outDir: path.join(dir, `run-${simulate}`), backend: "ref", progress }).then(() => undefined, (e: unknown) => e);
      expect(err, `simulate ${simulate}`).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/shards = 2: a network with an external layer .* trains on one thread/);
    }
  });
});
