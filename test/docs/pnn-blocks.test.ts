// Every ```pnn block of the documentation (README.md, docs/, examples/ and editors/ READMEs) says
// what it is, and is that (docs/writing-docs.md): a program checks clean and is formatted, a
// fragment parses as its kind (and is not secretly a whole program), an error example produces
// exactly its codes at its lines — and the output shown after it is what `pnn check` prints.
// Each document's blocks are checked as t.pnn in a fresh copy of examples/ (plus the document's
// `file=` blocks), never in the repository. The machinery itself is tested on blocks made up
// here, so a check that could never fail would show.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkPnnBlock } from "./check-pnn.js";
import { blocksOf, docFiles, fencedBlocks, fileOf, nextBlock, pnnIntent, REPO, type Block } from "./markdown.js";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-doc-blocks-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A fresh copy of examples/ for one document (build output left out), with the document's `file=` blocks written into it. */
function folderFor(doc: string, blocks: readonly Block[]): string {
  const dir = path.join(scratch, doc.replace(/[^\w.-]+/g, "_"), "examples");
  fs.cpSync(path.join(REPO, "examples"), dir, { recursive: true, filter: (src) => !/[\\/]web[\\/]model(-webgpu)?$/.test(src) });
  for (const b of blocks) {
    const rel = fileOf(b);
    if (rel === undefined) continue;
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes("..")) throw new Error(`${b.doc}:${b.line}: file=${rel} must stay inside the scratch folder`);
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), b.body);
  }
  return dir;
}

const docs = docFiles().map((doc) => ({ doc, text: fs.readFileSync(path.join(REPO, doc), "utf8"), blocks: blocksOf(doc) }));
const withPnn = docs.filter((d) => d.blocks.some((b) => b.lang === "pnn"));

describe("```pnn blocks of the documentation", () => {
  it("finds the documentation and its blocks", () => {
    expect(docFiles()).toEqual(expect.arrayContaining(["README.md", "docs/tutorial.md", "docs/diagnostics.md", "docs/language.md", "examples/web/README.md"]));
    expect(withPnn.flatMap((d) => d.blocks.filter((b) => b.lang === "pnn")).length).toBeGreaterThan(50);
  });

  for (const { doc, text, blocks } of withPnn) {
    describe(doc, () => {
      let dir = "";
      const folder = () => (dir ||= folderFor(doc, blocks));
      for (const b of blocks.filter((x) => x.lang === "pnn")) {
        it(`${doc}:${b.line} (${b.intent || "no intent"})`, async () => {
          const intent = pnnIntent(b.intent.replace(/\s*file=\S+/, ""));
          expect(typeof intent === "string" ? [intent] : [], `${doc}:${b.line}`).toEqual([]);
          if (typeof intent === "string") return;
          const next = nextBlock(blocks, b, text);
          const shown = intent.kind === "error" && next?.lang === "text" && next.body.startsWith("t.pnn:") ? next : undefined;
          expect(await checkPnnBlock(b, intent, folder(), shown), `${doc}:${b.line}`).toEqual([]);
        });
      }
    });
  }
});

describe("the block checks can fail", () => {
  const dir = fs.mkdtempSync(path.join(scratch, "made-up-"));
  const block = (info: string, body: string): Block => fencedBlocks("made-up.md", "```" + info + "\n" + body + "```\n")[0]!;
  const run = async (info: string, body: string, shownText?: string) => {
    const b = block(info, body);
    const intent = pnnIntent(b.intent);
    if (typeof intent === "string") return [intent];
    return checkPnnBlock(b, intent, dir, shownText === undefined ? undefined : block("text", shownText));
  };
  const net = "network N {\n  input x: real[4]\n  output y = dense(x, 3)\n}\n";

  it("a block without intent, or with an unknown one, is refused", async () => {
    expect((await run("pnn", net))[0]).toMatch(/must say what it is/);
    expect((await run("pnn programme", net))[0]).toMatch(/unknown intent/);
    expect((await run("pnn fragment stuff", net))[0]).toMatch(/unknown fragment kind/);
    expect((await run("pnn exempt", net))[0]).toMatch(/needs a reason/);
  });

  it("a program must check clean and be formatted", async () => {
    expect(await run("pnn program", net)).toEqual([]);
    expect((await run("pnn program", net.replace("dense", "dens")))[0]).toMatch(/PNN2001/);
    expect((await run("pnn program", net.replace("  input", "    input")))[0]).toMatch(/fmt --check/);
  });

  it("a fragment must parse as its kind and not be a whole program", async () => {
    expect(await run("pnn fragment network", "h = x |> dense(4)\n")).toEqual([]);
    expect((await run("pnn fragment network", "h = x |> \n"))[0]).toMatch(/must parse.*PNN1001/);
    expect((await run("pnn fragment expr", "layer L() {}\n"))[0]).toMatch(/must parse/);
    expect((await run("pnn fragment items", net))[0]).toMatch(/mark it ```pnn program/);
  });

  it("an error example must produce exactly its code at its line, and print what it shows", async () => {
    const bad = net.replace("dense", "dens");
    expect(await run("pnn error PNN2001:3", bad)).toEqual([]);
    expect((await run("pnn error PNN2001:2", bad))[0]).toMatch(/expected exactly PNN2001:2/);
    expect((await run("pnn error PNN2002:3", bad))[0]).toMatch(/expected exactly/);
    expect((await run("pnn error PNN2001:3", bad.replace("real[4]", "real[4] oops")))[0]).toMatch(/PNN1001/);
    const printed = "t.pnn:3:14: error PNN2001: unknown name 'dens'; did you mean 'dense'?\n   3 |   output y = dens(x, 3)\n                    ^~~~\n";
    expect(await run("pnn error PNN2001:3", bad, printed)).toEqual([]);
    expect(await run("pnn error PNN2001:3", bad, printed.replace("did you mean 'dense'?", "…"))).toEqual([]);
    expect((await run("pnn error PNN2001:3", bad, printed.replace("unknown name", "unknown word")))[0]).toMatch(/not what pnn check prints/);
  });
});
