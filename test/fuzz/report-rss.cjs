// Preloaded (node --require) into the pnn processes the fuzz suite spawns: on exit, writes the
// process's peak resident memory in kilobytes to $PNN_FUZZ_RSS_FILE, for harness.ts to check.
const fs = require("node:fs");
process.on("exit", () => {
  const file = process.env.PNN_FUZZ_RSS_FILE;
  if (file) fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
});
