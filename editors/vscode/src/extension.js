// The VS Code extension: starts the pnn language server (`pnn lsp --stdio`) for .pnn files
// through vscode-languageclient, and adds four commands — check the current file (`pnn check`,
// output in the "pnn" channel), train it (`pnn train` in a terminal), format it, restart the
// server. Plain CommonJS; esbuild bundles it with vscode-languageclient into dist/extension.js
// (`npm run bundle`), so the packaged extension has no node_modules. The server's log and, with
// `pnn.trace.server`, the protocol trace appear in the "pnn language server" output channel.
"use strict";

const LANGUAGE = "pnn";

/** How to run pnn, from the user's settings (`pnn.server.command`, `pnn.server.args`). */
function pnnCommand(config) {
  const command = (config && config.get("server.command")) || "pnn";
  const extra = (config && config.get("server.args")) || [];
  return { command, args: [...extra] };
}

/** How to start the server. */
function serverOptions(config) {
  const { command, args } = pnnCommand(config);
  const run = { command, args: [...args, "lsp", "--stdio"] };
  return { run, debug: run };
}

/** What the server is told at start (it also follows later changes of the `pnn` settings). */
function initializationOptions(config) {
  return {
    inlayHints: {
      bindings: config ? config.get("inlayHints.bindings", true) : true,
      pipeStages: config ? config.get("inlayHints.pipeStages", true) : true,
    },
  };
}

const clientOptions = {
  documentSelector: [{ scheme: "file", language: LANGUAGE }],
};

/** Quotes one word for a POSIX shell or PowerShell/cmd (the terminal `pnn train` runs in). */
function shellQuote(word, windows) {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  return windows ? `"${word.replace(/"/g, '\\"')}"` : `'${word.replace(/'/g, "'\\''")}'`;
}

let client;

async function activate(context) {
  const vscode = require("vscode");
  const { LanguageClient } = require("vscode-languageclient/node");
  const config = () => vscode.workspace.getConfiguration("pnn");
  // Changes to .pnn files on disk (saves from elsewhere, checkouts) re-check the files that import them.
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.pnn");
  context.subscriptions.push(watcher);
  const options = { ...clientOptions, initializationOptions: initializationOptions(config()), synchronize: { fileEvents: watcher, configurationSection: "pnn" } };
  client = new LanguageClient("pnn", "pnn language server", serverOptions(config()), options);
  context.subscriptions.push({ dispose: () => client && client.stop() });

  const output = vscode.window.createOutputChannel("pnn");
  context.subscriptions.push(output);

  /** The active .pnn document, saved; or undefined with a message. */
  async function currentFile() {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== LANGUAGE) {
      vscode.window.showWarningMessage("Open a .pnn file first.");
      return undefined;
    }
    if (editor.document.isDirty) await editor.document.save();
    return editor.document.uri.fsPath;
  }

  const commands = {
    "pnn.check": async () => {
      const file = await currentFile();
      if (!file) return;
      const { command, args } = pnnCommand(config());
      const { execFile } = require("node:child_process");
      output.clear();
      output.show(true);
      output.appendLine(`$ ${[command, ...args, "check", file].join(" ")}`);
      await new Promise((resolve) => {
        execFile(command, [...args, "check", file], { cwd: require("node:path").dirname(file) }, (error, stdout, stderr) => {
          output.append(stdout);
          output.append(stderr);
          if (error && typeof error.code !== "number") output.appendLine(`could not run ${command}: ${error.message} (set pnn.server.command)`);
          else output.appendLine(error ? `exit status ${error.code}` : "no problems");
          resolve();
        });
      });
    },
    "pnn.train": async () => {
      const file = await currentFile();
      if (!file) return;
      const { command, args } = pnnCommand(config());
      const windows = process.platform === "win32";
      const terminal = vscode.window.createTerminal({ name: "pnn train", cwd: require("node:path").dirname(file) });
      terminal.show();
      terminal.sendText([command, ...args, "train", file].map((w) => shellQuote(w, windows)).join(" "));
    },
    "pnn.format": () => vscode.commands.executeCommand("editor.action.formatDocument"),
    "pnn.restartServer": async () => {
      output.appendLine("restarting the pnn language server");
      await client.restart();
    },
  };
  for (const [id, run] of Object.entries(commands)) context.subscriptions.push(vscode.commands.registerCommand(id, run));
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverOptions, clientOptions, initializationOptions, shellQuote };
