// scripts/results-sections.mjs — copies bench results files into their generated sections of
// bench/RESULTS.md (scripts/results-mirror.ts says how: verbatim, headings moved under the
// section's heading). Run after `npm run build`:
//   node scripts/results-sections.mjs                       every mirrored section of bench/RESULTS.md
//   node scripts/results-sections.mjs bench/results-X.md    the one section mirroring that file
// Bench scripts that write a mirrored results file call `mirrorResults(file)` right after, so a
// rerun updates both; test/docs/results-sections.test.ts fails when a section and its file differ.
// It never inserts a section: put the markers where it goes (docs/writing-docs.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { writeSection, findSections } = await import(path.join(root, "dist/scripts/doc-sections.js"));
const { MIRROR_GENERATOR, mirrorCommand, mirroredFile, mirrorBody, enclosingLevel } = await import(path.join(root, "dist/scripts/results-mirror.js"));

export const DOC_FORMAT = 1;
const RESULTS = path.join(root, "bench", "RESULTS.md");

/** Rewrites the section of bench/RESULTS.md that mirrors `file` (e.g. "bench/results-webgpu.md"). */
export function mirrorResults(file) {
  const rel = path.relative(root, path.resolve(root, file)).split(path.sep).join("/");
  const command = mirrorCommand(rel);
  const s = findSections(fs.readFileSync(RESULTS, "utf8")).sections.find((x) => x.generator === MIRROR_GENERATOR && x.command === command);
  const level = s ? enclosingLevel(fs.readFileSync(RESULTS, "utf8"), s.beginLine) : 0;
  // writeSection throws, naming the markers to add, when the section is not there
  writeSection(RESULTS, { generator: MIRROR_GENERATOR, format: DOC_FORMAT, command }, mirrorBody(fs.readFileSync(path.join(root, rel), "utf8"), level));
  console.error(`bench/RESULTS.md: section for ${rel} updated`);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const files = process.argv.slice(2);
  const all = findSections(fs.readFileSync(RESULTS, "utf8")).sections.map(mirroredFile).filter(Boolean);
  for (const f of files.length ? files : all) mirrorResults(f);
}
