// The front-end commands as a user runs them: spawns `node bin/pnn.js` (building dist/ first
// when it is missing) and checks exit codes (0 clean, 1 diagnostics, 2 usage), the printed
// diagnostic format with source line and caret, --json, `pnn ast` and `pnn fmt --check`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exampleFiles, REPO } from "./helpers.js";

const BIN = path.join(REPO, "bin/pnn.js");

function pnn(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let tmp: string;
const write = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

beforeAll(() => {
  if (!fs.existsSync(path.join(REPO, "dist/cli/main.js"))) {
    const r = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: REPO, encoding: "utf8", shell: process.platform === "win32" });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-cli-"));
}, 120_000);

const BAD = `network N {
  input x: real[4]
  output y = dens(x, 3)
}
`;

describe("pnn check", () => {
  it("exits 0 and prints nothing on every example", () => {
    const r = pnn("check", ...exampleFiles());
    expect(r.err).toBe("");
    expect(r.out).toBe("");
    expect(r.code, r.err).toBe(0);
  });

  it("exits 1 and prints path:line:col, the source line and a caret", () => {
    const f = write("bad.pnn", BAD);
    const r = pnn("check", f);
    expect(r.code, r.err).toBe(1);
    const lines = r.out.split("\n");
    expect(lines[0]).toBe(`${f}:3:14: error PNN2001: unknown name 'dens'; did you mean 'dense'?`);
    expect(lines[1]).toBe("   3 |   output y = dens(x, 3)");
    expect(lines[2]).toBe(" ".repeat("   3 | ".length + 13) + "^~~~");
  });

  it("--json prints parseable diagnostics", () => {
    const f = write("bad2.pnn", BAD);
    const r = pnn("check", "--json", f);
    expect(r.code, r.err).toBe(1);
    const j = JSON.parse(r.out) as { diagnostics: { code: string; line: number; col: number; file: string; fix?: { replacement: string } }[] };
    expect(j.diagnostics).toHaveLength(1);
    expect(j.diagnostics[0]).toMatchObject({ code: "PNN2001", line: 3, col: 14, file: f, fix: { replacement: "dense" } });
  });

  it("--json on a clean file prints an empty list", () => {
    const r = pnn("check", "--json", path.join(REPO, "examples/mnist_mlp.pnn"));
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ diagnostics: [] });
  });

  it("a missing file is a clear usage error (exit 2) without a stack trace", () => {
    const r = pnn("check", path.join(tmp, "nope.pnn"));
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain("nope.pnn");
    expect(r.err).toContain("no such file");
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
    expect(r.out).toBe("");
  });

  it("a directory is a usage error too", () => {
    const r = pnn("check", tmp);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain("directory");
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("no file at all is a usage error", () => {
    expect(pnn("check").code).toBe(2);
  });

  it("a huge, deeply nested file is a diagnostic, not a crash", () => {
    const f = write("deep.pnn", "const a = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "\n");
    const r = pnn("check", f);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain("PNN1005");
    expect(r.err).toBe("");
  });
});

describe("pnn ast", () => {
  it("prints the AST as JSON", () => {
    const r = pnn("ast", path.join(REPO, "examples/mnist_mlp.pnn"));
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { program: { kind: string; items: { kind: string }[] }; diagnostics: unknown[] };
    expect(j.program.kind).toBe("Program");
    expect(j.program.items.map((i) => i.kind)).toEqual(["Network", "Train"]);
    expect(j.diagnostics).toEqual([]);
  });

  it("exits 2 on a missing file", () => {
    const r = pnn("ast", path.join(tmp, "nope.pnn"));
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain("no such file");
  });
});

describe("pnn fmt", () => {
  it("--check passes on every example", () => {
    const r = pnn("fmt", "--check", ...exampleFiles());
    expect(r.out + r.err).toBe("");
    expect(r.code, r.err).toBe(0);
  });

  it("--check reports a file that would change and exits 1", () => {
    const f = write("ugly.pnn", "network N{input x:real[4]\noutput y=dense(x,3)}\n");
    const r = pnn("fmt", "--check", f);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toContain("would reformat");
  });
});
