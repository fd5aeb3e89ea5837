#!/usr/bin/env node
// The `pnn` command: runs the compiled CLI (built into dist/ by `npm ci` → `prepare`).
import { main } from "../dist/cli/main.js";

// A closed pipe (`pnn check x.pnn | head`) ends output quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e && e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Only bugs reach here: user mistakes are diagnostics with codes.
    console.error(`pnn: internal error: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 70;
  },
);
