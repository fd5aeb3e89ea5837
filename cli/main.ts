/**
 * The `pnn` command line (commander). Each subcommand lives in its own file; this one wires
 * them up and owns exit codes: 0 success, 1 diagnostics (the user's program or data is wrong),
 * 2 usage errors (missing file, bad flag, no command at all) and every file-system failure
 * (a full disk, a read-only folder, an output path under a file: one line naming the path and
 * the reason). A UserError anywhere becomes a printed diagnostic, never a stack trace.
 */
import { Command, CommanderError } from "commander";
import { UserError } from "../diagnostics/catalog.js";
import { escapeControls, escapeTerminal, formatDiagnostic } from "../diagnostics/format.js";
import { fileSystemFailure } from "../runtime/files.js";
import { readSourceFor } from "./sources.js";
import { UsageError } from "./io.js";
import { registerFrontEndCommands } from "./front-end.js";
import { registerRunCommands } from "./run-commands.js";
import { registerLspCommand } from "./lsp.js";
import { registerBuildCommand } from "./build.js";
import { registerReportCommand } from "./report.js";
import { registerPlaygroundCommand } from "./playground.js";
import { registerCalibrateCommand } from "./calibrate.js";
import { registerSweepCommands } from "./sweep.js";

/**
 * The `pnn` command with every subcommand and option registered; `setCode` receives the exit
 * codes the actions set. The docs' test (test/docs/commands.test.ts) reads the commands and
 * options shown in the documentation from it.
 */
export function createCli(setCode: (c: number) => void): Command {
  const program = new Command();
  program
    .name("pnn")
    .description("Train physical neural networks described in .pnn files")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(escapeTerminal(s)) });
  registerFrontEndCommands(program, setCode);
  registerRunCommands(program, setCode);
  registerLspCommand(program);
  registerBuildCommand(program, setCode);
  registerReportCommand(program, setCode);
  registerPlaygroundCommand(program);
  registerCalibrateCommand(program, setCode);
  registerSweepCommands(program, setCode);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = createCli((c) => {
    code = Math.max(code, c);
  });
  if (argv.length <= 2) {
    // `pnn` alone is a usage error (exit 2), with the help text to say what to type instead.
    process.stderr.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 2;
    }
    const exit = reportUserFailure(e, process.stderr);
    if (exit === undefined) throw e;
    return exit;
  }
  return code;
}

/** Prints a usage error or a UserError the way pnn does and returns its exit code; undefined for anything else (a bug). */
export function reportUserFailure(e: unknown, err: NodeJS.WritableStream): number | undefined {
  if (e instanceof UsageError) {
    err.write(`pnn: ${escapeControls(e.message)}\n`);
    return 2;
  }
  if (e instanceof UserError) {
    const d = e.diagnostic;
    err.write(formatDiagnostic(d, new Map([[d.span.file, readSourceFor(d.span.file)]])) + "\n");
    return 1;
  }
  const fsFailure = fileSystemFailure(e);
  if (fsFailure !== undefined) {
    err.write(`pnn: ${escapeControls(fsFailure)}\n`);
    return 2;
  }
  return undefined;
}
