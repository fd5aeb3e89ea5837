/**
 * Mirrored results: a generated section of a Markdown document (scripts/doc-sections.ts) whose
 * body is a bench results file (bench/results-X.md, written by the bench script that measured it)
 * copied verbatim, except that its headings are moved down so that its top heading sits one
 * level below the heading the section is under. The section's begin marker names the generator
 * `scripts/results-sections.mjs` and the command `node scripts/results-sections.mjs FILE`, FILE
 * being the results file from the repository root; that command (or the bench script, which
 * calls it after writing FILE) rewrites the section.
 * In: a document's text, the results files' texts; out: the body a section must have, and what
 * is wrong with a document's mirrored sections. No I/O but reading the named results files.
 * It does not decide which results files must be mirrored (test/docs/results-sections.test.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findSections, type Section } from "./doc-sections.js";

/** The generator named in the markers of every mirrored section. */
export const MIRROR_GENERATOR = "scripts/results-sections.mjs";
const COMMAND = /^node scripts\/results-sections\.mjs (bench\/results-[A-Za-z0-9_-]+\.md)$/;
const HEADING = /^(#{1,6})(?= )/;

/** The command that (re)writes the section mirroring `file` (a path from the repository root). */
export function mirrorCommand(file: string): string {
  return `node ${MIRROR_GENERATOR} ${file}`;
}

/** The results file a section mirrors, or undefined when it is not a mirrored section. */
export function mirroredFile(s: Pick<Section, "generator" | "command">): string | undefined {
  if (s.generator !== MIRROR_GENERATOR) return undefined;
  return COMMAND.exec(s.command)?.[1];
}

/** The level of the nearest heading above line `beforeLine` (1-based) outside generated sections; 0 when none. */
export function enclosingLevel(text: string, beforeLine: number): number {
  const lines = text.split("\n");
  const inside = new Set<number>();
  for (const s of findSections(text).sections) for (let n = s.beginLine; n <= s.endLine; n++) inside.add(n);
  for (let n = beforeLine - 1; n >= 1; n--) {
    const m = HEADING.exec(lines[n - 1]!);
    if (m && !inside.has(n)) return m[1]!.length;
  }
  return 0;
}

/**
 * The body of a section under a heading of level `level` that mirrors a results file with text
 * `results`: the file without trailing newlines, every heading moved down so that the file's
 * shallowest heading is at level + 1 (never up, never below 6).
 */
export function mirrorBody(results: string, level: number): string {
  const lines = results.replace(/\n+$/, "").split("\n");
  const levels = lines.map((l) => HEADING.exec(l)?.[1]!.length).filter((n): n is number => n !== undefined);
  const shift = levels.length ? Math.max(0, level + 1 - Math.min(...levels)) : 0;
  if (shift === 0) return lines.join("\n");
  return lines.map((l) => l.replace(HEADING, (h) => "#".repeat(Math.min(6, h.length + shift)))).join("\n");
}

/** What is wrong with the mirrored sections of a document (`doc` from the repository root `repo`). */
export function mirrorProblems(repo: string, doc: string, text: string): string[] {
  const problems: string[] = [];
  for (const s of findSections(text).sections) {
    if (s.generator !== MIRROR_GENERATOR) continue;
    const at = `${doc}:${s.beginLine}`;
    const file = mirroredFile(s);
    if (!file) {
      problems.push(`${at}: the command '${s.command}' does not name a results file ('${mirrorCommand("bench/results-NAME.md")}')`);
      continue;
    }
    const full = path.join(repo, file);
    if (!fs.existsSync(full)) {
      problems.push(`${at}: ${file} does not exist`);
      continue;
    }
    const want = mirrorBody(fs.readFileSync(full, "utf8"), enclosingLevel(text, s.beginLine));
    if (s.body !== want) {
      const got = s.body.split("\n"), exp = want.split("\n");
      let i = 0;
      while (i < got.length && i < exp.length && got[i] === exp[i]) i++;
      problems.push(`${at}: the section differs from ${file} at its line ${i + 1} (section: '${(got[i] ?? "<end>").slice(0, 80)}', file: '${(exp[i] ?? "<end>").slice(0, 80)}'): a results file and its section are never edited by hand; rerun \`${s.command}\` (after the bench that writes ${file})`);
    }
  }
  return problems;
}
