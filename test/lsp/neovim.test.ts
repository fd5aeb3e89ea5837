// A real editor client: Neovim's built-in LSP client (Debian's neovim 0.7.2 in CI; any 0.7+),
// headless, set up by the Neovim 0.7 snippet of docs/editors.md as its init.lua (extracted from
// the page, with this checkout's bin/pnn.js as the command), drives `pnn lsp --stdio` through
// test/lsp/neovim/driver.lua — diagnostics, hover,
// definition, completion, inlay hints, rename and formatting (both applied by Neovim), and a live
// edit of a buffer (incremental didChange) — and reports each check. Skipped, loudly, when `nvim`
// is not installed (.ci/run installs it with apt).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSource } from "../../compiler/driver/format.js";
import { ensureBuilt, REPO } from "./client.js";

const nvim = spawnSync("nvim", ["--version"], { encoding: "utf8" });
const hasNvim = nvim.status === 0;
if (!hasNvim) console.warn("SKIPPED: test/lsp/neovim.test.ts needs `nvim` on PATH (Debian: apt-get install neovim; .ci/run does)");

describe.skipIf(!hasNvim)(`Neovim (${hasNvim ? nvim.stdout.split("\n")[0] : "absent"}) as the client`, () => {
  let ws: string;
  let home: string;
  let report: { version: { major: number; minor: number }; results: Record<string, { ok: boolean; detail: string }>; order: string[] };
  beforeAll(async () => {
    ensureBuilt();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-nvim-ws-"));
    home = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-nvim-home-"));
    fs.copyFileSync(path.join(REPO, "examples/vowels_mzi.pnn"), path.join(ws, "vowels_mzi.pnn"));
    const messy = `network   N{\ninput x:real[4]\n  output y=dense(x,3)  }\n`;
    fs.writeFileSync(path.join(ws, "messy.pnn"), messy);
    fs.writeFileSync(path.join(ws, "messy.expected"), await formatSource(messy, path.join(ws, "messy.pnn")));
    fs.writeFileSync(path.join(ws, "complete.pnn"), "");
    // The Neovim 0.7 setup exactly as docs/editors.md gives it, with this checkout's pnn as the command.
    const docs = fs.readFileSync(path.join(REPO, "docs/editors.md"), "utf8");
    const block = /<!-- tested: test\/lsp\/neovim\.test\.ts[^>]*-->\s*```lua\n([\s\S]*?)```/.exec(docs);
    if (!block) throw new Error("docs/editors.md has no tested Neovim snippet");
    const cmd = '{ "pnn", "lsp", "--stdio" }';
    if (block[1].split(cmd).length !== 2) throw new Error(`the snippet should name ${cmd} once`);
    const snippet = path.join(home, "snippet.lua");
    fs.writeFileSync(snippet, block[1].replace(cmd, `{ "node", ${JSON.stringify(path.join(REPO, "bin/pnn.js"))}, "lsp", "--stdio" }`));
    const results = path.join(home, "results.json");
    const env = { ...process.env, PNN_WS: ws, PNN_RESULTS: results, HOME: home, XDG_CONFIG_HOME: path.join(home, "config"), XDG_DATA_HOME: path.join(home, "data"), XDG_STATE_HOME: path.join(home, "state"), XDG_CACHE_HOME: path.join(home, "cache") };
    const dir = path.join(REPO, "test/lsp/neovim");
    const r = spawnSync("nvim", ["--headless", "-n", "-i", "NONE", "-u", snippet, "-c", `luafile ${path.join(dir, "driver.lua")}`], { env, cwd: ws, encoding: "utf8", timeout: 120_000 });
    if (!fs.existsSync(results)) throw new Error(`nvim wrote no results (status ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
    report = JSON.parse(fs.readFileSync(results, "utf8"));
    if (process.env.PNN_NVIM_VERBOSE) for (const n of report.order) console.log(n, report.results[n]);
  }, 150_000);
  afterAll(() => {
    for (const d of [ws, home]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const CHECKS = ["diagnostics", "hover", "definition", "inlay hints", "completion", "rename", "formatting", "edit", "server log"];
  it("ran every check", () => {
    expect(report.order).toEqual(CHECKS);
    expect(report.version.major * 100 + report.version.minor).toBeGreaterThanOrEqual(7);
  });
  for (const name of CHECKS)
    it(name, () => {
      const r = report.results[name];
      expect(r, `${name} did not run`).toBeDefined();
      expect(r.ok, r.detail).toBe(true);
    });
});
