// The planted project folder the fuzz suite's import and data-path cases run in: every name in
// generators.ts PROJECT_SPECS exists here as something a hostile or careless project could
// contain — files, links that stay inside, links out of the folder (to a secret next to it, to
// /etc/passwd, to /dev/zero), a linked directory, FIFOs, a directory named like a file, a file
// over the size limit, an import chain 40 files deep and an import cycle. SECRET is planted
// outside: no output may ever contain it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { MAX_SOURCE_BYTES } from "../../diagnostics/limits.js";

export const SECRET = "FUZZ-SECRET-9876";
export const HAS_FIFO = process.platform !== "win32";

export function plantProject(): { root: string; proj: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-fuzz-proj-"));
  const proj = path.join(root, "proj");
  const outside = path.join(root, "outside");
  const put = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(proj, name)), { recursive: true });
    fs.writeFileSync(path.join(proj, name), text);
  };
  const link = (name: string, target: string) => fs.symlinkSync(target, path.join(proj, name));
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(outside, "secret.pnn"), `const s = 1\n${SECRET}\n`);
  fs.writeFileSync(path.join(outside, "secret.csv"), `a,b,c,d,label\n${SECRET},1,1,1,x\n`);
  const layer = "const k = 1\nlayer Id() {\n  forward(x: real[4]) -> real[4] = x\n}\n";
  put("ok.pnn", layer);
  put("sub/ok.pnn", layer);
  link("inside.pnn", "sub/ok.pnn");
  link("secret.pnn", path.join(outside, "secret.pnn"));
  link("linked", outside);
  link("passwd.pnn", "/etc/passwd");
  link("zero.pnn", "/dev/zero");
  link("zero.csv", "/dev/zero");
  fs.mkdirSync(path.join(proj, "dir.pnn"));
  for (let i = 0; i < 40; i++) put(`chain/c${i}.pnn`, i < 39 ? `import next from "c${i + 1}.pnn"\nconst v = next.v + 1\n` : "const v = 0\n");
  put("cycle_a.pnn", 'import b from "cycle_b.pnn"\nconst a = 1\n');
  put("cycle_b.pnn", 'import a from "cycle_a.pnn"\nconst b = 1\n');
  put("big.pnn", "// padding\n".repeat(Math.ceil((MAX_SOURCE_BYTES + 100) / 11)));
  put("ok.csv", "a,b,c,d,label\n" + Array.from({ length: 40 }, (_, i) => `${i},${i % 3},${i % 5},${i % 7},${["x", "y", "z"][i % 3]}`).join("\n") + "\n");
  put("u.csv", "1,0,0,0\n0,1,0,0\n0,0,1,0\n0,0,0,1\n");
  link("secret.csv", path.join(outside, "secret.csv"));
  link("pw.csv", "/etc/passwd");
  if (HAS_FIFO) spawnSync("mkfifo", [path.join(proj, "fifo.pnn"), path.join(proj, "fifo.csv")]);
  return { root, proj, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Nothing from outside the folder (the planted secret, /etc/passwd) appears in `out`. */
export function expectNoLeak(out: string): void {
  expect(out).not.toContain(SECRET);
  expect(out).not.toMatch(/root:[^:\n]*:0:0:/);
}
