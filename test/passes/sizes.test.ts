// Program sizes after the pass pipeline (issue 12's acceptance): the flagship's training program
// in at most 750 IR nodes, the coupled pendula's in at most 1,400 (loop bodies counted), and an
// N-mode two-mesh network's IR that does not grow faster than linearly in N (it is constant: the
// mesh columns are one loop).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { countNodes } from "../../compiler/passes/rewrite.js";
import { loadProgram } from "../helpers/program.js";
import { REPO } from "../train/helpers.js";

function trainNodes(file: string): number {
  const p = loadProgram(file);
  // the driver's training program: lowered, differentiated and through the pipeline
  return countNodes(p.graphs(p.train.batch).rule.train!);
}

/** The flagship with N modes (a dense layer maps its 12 features onto them). */
function meshNetwork(n: number): string {
  const src = fs.readFileSync(path.join(REPO, "examples/vowels_mzi.pnn"), "utf8")
    .replace("const modes = 12", `const modes = ${n}`)
    .replace("input x: real[modes]", "input x: real[12]")
    .replace("field = x |> optics.amplitude_encode", "field = dense(x, modes) |> optics.amplitude_encode");
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pnn-mesh-")), `mesh${n}.pnn`);
  fs.writeFileSync(file, src);
  return file;
}

describe("program sizes after the pipeline", () => {
  it("flagship training program ≤ 750 nodes", () => {
    const n = trainNodes(path.join(REPO, "examples/vowels_mzi.pnn"));
    console.log(`flagship train: ${n} nodes`);
    expect(n).toBeLessThanOrEqual(750);
  });
  it("pendula training program ≤ 1,400 nodes", () => {
    const n = trainNodes(path.join(REPO, "examples/pendula_vowels.pnn"));
    console.log(`pendula train: ${n} nodes`);
    expect(n).toBeLessThanOrEqual(1400);
  });
  it("an N-mode two-mesh network's IR grows at most linearly in N", () => {
    const sizes = [8, 16, 32, 64].map((n) => trainNodes(meshNetwork(n)));
    console.log(`two-mesh train nodes for N = 8…64: ${sizes.join(", ")}`);
    // at most linear: doubling N at most doubles the count (here it stays flat)
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(2 * sizes[i - 1]!);
    expect(sizes[3]!).toBeLessThanOrEqual(sizes[0]! + 16);
  });
});
