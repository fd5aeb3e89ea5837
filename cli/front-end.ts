/**
 * Front-end commands: `pnn check FILE...`, `pnn ast FILE`, `pnn fmt [--check] FILE...`.
 * checkFiles is the whole of `pnn check` short of argument parsing (the fuzz suite calls it
 * in-process); reading errors are thrown for main.ts to print (UsageError, UserError).
 */
import type { Command } from "commander";
import { Session } from "../compiler/driver/index.js";
import { parse } from "../grammar/parse.js";
import { diskHost, printDiagnostics, readSource } from "./io.js";
import { runFmt } from "./fmt.js";
import { readSourceFor } from "./sources.js";

/** Checks each file and prints its diagnostics; returns the exit code (0 clean, 1 errors). */
export function checkFiles(files: readonly string[], json: boolean, out: NodeJS.WritableStream): number {
  const texts = files.map((f) => [f, readSource(f)] as const); // usage errors before any output
  let failed = false;
  for (const [file, text] of texts) {
    const sources = new Map<string, string>([[file, text]]);
    const r = new Session(file, text, diskHost).check();
    for (const d of r.diagnostics) if (!sources.has(d.span.file)) sources.set(d.span.file, readSourceFor(d.span.file));
    printDiagnostics(r.diagnostics, sources, json, out);
    if (r.diagnostics.some((d) => d.severity === "error")) failed = true;
  }
  return failed ? 1 : 0;
}

export function registerFrontEndCommands(program: Command, setCode: (c: number) => void): void {
  program
    .command("check")
    .description("check .pnn files: syntax, names, shapes, units, learning-rule legality")
    .argument("<files...>", ".pnn files")
    .option("--json", "print diagnostics as JSON")
    .action((files: string[], opts: { json?: boolean }) => {
      setCode(checkFiles(files, !!opts.json, process.stdout));
    });

  program
    .command("ast")
    .description("print the AST of a .pnn file as JSON (spans included)")
    .argument("<file>", ".pnn file")
    .action((file: string) => {
      const text = readSource(file);
      const r = parse(text, file);
      process.stdout.write(JSON.stringify({ program: r.program, diagnostics: r.diagnostics }, null, 2) + "\n");
      setCode(r.diagnostics.length ? 1 : 0);
    });

  program
    .command("fmt")
    .description("format .pnn files in place (through the repo's Prettier plugin)")
    .argument("<files...>", ".pnn files")
    .option("--check", "only report files that would change (exit 1 if any)")
    .action(async (files: string[], opts: { check?: boolean }) => {
      setCode(await runFmt(files, { check: !!opts.check }, process.stdout, process.stderr));
    });
}
