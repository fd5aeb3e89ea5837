/**
 * The documentation as the doc tests see it: which Markdown files are documentation, their
 * fenced code blocks with the intent in each fence's info string, and the one pattern matcher
 * for output a document shows (`…` stands for any text). The intent syntax is specified in
 * docs/writing-docs.md; this file is its only parser. No checking here: the tests in this folder
 * check blocks against their intents.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** README.md, docs/**\/*.md, and the README.md files under examples/ and editors/ (repo-relative). */
export function docFiles(): string[] {
  const out = ["README.md"];
  const walk = (dir: string, keep: (name: string) => boolean) => {
    for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel, keep);
      else if (e.isFile() && keep(e.name)) out.push(rel);
    }
  };
  walk("docs", (n) => n.endsWith(".md"));
  walk("examples", (n) => n === "README.md");
  walk("editors", (n) => n === "README.md");
  return out;
}

export interface Block {
  /** Repo-relative path of the document. */
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The language word of the info string (`pnn`, `sh`, `text`, …; "" when none). */
  readonly lang: string;
  /** The rest of the info string, trimmed: the intent. */
  readonly intent: string;
  /** The block's lines with the fence's indentation removed, joined with "\n", ending in "\n" unless empty. */
  readonly body: string;
  /** 1-based line of the closing fence. */
  readonly endLine: number;
}

/** Every fenced (```) code block of a Markdown text, including those indented in lists. An unclosed fence throws. */
export function fencedBlocks(doc: string, text: string): Block[] {
  const lines = text.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const info = open[2]!.trim();
    const lang = info.split(/\s+/)[0] ?? "";
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (/^ *```\s*$/.test(lines[j]!)) break;
      const l = lines[j]!;
      body.push(l.slice(Math.min(indent, l.length - l.trimStart().length)));
    }
    if (j >= lines.length) throw new Error(`${doc}:${i + 1}: code fence never closed`);
    blocks.push({ doc, line: i + 1, lang, intent: info.slice(lang.length).trim(), body: body.length ? body.join("\n") + "\n" : "", endLine: j + 1 });
    i = j;
  }
  return blocks;
}

/** The blocks of one document, read from the repository. */
export function blocksOf(doc: string): Block[] {
  return fencedBlocks(doc, fs.readFileSync(path.join(REPO, doc), "utf8"));
}

/** The block that follows `b` with nothing but blank lines between them, if any. */
export function nextBlock(blocks: readonly Block[], b: Block, text: string): Block | undefined {
  const next = blocks[blocks.indexOf(b) + 1];
  if (!next) return undefined;
  const between = text.split("\n").slice(b.endLine, next.line - 1);
  return between.every((l) => l.trim() === "") ? next : undefined;
}

// ── intents ──────────────────────────────────────────────────────────────────

export const FRAGMENT_KINDS = ["items", "network", "layer", "train", "expr"] as const;
export type FragmentKind = (typeof FRAGMENT_KINDS)[number];

export type PnnIntent =
  | { readonly kind: "program" }
  | { readonly kind: "fragment"; readonly of: FragmentKind }
  | { readonly kind: "error"; readonly expect: readonly { readonly code: string; readonly line: number }[] }
  | { readonly kind: "exempt"; readonly reason: string };

export type ShIntent = { readonly kind: "run"; readonly exit: number } | { readonly kind: "illustrative"; readonly reason: string };

/** `reason` after a colon: `exempt: why` / `illustrative: why`; at least a few words. */
function reasonAfter(word: string, intent: string): string | undefined {
  const m = new RegExp(`^${word}:\\s*(.+)$`).exec(intent);
  return m && m[1]!.trim().length >= 8 ? m[1]!.trim() : undefined;
}

const HOW = "see docs/writing-docs.md";

/** A ```pnn block's intent, or why it has none. */
export function pnnIntent(intent: string): PnnIntent | string {
  if (intent === "") return `a \`\`\`pnn block must say what it is: \`\`\`pnn program, fragment KIND, error CODE:LINE or exempt: REASON (${HOW})`;
  if (intent === "program") return { kind: "program" };
  const frag = /^fragment (\S+)$/.exec(intent);
  if (frag) return (FRAGMENT_KINDS as readonly string[]).includes(frag[1]!) ? { kind: "fragment", of: frag[1] as FragmentKind } : `unknown fragment kind '${frag[1]}' (one of ${FRAGMENT_KINDS.join(", ")})`;
  const err = /^error((?: PNN\d{4}:\d+)+)$/.exec(intent);
  if (err) return { kind: "error", expect: err[1]!.trim().split(" ").map((s) => ({ code: s.slice(0, 7), line: Number(s.slice(8)) })) };
  if (intent.startsWith("exempt")) {
    const reason = reasonAfter("exempt", intent);
    return reason ? { kind: "exempt", reason } : `'exempt' needs a reason: \`\`\`pnn exempt: WHY IT CANNOT BE CHECKED (${HOW})`;
  }
  return `unknown intent '${intent}' for a \`\`\`pnn block (${HOW})`;
}

/** A ```sh block's intent, or why it has none. */
export function shIntent(intent: string): ShIntent | string {
  if (intent === "") return `a \`\`\`sh block must say whether the doc test runs it: \`\`\`sh run or \`\`\`sh illustrative: REASON (${HOW})`;
  const run = /^run(?: exit=(\d+))?$/.exec(intent);
  if (run) return { kind: "run", exit: run[1] ? Number(run[1]) : 0 };
  if (intent.startsWith("illustrative")) {
    const reason = reasonAfter("illustrative", intent);
    return reason ? { kind: "illustrative", reason } : `'illustrative' needs a reason: \`\`\`sh illustrative: WHY IT IS NOT RUN (${HOW})`;
  }
  return `unknown intent '${intent}' for a \`\`\`sh block (${HOW})`;
}

/** `file=PATH` on any block: the block's text is written to PATH in the doc's scratch folder. */
export function fileOf(b: Block): string | undefined {
  const m = /(?:^|\s)file=(\S+)/.exec(b.intent);
  return m?.[1];
}

/** The shell languages whose blocks need an intent. */
export const SHELL_LANGS = new Set(["sh", "bash", "shell", "console"]);

// ── shown output ─────────────────────────────────────────────────────────────

/** Whether `line` matches `pattern`, where each `…` in the pattern stands for any text (possibly empty). */
export function lineMatches(pattern: string, line: string): boolean {
  const re = pattern.trimEnd().split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  return new RegExp(`^${re}$`, "s").test(line.trimEnd());
}

/** Lines of `pattern` not found, in order, among the lines of `output` (each pattern line matches one whole line). */
export function missingInOrder(pattern: string, output: string): string[] {
  const want = pattern.replace(/\n$/, "").split("\n");
  const have = output.split("\n");
  let at = 0;
  const missing: string[] = [];
  for (const w of want) {
    const k = have.findIndex((h, i) => i >= at && lineMatches(w, h));
    if (k < 0) missing.push(w);
    else at = k + 1;
  }
  return missing;
}
