// Shared checks for the formatter tests: AST equality ignoring spans, comment texts, and the
// round-trip property every formatted file must have (idempotent, same AST, same comments).
import { expect } from "vitest";
import { formatSource } from "../../compiler/driver/format.js";
import { parse } from "../../grammar/parse.js";

/** The AST without positions (and without comments, compared separately by text). */
export function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "span" || k === "comments") continue;
    out[k] = stripSpans(v);
  }
  return out;
}

export function parseClean(text: string) {
  const r = parse(text, "t.pnn");
  expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`), `input should parse:\n${text}`).toEqual([]);
  return r.program;
}

export function commentTexts(text: string): string[] {
  return parse(text, "t.pnn").program.comments.map((c) => c.text.replace(/\s+$/, ""));
}

/** Formats `text` and checks idempotence, AST equality and that every comment survives in order. */
export async function checkRoundTrip(text: string): Promise<string> {
  const before = parseClean(text);
  const once = await formatSource(text, "t.pnn");
  const after = parse(once, "t.pnn");
  expect(after.diagnostics.map((d) => d.message), `formatted text should parse:\n${once}`).toEqual([]);
  expect(stripSpans(after.program), `AST changed:\n--- input\n${text}\n--- output\n${once}`).toEqual(stripSpans(before));
  // Every comment survives; a `// comment` moved to the end of its line may pass a `/* */` one.
  expect(commentTexts(once).sort(), `comments changed:\n${once}`).toEqual(commentTexts(text).sort());
  const twice = await formatSource(once, "t.pnn");
  expect(twice, `not idempotent:\n--- input\n${text}\n--- once\n${once}`).toBe(once);
  return once;
}
