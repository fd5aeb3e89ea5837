// bench/cold-start.mjs — a cold-cache flagship run against a warm one (issue 12: "a cold-cache
// flagship run within 1.2× of a warm one"). Rerun with
//   npx tsc -p tsconfig.json && node bench/cold-start.mjs [--before DIR] [--rounds N]
// where DIR is a built checkout to compare with (e.g. fe1da15, whose backend modules were
// optimised by binaryen at -O2; the script's train-loop.mjs header says how to make one).
// Each round, for each tree: an empty module cache, then `pnn train examples/vowels_mzi.pnn`
// (60 epochs, checkpoint every epoch, as a user runs it) in a fresh process (cold: binaryen
// compiles every program), then the same command again in a fresh process (warm: modules come
// from the cache). Reported: the whole process's wall time and the batch loop's samples/s over
// the first 13 epochs (the issue saw ~10× slower epochs there after a cache miss). Rounds interleave trees and cold/warm
// so load from other processes on this shared machine hits all alike; cells are medians over
// rounds with the lowest…highest round. Writes bench/results-cold-start.md.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const argv = process.argv.slice(2);
const beforeRoot = argv.includes("--before") ? argv[argv.indexOf("--before") + 1] : undefined;
const ROUNDS = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 5;
const FIRST = 13;
const example = path.join(root, "examples/vowels_mzi.pnn");

/** One `pnn train --json` process of `base` with this cache: wall seconds, first epochs' samples/s. */
function run(base, cache) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-cold-run-"));
  const t0 = performance.now();
  const text = execFileSync(process.execPath, [path.join(base, "bin/pnn.js"), "train", example, "--json", "--out", out], {
    env: { ...process.env, PNN_CACHE_DIR: cache },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  const wall = (performance.now() - t0) / 1000;
  fs.rmSync(out, { recursive: true, force: true });
  const records = text.trim().split("\n").map((l) => JSON.parse(l));
  const epochs = records.filter((r) => typeof r.epoch === "number" && typeof r.samples_per_s === "number");
  const first = epochs.slice(0, FIRST);
  // samples over seconds of the first epochs together (a harmonic mean of their rates)
  const firstRate = first.length / first.reduce((a, r) => a + 1 / r.samples_per_s, 0);
  return { wall, firstRate };
}

const trees = [{ name: "this tree", base: root }, ...(beforeRoot ? [{ name: `before (${path.basename(beforeRoot)})`, base: beforeRoot }] : [])];
const cells = trees.map(() => ({ cold: [], warm: [] }));
for (let r = 0; r < ROUNDS; r++)
  for (const [k, t] of trees.entries()) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-cold-cache-"));
    cells[k].cold.push(run(t.base, cache));
    cells[k].warm.push(run(t.base, cache));
    fs.rmSync(cache, { recursive: true, force: true });
  }

const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (xs, f) => `${f(med(xs))} (${f(Math.min(...xs))}…${f(Math.max(...xs))})`;
const s2 = (x) => x.toFixed(2), i0 = (x) => String(Math.round(x));
const lines = [];
const say = (s = "") => { lines.push(s); console.log(s); };
say(`# Cold-cache against warm-cache flagship runs`);
say();
say(`Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model ?? "?"} (${os.cpus().length} cores shared with other agents' jobs, load average ${os.loadavg()[0].toFixed(1)}), Node ${process.version}; \`pnn train examples/vowels_mzi.pnn --json\` (60 epochs, a checkpoint every epoch), each a fresh process; ${ROUNDS} interleaved rounds; medians over rounds (lowest…highest round).`);
say();
say(`| tree | cache | whole run, s | cold / warm (per round, median) | samples/s, first ${FIRST} epochs |`);
say(`|---|---|---:|---:|---:|`);
for (const [k, t] of trees.entries()) {
  const c = cells[k];
  const ratio = c.cold.map((x, i) => x.wall / c.warm[i].wall);
  for (const which of ["cold", "warm"])
    say(`| ${t.name} | ${which} | ${fmt(c[which].map((x) => x.wall), s2)} | ${which === "cold" ? `${s2(med(ratio))}×` : ""} | ${fmt(c[which].map((x) => x.firstRate), i0)} |`);
}
say();
say(`The first ${FIRST} epochs' rate is their samples over their batch-loop seconds.`);
fs.writeFileSync(path.join(root, "bench/results-cold-start.md"), lines.join("\n") + "\n");
mirrorResults("bench/results-cold-start.md"); // its section of bench/RESULTS.md
