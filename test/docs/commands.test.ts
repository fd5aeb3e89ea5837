// The shell commands of the documentation (docs/writing-docs.md). Every ```sh block says whether
// the doc test runs it (`run`) or not (`illustrative: why`); in every one of them — run or not —
// each `pnn` subcommand and flag shown must exist in the CLI (cli/main.ts createCli), each
// `npm run NAME` must be a script and each `node FILE` a file, so removing a command or a flag
// that a doc shows fails here. The `run` blocks of each document run in order, in a fresh copy
// of examples/ (with bin/ linked, `npx pnn` = this checkout's bin/pnn.js, `npm ci` skipped: the
// test runs in the tree it made, `npm run NAME` = package.json's script), each command with a
// timeout; a ```text output block after a run block lists lines the block's last command must
// print, in order (`…` = any text).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCli } from "../../cli/main.js";
import { blocksOf, docFiles, missingInOrder, nextBlock, REPO, SHELL_LANGS, shIntent, type Block } from "./markdown.js";
import { commandLines, pnnArguments, simpleCommands, unknownInCli, withoutOptional } from "./shell.js";

/** Each command's limit: generous for 2 busy CI cores (the slowest, a flagship training, takes ~5 s alone). */
const COMMAND_TIMEOUT_MS = 90_000;

const cli = createCli(() => {});
const packageJson = (dir: string): { scripts?: Record<string, string> } => JSON.parse(fs.readFileSync(path.join(REPO, dir, "package.json"), "utf8"));
const docs = docFiles().map((doc) => ({ doc, text: fs.readFileSync(path.join(REPO, doc), "utf8"), blocks: blocksOf(doc) }));
const shellBlocks = docs.flatMap((d) => d.blocks.filter((b) => SHELL_LANGS.has(b.lang)));

/** What a shell block shows that does not exist: pnn commands and flags, npm scripts, node files. */
function missingThings(b: Block): string[] {
  const problems: string[] = [];
  let dir = ".";
  for (const line of commandLines(b.body)) {
    for (const ws of simpleCommands(line)) {
      const pnn = pnnArguments(ws);
      if (pnn) problems.push(...unknownInCli(cli, pnn));
      else if (ws[0] === "cd" && ws[1]) dir = path.join(dir, ws[1]);
      else if (ws[0] === "npm" && ws[1] === "run" && ws[2] && !packageJson(dir).scripts?.[ws[2]]) problems.push(`${path.join(dir, "package.json")} has no script '${ws[2]}'`);
      else if (ws[0] === "node" && ws[1] && !ws[1].startsWith("-") && !fs.existsSync(path.join(REPO, dir, ws[1]))) problems.push(`no file ${path.join(dir, ws[1])}`);
    }
  }
  return problems.map((p) => `${b.doc}:${b.line}: ${p}`);
}

describe("shell blocks of the documentation", () => {
  it("every shell block says whether the doc test runs it", () => {
    expect(shellBlocks.length).toBeGreaterThan(10);
    const problems = shellBlocks.map((b) => [b, shIntent(b.intent)] as const).filter(([, i]) => typeof i === "string").map(([b, i]) => `${b.doc}:${b.line}: ${i}`);
    expect(problems).toEqual([]);
  });

  it("every ```text output block follows a ```sh run block", () => {
    for (const { text, blocks } of docs)
      for (const b of blocks.filter((x) => x.lang === "text" && x.intent === "output")) {
        const before = blocks[blocks.indexOf(b) - 1];
        const intent = before && SHELL_LANGS.has(before.lang) ? shIntent(before.intent) : undefined;
        expect(before && nextBlock(blocks, before, text) === b && typeof intent === "object" && intent.kind === "run", `${b.doc}:${b.line}`).toBe(true);
      }
  });

  it("every pnn command and flag shown exists, and so does every npm script and node file", () => {
    expect(shellBlocks.flatMap(missingThings)).toEqual([]);
  });

  it("README's `npm test` type-checks and runs the whole suite, this test included", () => {
    const readme = docs.find((d) => d.doc === "README.md")!;
    expect(readme.text).toMatch(/npm ci && npm test +# type-check the tests, then the test suite \(vitest/);
    const test = packageJson(".").scripts?.test ?? "";
    expect(test).toMatch(/^tsc -p tsconfig\.test\.json && .*vitest run$/);
    expect(fs.readFileSync(path.join(REPO, "vitest.config.ts"), "utf8")).toContain(`include: ["test/**/*.test.ts"]`);
  });

  it("finds the flags of an optional group and a removed flag", () => {
    const made = { doc: "made-up.md", line: 1, lang: "sh", intent: "illustrative: made up here", endLine: 3 };
    expect(missingThings({ ...made, body: 'npx pnn train x.pnn --out runs/x [--rule "spsa(c: 0.02)"] [--json]\n' })).toEqual([]);
    expect(missingThings({ ...made, body: "npx pnn train x.pnn [--jsn]\n" })).toEqual(["made-up.md:1: pnn train has no option '--jsn'"]);
    expect(missingThings({ ...made, body: "pnn trian x.pnn\n" })[0]).toMatch(/no command 'trian'/);
    expect(missingThings({ ...made, body: "npm run flagshp\n" })[0]).toMatch(/no script 'flagshp'/);
  });
});

/** The line as the test runs it: optional groups out, `npx pnn` → `pnn`, `npm ci` skipped, `npm run NAME` → the script. */
function runnable(line: string): string {
  const segments = withoutOptional(line).split("&&").map((s) => s.trim());
  const kept = segments.flatMap((s) => {
    if (s === "npm ci" || s === "npm test") return []; // the tree the test runs in is npm ci's; npm test is checked above
    const script = /^npm run (\S+)$/.exec(s);
    if (script) return [packageJson(".").scripts![script[1]!]!];
    return [s];
  });
  return kept.join(" && ").replace(/(^|[\s;&|(])npx pnn\b/g, "$1pnn");
}

const runDocs = docs.filter((d) => d.blocks.some((b) => SHELL_LANGS.has(b.lang) && (shIntent(b.intent) as { kind?: string }).kind === "run"));

describe("the run blocks run", () => {
  it("README.md and docs/tutorial.md have run blocks", () => {
    expect(runDocs.map((d) => d.doc)).toEqual(expect.arrayContaining(["README.md", "docs/tutorial.md"]));
  });

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-doc-commands-"));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const shim = path.join(root, ".shim");
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, "pnn"), `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO, "bin/pnn.js")}" "$@"\n`, { mode: 0o755 });
  // compiled wasm modules are cached across runs of this test (outside the repository)
  const env = { ...process.env, PATH: `${shim}${path.delimiter}${process.env.PATH}`, PNN_CACHE_DIR: path.join(os.tmpdir(), "pnn-doc-commands-cache"), NO_COLOR: "1" };

  for (const { doc, text, blocks } of runDocs) {
    describe.sequential(doc, () => {
      const dir = path.join(root, doc.replace(/[^\w.-]+/g, "_"));
      beforeAll(() => {
        fs.cpSync(path.join(REPO, "examples"), path.join(dir, "examples"), { recursive: true, filter: (src) => !/[\\/]web[\\/]model(-webgpu)?$/.test(src) });
        fs.symlinkSync(path.join(REPO, "bin"), path.join(dir, "bin"));
      });
      for (const b of blocks.filter((x) => SHELL_LANGS.has(x.lang))) {
        const intent = shIntent(b.intent);
        if (typeof intent === "string" || intent.kind !== "run") continue;
        it(`${doc}:${b.line}`, { timeout: 10 * COMMAND_TIMEOUT_MS }, () => {
          const lines = commandLines(b.body).map(runnable).filter((l) => l !== "");
          expect(lines.length, `${doc}:${b.line} runs nothing`).toBeGreaterThan(0);
          let last = "";
          lines.forEach((line, i) => {
            const t0 = performance.now();
            const r = spawnSync("bash", ["-o", "pipefail", "-c", line], { cwd: dir, env, encoding: "utf8", timeout: COMMAND_TIMEOUT_MS, maxBuffer: 1 << 26 });
            const seconds = ((performance.now() - t0) / 1000).toFixed(1);
            last = `${r.stdout}\n${r.stderr}`;
            const want = i === lines.length - 1 ? intent.exit : 0;
            const what = `${doc}:${b.line}: \`${line}\` (${seconds} s)`;
            if (r.error) throw new Error(`${what}: ${r.error.message}`);
            expect(r.status, `${what} exited ${r.status}${r.signal ? ` (${r.signal})` : ""}:\n${last.slice(-3000)}`).toBe(want);
          });
          const shown = nextBlock(blocks, b, text);
          if (shown?.lang === "text" && shown.intent === "output") expect(missingInOrder(shown.body, last), `${doc}:${shown.line}: not printed by the last command of ${doc}:${b.line}:\n${last.slice(-3000)}`).toEqual([]);
        });
      }
    });
  }
});
