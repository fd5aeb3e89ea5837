/**
 * `pnn lsp [--stdio]`: the language server (lsp/). Editors start it with `--stdio`; stdio is
 * the only transport, so the flag is accepted and optional.
 */
import type { Command } from "commander";

export function registerLspCommand(program: Command): void {
  program
    .command("lsp")
    .description("run the language server (LSP over stdin/stdout) for editors")
    .option("--stdio", "talk LSP over stdin/stdout (the default and only transport)")
    .action(async () => {
      const { runLanguageServer } = await import("../lsp/main.js");
      await runLanguageServer();
    });
}
