// bench/build-sizes.mjs — the flagship edge artifact's sizes as `pnn build --stats` prints them,
// written into docs/build.md's generated section (scripts/doc-sections.ts; bump DOC_FORMAT when
// what it writes changes shape). Rerun with
//   npm run build && node bench/build-sizes.mjs     (a few seconds)
// The flagship (examples/vowels_mzi.pnn) is built at the default --batch 64 from freshly
// initialised parameters: sizes, FLOPs and node counts depend on the network, not on the
// weights' values. Pass timings in the output are of this run, on whatever machine ran it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { writeSection } = await import(path.join(root, "dist/scripts/doc-sections.js"));
/** The version of the section this script writes into docs/build.md. */
export const DOC_FORMAT = 1;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-build-sizes-"));
try {
  const args = ["build", "examples/vowels_mzi.pnn", "--target", "wasm", "-o", path.join(tmp, "vowels"), "--stats"];
  const stdout = execFileSync(process.execPath, [path.join(root, "bin", "pnn.js"), ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const stats = stdout.replaceAll(path.join(tmp, "vowels"), "out/vowels").trimEnd();
  const md = ["```text", `$ pnn ${args.join(" ").replace(path.join(tmp, "vowels"), "out/vowels")}`, stats, "```"].join("\n");
  writeSection(path.join(root, "docs", "build.md"), { generator: "bench/build-sizes.mjs", format: DOC_FORMAT, command: "node bench/build-sizes.mjs" }, md);
  process.stdout.write(md + "\n");
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
