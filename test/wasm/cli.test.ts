// `pnn train --backend wasm|ref` through the built CLI: both backends give the same accuracies,
// wasm modules land in the content-hash cache ($PNN_CACHE_DIR) and a second run reuses them
// unchanged, and an unknown backend is a usage error (exit 2), not a stack trace.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureBuilt, lastJson, PNN, REPO, tmpDir, VOWELS } from "../train/helpers.js";

function pnnEnv(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [PNN, ...args], { cwd: REPO, encoding: "utf8", timeout: 180_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("pnn train --backend", () => {
  it("wasm and ref train the flagship to the same accuracies; wasm modules are cached and reused", () => {
    ensureBuilt();
    const cache = tmpDir("pnn-wasm-cli-cache-");
    const env = { PNN_CACHE_DIR: cache };
    const args = (backend: string) => ["train", VOWELS, "--epochs", "3", "--json", "--backend", backend, "--out", tmpDir()];
    const w1 = pnnEnv(args("wasm"), env);
    expect(w1.status, w1.stderr).toBe(0);
    const files = fs.readdirSync(path.join(cache, "wasm")).sort();
    // the train step, and the twin and device programs each as a preparation and a per-batch part (runtime/prepared.ts)
    expect(files.filter((f) => f.endsWith(".wasm")).length).toBe(5);
    expect(files.filter((f) => f.endsWith(".json")).length).toBe(5);
    const mtimes = files.map((f) => fs.statSync(path.join(cache, "wasm", f)).mtimeMs);
    const w2 = pnnEnv(args("wasm"), env);
    expect(w2.status, w2.stderr).toBe(0);
    expect(fs.readdirSync(path.join(cache, "wasm")).sort()).toEqual(files);
    expect(files.map((f) => fs.statSync(path.join(cache, "wasm", f)).mtimeMs)).toEqual(mtimes);
    const ref = pnnEnv(args("ref"), env);
    expect(ref.status, ref.stderr).toBe(0);
    const a = lastJson(w2.stdout), b = lastJson(ref.stdout), a1 = lastJson(w1.stdout);
    for (const k of ["train_accuracy", "test_accuracy", "device_test_accuracy"]) {
      expect(a[k]).toBe(a1[k]); // bit-for-bit reproducible on the same backend
      expect(Math.abs((a[k] as number) - (b[k] as number))).toBeLessThanOrEqual(0.005);
    }
  });

  it("an unknown backend is a usage error", () => {
    ensureBuilt();
    const r = pnnEnv(["train", VOWELS, "--epochs", "1", "--backend", "gpu", "--out", tmpDir()], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown backend 'gpu' \(available: wasm, ref, webgpu\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
