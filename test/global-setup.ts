/**
 * Vitest global setup: compiles the current source into dist/ before any test runs, so tests
 * that spawn the `pnn` command (bin/pnn.js runs dist/) exercise the code under test, never a
 * stale build. A source that does not compile fails the whole run here. Incremental (the build
 * info lives in dist/), so an up-to-date tree costs about a second.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const tsc = path.join(repo, "node_modules/typescript/bin/tsc");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--incremental", "--tsBuildInfoFile", "dist/.tsbuildinfo"], { cwd: repo, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building dist/ from the current source failed (tsc exit ${r.status}):\n${r.stdout}${r.stderr}`);
}
