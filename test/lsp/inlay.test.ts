// Inlay hints on the flagship (examples/vowels_mzi.pnn): after every binding the shape the
// checker inferred, equal to the type of that binding's node in the checker's own network model
// (compiler/sema via checkSource, not the server); after every pipeline stage that feeds a
// standard-library layer, that layer node's input type; a unit where the value carries one; and
// the pipeStages option turns stage hints off.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSource } from "../../compiler/sema/check.js";
import { diskHost } from "../../cli/io.js";
import { showType } from "../../stdlib/types.js";
import { ensureBuilt, LspClient, markers, REPO, uriOf } from "./client.js";

const FLAGSHIP = path.join(REPO, "examples/vowels_mzi.pnn");
const text = fs.readFileSync(FLAGSHIP, "utf8");
const lines = text.split("\n");
const offsetOf = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;

let ws: string;
let client: LspClient;
beforeAll(async () => {
  ensureBuilt();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-lsp-inlay-"));
  client = new LspClient();
  await client.initialize(ws, { debounceMs: 10 });
}, 120_000);
afterAll(async () => {
  expect(client.notifications.filter((n) => n.method === "window/logMessage")).toEqual([]);
  expect(await client.shutdown()).toBe(0);
  fs.rmSync(ws, { recursive: true, force: true });
});

const whole = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
async function hintsFor(file: string, body: string) {
  const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(file));
  client.open(file, body);
  expect((await got).diagnostics).toEqual([]);
  return (await client.request("textDocument/inlayHint", { textDocument: { uri: uriOf(file) }, range: whole })) as { position: { line: number; character: number }; label: string }[];
}

describe("inlay hints on the flagship", () => {
  it("equal the checker's types: every binding, and every stage feeding a standard layer", async () => {
    const file = path.join(ws, "vowels_mzi.pnn");
    fs.copyFileSync(FLAGSHIP, file);
    const hints = await hintsFor(file, text);
    const at = new Map(hints.map((h) => [offsetOf(h.position), h.label]));

    const checked = checkSource(text, FLAGSHIP, diskHost);
    expect(checked.diagnostics).toEqual([]);
    const net = checked.model.networks.get("VowelOptical")!;
    // Bindings: the hint right after the name is the binding node's type.
    const bindingNames = ["field", "h", "out", "y"];
    expect([...net.bindings.keys()].sort()).toEqual([...bindingNames].sort());
    for (const name of bindingNames) {
      const m = new RegExp(`^\\s*(?:output\\s+)?(${name})\\s*=`, "m").exec(text)!;
      const end = m.index + m[0].indexOf(name) + name.length;
      expect(at.get(end), name).toBe(`: ${showType(net.nodes[net.bindings.get(name)!].type)}`);
    }
    // Stages: a stage that feeds a standard-library layer shows that layer node's operand type.
    let checkedStages = 0;
    for (const node of net.nodes) {
      if (node.op !== "layer") continue;
      const operandStage = [...at.entries()].find(([off]) => {
        const rest = text.slice(off, node.span.end);
        return /^\s*\|>/.test(rest) && off > node.span.start && !/\|>[\s\S]*\|>/.test(rest);
      });
      if (!operandStage) continue;
      expect(operandStage[1], `${node.qualified} at ${node.span.line}`).toBe(`: ${showType(net.nodes[node.operand].type)}`);
      checkedStages++;
    }
    expect(checkedStages).toBeGreaterThanOrEqual(2); // NoisyMesh → saturable_absorber, Detect's take → gain chain
    // The stage hints present: after each NoisyMesh(...) that is not last, and take(classes).
    expect(hints.map((h) => `${h.position.line + 1}:${h.label}`)).toEqual(expect.arrayContaining(["35:: complex[12]", "38:: real[7]"]));
  });

  it("show a unit where the value carries one, and stage hints can be turned off", async () => {
    const m = markers(`layer Drift(n: int) {
  device e: real[n] ~ normal(0 rad, 0.1 rad)
  let shifted‹let› = e + e
  forward(x: real[n]) -> real[n] = x + shifted
}
network N {
  input x: real[4]
  h‹h› = x |> Drift(n: 4)‹stage1› |> relu
  output y = dense(h, 3)
}
`);
    const file = path.join(ws, "units.pnn");
    const hints = await hintsFor(file, m.text);
    const label = (k: string) => hints.find((h) => h.position.line === m.at[k].line && h.position.character === m.at[k].character)?.label;
    expect(label("let")).toBe(": real[4] (rad)");
    expect(label("h")).toBe(": real[4]"); // relu drops the unit
    expect(label("stage1")).toBe(": real[4] (rad)"); // x + shifted: the checker carries the angle along
    client.notify("workspace/didChangeConfiguration", { settings: { pnn: { inlayHints: { pipeStages: false } } } });
    const off = (await client.request("textDocument/inlayHint", { textDocument: { uri: uriOf(file) }, range: whole })) as { position: { line: number; character: number }; label: string }[];
    expect(off.some((h) => h.position.line === m.at.stage1.line && h.position.character === m.at.stage1.character)).toBe(false);
    expect(off.some((h) => h.position.line === m.at.h.line)).toBe(true);
    client.notify("workspace/didChangeConfiguration", { settings: { pnn: { inlayHints: { pipeStages: true } } } });
  });
});
