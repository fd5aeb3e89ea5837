// The VS Code extension entry: starts the pnn language server (`pnn lsp --stdio`) for .pnn
// files through vscode-languageclient (installed with the extension, not part of the pnn repo).
// Plain CommonJS so it runs without a build step.
"use strict";

/** How to start the server, from the user's settings (`pnn.server.command`, `pnn.server.args`). */
function serverOptions(config) {
  const command = (config && config.get("server.command")) || "pnn";
  const extra = (config && config.get("server.args")) || [];
  const run = { command, args: [...extra, "lsp", "--stdio"] };
  return { run, debug: run };
}

const clientOptions = {
  documentSelector: [{ scheme: "file", language: "pnn" }],
};

let client;

async function activate(context) {
  const vscode = require("vscode");
  const { LanguageClient } = require("vscode-languageclient/node");
  // Changes to .pnn files on disk (saves from elsewhere, checkouts) re-check the files that import them.
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.pnn");
  context.subscriptions.push(watcher);
  const options = { ...clientOptions, synchronize: { fileEvents: watcher } };
  client = new LanguageClient("pnn", "pnn language server", serverOptions(vscode.workspace.getConfiguration("pnn")), options);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverOptions, clientOptions };
