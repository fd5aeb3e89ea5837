// Regression tests for issue 16's front-end reproducers about *files*: a device, a FIFO or a
// huge file named on the command line or imported; imports and data paths that leave the
// project folder (absolute, `..`, or a symbolic link inside the folder that points out of it,
// to a file or through a linked directory); and `pnn` with no arguments. Confinement is checked
// where users meet it: `pnn check` (spawned, so a blocking read would show as a timeout, not a
// hung test worker), the language server (a real `pnn lsp` process on the same files) and the
// data loader `train` uses. Nothing outside the folder may be read or printed: the tests plant
// a secret there and look for it in every output.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDataFile, UsageError } from "../../cli/io.js";
import { MAX_SOURCE_BYTES } from "../../diagnostics/limits.js";
import { UserError } from "../../diagnostics/catalog.js";
import { fileSpan } from "../../diagnostics/span.js";
import { datasetArgs } from "../../stdlib/datasets.js";
import { loadDataset } from "../../runtime/data/index.js";
import { confine, readTextFile } from "../../runtime/files.js";
import { ensureBuilt, LspClient, uriOf } from "../lsp/client.js";
import { checkLikeCli, REPO } from "./helpers.js";

const BIN = path.join(REPO, "bin/pnn.js");
const SECRET = "TOP-SECRET-1234";

/** `pnn ARGS` as a user runs it, with a hard timeout (a read that blocks is a failure, not a hang). */
function pnn(args: string[], cwd: string, timeout = 20_000) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", timeout });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0, timedOut: r.error !== undefined };
}

let root: string; // holds proj/ (the project) and outside/ (a secret next to it)
let proj: string;
let outside: string;
const hasFifo = process.platform !== "win32";

beforeAll(() => {
  ensureBuilt();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-conf-"));
  proj = path.join(root, "proj");
  outside = path.join(root, "outside");
  fs.mkdirSync(path.join(proj, "sub"), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret.pnn"), `const ${SECRET.replace(/-/g, "_")} = 1\n${SECRET}\n`);
  fs.writeFileSync(path.join(outside, "secret.csv"), `a,label\n${SECRET},x\n`);
  fs.writeFileSync(path.join(proj, "sub/ok.pnn"), "const k = 2\n");
  fs.symlinkSync(path.join(outside, "secret.pnn"), path.join(proj, "secret.pnn"));
  fs.symlinkSync(outside, path.join(proj, "linked"));
  fs.symlinkSync("/etc/passwd", path.join(proj, "passwd.pnn"));
  fs.symlinkSync("/dev/zero", path.join(proj, "zero.pnn"));
  fs.symlinkSync("/dev/urandom", path.join(proj, "urandom.pnn"));
  fs.symlinkSync("sub/ok.pnn", path.join(proj, "inside.pnn")); // a link that stays inside: fine
  fs.symlinkSync(path.join(outside, "secret.csv"), path.join(proj, "secret.csv"));
  fs.symlinkSync("/etc/passwd", path.join(proj, "pw.csv"));
  fs.writeFileSync(path.join(proj, "big.pnn"), "// padding\n".repeat(Math.ceil((MAX_SOURCE_BYTES + 10) / 11)));
  if (hasFifo) spawnSync("mkfifo", [path.join(proj, "fifo.pnn"), path.join(proj, "fifo.csv")]);
}, 120_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const importing = (spec: string) => `import m from "${spec}"\nconst a = 1\n`;
const csvNet = (p: string) => `network N {\n  input x: real[4]\n  output y = dense(x, 3)\n}\ntrain N on csv("${p}", label: "label") {\n  rule = backprop\n}\n`;
const write = (name: string, text: string) => (fs.writeFileSync(path.join(proj, name), text), name);

function expectNoLeak(...outputs: string[]): void {
  for (const o of outputs) {
    expect(o).not.toContain(SECRET);
    expect(o).not.toMatch(/root:.*:0:0:/); // a line of /etc/passwd
    expect(o).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  }
}

describe("files that are not regular files, or too large, are refused before reading", () => {
  it("pnn check /dev/zero: exit 2 at once (it read 10–17 GB before)", () => {
    const r = pnn(["check", "/dev/zero"], proj);
    expect(r.code).toBe(2);
    expect(r.err).toBe("pnn: cannot read /dev/zero: not a regular file (a device)\n");
    expect(r.ms).toBeLessThan(10_000);
  });

  it.runIf(hasFifo)("pnn check on a FIFO, and an import of a FIFO: refused without blocking", () => {
    const top = pnn(["check", "fifo.pnn"], proj);
    expect(top.timedOut).toBe(false);
    expect([top.code, top.err]).toEqual([2, "pnn: cannot read fifo.pnn: not a regular file (a named pipe)\n"]);
    const imp = pnn(["check", write("imp_fifo.pnn", importing("fifo.pnn"))], proj);
    expect(imp.timedOut).toBe(false); // it blocked forever before
    expect(imp.code).toBe(1);
    expect(imp.out).toContain("error PNN2007: cannot import 'fifo.pnn': not a regular file (a named pipe)");
  });

  it("imports of links to /dev/zero and /dev/urandom are refused as outside the folder", () => {
    for (const dev of ["zero", "urandom"]) {
      const r = pnn(["check", write(`imp_${dev}.pnn`, importing(`${dev}.pnn`))], proj);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`error PNN2008: import '${dev}.pnn' points outside this file's folder: '${dev}.pnn' links to /dev/${dev}`);
      expect(r.out.length).toBeLessThan(2_000);
    }
  });

  it("a file over the size limit is PNN1004, named or imported", () => {
    const top = checkLikeCli([path.join(proj, "big.pnn")]);
    expect(top.code).toBe(1);
    expect(top.err).toMatch(/big\.pnn:1:1: error PNN1004: .*big\.pnn is too large: it is 1,000,010 bytes; the limit is 1,000,000/);
    const imp = checkLikeCli([path.join(proj, write("imp_big.pnn", importing("big.pnn")))]);
    expect(imp.out).toContain("error PNN1004: cannot import 'big.pnn': it is 1,000,010 bytes; the limit is 1,000,000");
  });

  it("--input-style reads (pnn infer --input FILE) are bounded the same way", () => {
    expect(() => readDataFile("/dev/zero", "--input")).toThrow(new UsageError("--input: cannot read /dev/zero: not a regular file (a device)"));
    expect(() => readDataFile(proj, "--input")).toThrow(/not a regular file \(a directory\)/);
    expect(readDataFile(path.join(proj, "no-such-file"), "--input")).toBeUndefined(); // then it is taken as numbers
    expect(readTextFile(path.join(proj, "big.pnn"), 100)).toMatchObject({ ok: false, kind: "too-large" });
  });
});

describe("imports and data paths stay inside the importing file's folder (links resolved)", () => {
  it("a link to a file outside, a link to a directory outside, a link to /etc/passwd: refused, never read", () => {
    const cases: [string, RegExp][] = [
      ["secret.pnn", /error PNN2008: import 'secret\.pnn' points outside this file's folder: 'secret\.pnn' links to .*outside\/secret\.pnn, outside the project folder/],
      ["linked/secret.pnn", /error PNN2008: import 'linked\/secret\.pnn' points outside .*links to .*outside\/secret\.pnn/],
      ["passwd.pnn", /error PNN2008: import 'passwd\.pnn' points outside .*links to \/etc\/passwd/],
      ["../outside/secret.pnn", /error PNN2008: import '\.\.\/outside\/secret\.pnn' points outside this file's folder: .* is outside the project folder/],
      [path.join(outside, "secret.pnn"), /error PNN2008: .* is outside the project folder/],
    ];
    for (const [spec, says] of cases) {
      const r = pnn(["check", write("imp.pnn", importing(spec))], proj);
      expect(r.code, spec).toBe(1);
      expect(r.out, spec).toMatch(says);
      expectNoLeak(r.out, r.err);
    }
  });

  it("a link that stays inside the folder is followed as before", () => {
    const r = pnn(["check", write("imp_in.pnn", 'import m from "inside.pnn"\nconst a = m.k + 1\n')], proj);
    expect([r.code, r.out, r.err]).toEqual([0, "", ""]);
  });

  it("csv('/etc/passwd'), csv('../../etc/passwd') and a csv link out of the folder are refused by pnn check (PNN6006)", () => {
    const cases: [string, RegExp][] = [
      ["/etc/passwd", /error PNN6006: csv\(\)'s path: '\/etc\/passwd' is outside the project folder .*; data files must be inside it/],
      ["../../etc/passwd", /error PNN6006: csv\(\)'s path: '\.\.\/\.\.\/etc\/passwd' is outside the project folder/],
      ["pw.csv", /error PNN6006: csv\(\)'s path: 'pw\.csv' links to \/etc\/passwd, outside the project folder/],
      ["secret.csv", /error PNN6006: csv\(\)'s path: 'secret\.csv' links to .*outside\/secret\.csv/],
    ];
    for (const [p, says] of cases) {
      const r = pnn(["check", write("data.pnn", csvNet(p))], proj);
      expect(r.code, p).toBe(1);
      expect(r.out, p).toMatch(says);
      expectNoLeak(r.out, r.err);
    }
  });

  it.runIf(hasFifo)("a csv that is a FIFO is refused at check time without blocking", () => {
    const r = pnn(["check", write("data_fifo.pnn", csvNet("fifo.csv"))], proj);
    expect(r.timedOut).toBe(false);
    expect(r.out).toContain("error PNN6001: csv()'s path: cannot read 'fifo.csv': not a regular file (a named pipe)");
  });

  it("train's loader refuses the same paths with the same helper", () => {
    const span = fileSpan(path.join(proj, "data.pnn"));
    for (const p of ["/etc/passwd", "../../etc/passwd", "pw.csv", "secret.csv"]) {
      let e: unknown;
      try {
        loadDataset({ name: "csv", args: datasetArgs("csv", { path: p, label: "label" }), span, baseDir: proj });
      } catch (x) {
        e = x;
      }
      expect(e, p).toBeInstanceOf(UserError);
      expect((e as UserError).diagnostic.code).toBe("PNN6006");
      expectNoLeak((e as UserError).diagnostic.message);
    }
  });

  it("confine: as written, and with links resolved", () => {
    expect(confine(proj, "sub/ok.pnn")).toMatchObject({ ok: true, path: path.join(proj, "sub/ok.pnn") });
    expect(confine(proj, "inside.pnn")).toMatchObject({ ok: true });
    expect(confine(proj, "missing/x.pnn")).toEqual({ ok: true, path: path.join(proj, "missing/x.pnn") });
    for (const p of ["..", ".", "../outside/secret.pnn", "/etc/passwd", "secret.pnn", "linked/secret.pnn", "a\0b"]) expect(confine(proj, p).ok, p).toBe(false);
  });
});

describe("the language server checks the same files the same way", () => {
  let client: LspClient;
  beforeAll(async () => {
    client = new LspClient();
    await client.initialize(proj);
  }, 60_000);
  afterAll(async () => {
    expect(await client.shutdown()).toBe(0);
  });

  const diagnosticsOf = async (name: string, text: string) => {
    const file = path.join(proj, name);
    fs.writeFileSync(file, text);
    const got = client.waitFor("textDocument/publishDiagnostics", (p) => p.uri === uriOf(file), 20_000);
    client.open(file, text);
    return (await got).diagnostics as { code: string; message: string }[];
  };

  it("refuses the link out of the folder, the FIFO and /etc/passwd as pnn check does", async () => {
    const imports = ["secret.pnn", "passwd.pnn", "zero.pnn", ...(hasFifo ? ["fifo.pnn"] : [])];
    const ds = await diagnosticsOf("lsp_imports.pnn", imports.map((s, i) => `import m${i} from "${s}"\n`).join(""));
    expect(ds.map((d) => d.code)).toEqual(["PNN2008", "PNN2008", "PNN2008", ...(hasFifo ? ["PNN2007"] : [])]);
    expectNoLeak(JSON.stringify(ds));
    const data = await diagnosticsOf("lsp_data.pnn", csvNet("../../etc/passwd"));
    expect(data.map((d) => d.code)).toEqual(["PNN6006"]);
  }, 30_000);

  it("answers for 30 layers that call each other twice (it blocked 11 s at 22 and died at 30)", async () => {
    let src = "";
    for (let i = 0; i < 30; i++) src += `layer L${i}() {\n  forward(x: real[4]) -> real[4] = ${i < 29 ? `L${i + 1}(L${i + 1}(x))` : "x"}\n}\n`;
    const t0 = Date.now();
    const ds = await diagnosticsOf("lsp_layers.pnn", src + "network N {\n  input x: real[4]\n  output y = L0(x)\n}\n");
    expect(ds.map((d) => d.code)).toEqual(["PNN2080"]);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 30_000);

  it("serves hover and semantic tokens on a 2,490-term chain without a logged failure", async () => {
    const text = `const a = ${Array(2_490).fill("1").join(" + ")}\nconst b = a\n`;
    const file = path.join(proj, "lsp_chain.pnn");
    expect(await diagnosticsOf("lsp_chain.pnn", text)).toEqual([]);
    const uri = uriOf(file);
    const hover = await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 1, character: 10 } });
    expect(JSON.stringify(hover)).toContain("2490");
    const tokens = await client.request("textDocument/semanticTokens/full", { textDocument: { uri } });
    expect((tokens as { data: number[] }).data.length).toBeGreaterThan(0);
    expect(client.notifications.filter((n) => n.method === "window/logMessage").map((n) => n.params.message)).toEqual([]);
  }, 30_000);
});

describe("pnn with no arguments", () => {
  it("prints the help and exits 2 (a usage error), not 0", () => {
    const r = pnn([], proj);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^Usage: pnn \[options\] \[command\]/);
    expect(r.err).toContain("check [options] <files...>");
    expect(r.out).toBe("");
  });
});
