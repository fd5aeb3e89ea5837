// The benchmarks' way into a .pnn program: the compiler driver's Session (dist/, built by
// `npx tsc -p tsconfig.json`) on a file read from disk, as `pnn` itself opens one.
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const diskHost = {
  readFile(p) {
    try {
      return fs.readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
};

/** The checked Program of FILE's first train block (optionally with another rule, e.g. "spsa(c: 0.02)"). */
export async function loadProgram(file, rule) {
  const { Session } = await import(path.join(root, "dist/compiler/driver/session.js"));
  return new Session(file, fs.readFileSync(file, "utf8"), diskHost).program(rule ? { rule } : {});
}
