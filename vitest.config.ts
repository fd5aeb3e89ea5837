import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // builds dist/ from the current source first (CLI tests run bin/pnn.js → dist/)
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // two test files at once on 2 cores (vitest's default is cores − 1 = 1 there): many tests wait
    // on child processes (the CLI, chromium, a device), so the second core was mostly idle;
    // measured 673 s → 451 s for the whole suite, same results
    maxWorkers: 2,
  },
});
