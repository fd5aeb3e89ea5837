/**
 * Which examples/*.pnn programs the playground offers, chosen by checking each one with the
 * compiler (Session.check) through a disk host that records every file the check reads: an
 * example is offered when it checks without errors and every train block trains on a playground
 * data set (playground/host.ts); the files it read (an example's matrix files) travel with it, so
 * it checks in the page exactly as on disk. In: pnn's root folder. Out: Example records.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Session } from "../../compiler/driver/index.js";
import { MAX_MATRIX_FILE_BYTES, MAX_SOURCE_BYTES } from "../../diagnostics/limits.js";
import { readTextFile } from "../../runtime/files.js";
import type { Example } from "../examples.js";
import { PLAYGROUND_DATASETS } from "../host.js";

export function playgroundExamples(root: string): Example[] {
  const dir = path.join(root, "examples");
  const out: Example[] = [];
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith(".pnn")).sort()) {
    const file = path.join(dir, name);
    const r = readTextFile(file, MAX_SOURCE_BYTES);
    if (!r.ok) continue;
    const read = new Map<string, string>();
    const host = {
      readFile(p: string) {
        const got = readTextFile(p, MAX_MATRIX_FILE_BYTES);
        if (!got.ok) return undefined;
        read.set(path.relative(dir, p), got.text);
        return got.text;
      },
    };
    const checked = new Session(file, r.text, host).check();
    const trains = checked.model.trains;
    if (checked.diagnostics.some((d) => d.severity === "error") || !trains.length || !trains.every((t) => PLAYGROUND_DATASETS.includes(t.data.name))) continue;
    const t = trains[0]!;
    out.push({ name, source: r.text, files: Object.fromEntries(read), title: `${t.network} on ${t.data.name}, ${t.rule.def.name}` });
  }
  return out;
}
