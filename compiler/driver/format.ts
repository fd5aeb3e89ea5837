/**
 * The formatter's one entry point (`pnn fmt` and the language server's formatting both call
 * it): Prettier with the pnn plugin (grammar/prettier-plugin.ts) and the project's fixed style.
 */
import * as prettier from "prettier";
import * as plugin from "../../grammar/prettier-plugin.js";

const PRETTIER_OPTIONS = (file: string): prettier.Options => ({
  parser: "pnn", plugins: [plugin], filepath: file, printWidth: 80, tabWidth: 2, useTabs: false, endOfLine: "lf",
});

/** Formats one `.pnn` source; throws (with every syntax diagnostic in the message) on a broken file. */
export async function formatSource(text: string, file: string): Promise<string> {
  // A comment in an odd spot (mid-expression) can move on the first pass and settle on a later
  // one (a pile of line comments between a header and its `{` takes up to five); formatting
  // until nothing changes makes `pnn fmt` idempotent even then. Ordinary files take one pass.
  let cur = text;
  for (let pass = 0; pass < 8; pass++) {
    const next = await prettier.format(cur, PRETTIER_OPTIONS(file));
    if (next === cur) return next;
    cur = next;
  }
  return cur;
}
