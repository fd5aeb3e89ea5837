/**
 * The pnn language server (LSP over stdio, vscode-languageserver). This file wires the
 * connection: capabilities, open documents (incremental sync; edits checked in documents.ts),
 * the analysis cache (an entry is dropped when its document or any file its check read — its
 * imports — changes, in an editor or on disk: the server registers for changes of .pnn files),
 * debounced diagnostics for the edited document and the open documents that import it, the
 * settings (debounce, inlay hints), and the request handlers, each in its own file. Documents
 * outside the workspace folders are ignored. A handler that fails answers null and logs; the
 * server never crashes on user text. The wire itself is read by framing.ts (main.ts).
 */
import * as path from "node:path";
import {
  CodeActionKind, createConnection, DidChangeWatchedFilesNotification, TextDocuments, TextDocumentSyncKind,
  type Connection, type InitializeResult, type MessageReader, type MessageWriter,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type * as A from "../grammar/ast.js";
import { analyze, type Analysis } from "./analysis.js";
import { quickFixes } from "./code-actions.js";
import { checkedDocuments } from "./documents.js";
import { complete } from "./completion.js";
import { documentDiagnostics } from "./diagnostics.js";
import { foldingRanges } from "./folding.js";
import { formatDocument, formatRange } from "./format.js";
import { hover } from "./hover.js";
import { documentLinks } from "./links.js";
import { selectionRanges } from "./selection.js";
import { workspaceSymbols } from "./workspace-symbols.js";
import { DEFAULT_INLAY, inlayHints, type InlayOptions } from "./inlay-hints.js";
import { definition, highlights, references } from "./navigation.js";
import { prepareRename, rename } from "./rename.js";
import { LEGEND, semanticTokens } from "./semantic-tokens.js";
import { signatureHelp } from "./signature.js";
import { documentSymbols } from "./symbols.js";
import { uriToPath, Workspace } from "./workspace.js";

export interface ServerOptions {
  /** Milliseconds between the last edit and the diagnostics it causes (default 150). */
  debounceMs?: number;
  /** Which inlay hints to show (also settable through workspace/didChangeConfiguration, section `pnn`). */
  inlayHints?: Partial<InlayOptions>;
}

export function startServer(reader: MessageReader, writer: MessageWriter): Connection {
  const connection = createConnection(reader, writer);
  // stdout is the protocol channel: route stray console output to the client's log.
  console.log = console.info = (...args: unknown[]) => connection.console.log(args.map(String).join(" "));
  const documents = new TextDocuments(checkedDocuments({ error: (m) => connection.console.error(`pnn lsp: ${m}`), warn: (m) => connection.console.warn(`pnn lsp: ${m}`) }));
  const workspace = new Workspace();
  let debounceMs = 150;
  /** Per open document: its analysis, and every file the checker read for it (its imports, transitively). */
  const cache = new Map<string, { version: number; reads: Set<string>; analysis: Analysis }>();
  const lastClean = new Map<string, Analysis>();
  const timers = new Map<string, NodeJS.Timeout>();

  const analysisFor = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    const file = uriToPath(uri);
    if (!doc || !file || !workspace.contains(uri)) return undefined;
    const hit = cache.get(uri);
    if (hit && hit.version === doc.version) return hit.analysis;
    const reads = new Set<string>();
    const host = { readFile: (p: string) => (reads.add(path.resolve(p)), workspace.host.readFile(p)) };
    const analysis = analyze(doc.getText(), file, host);
    cache.set(uri, { version: doc.version, reads, analysis });
    if (analysis.syntaxErrors === 0) lastClean.set(uri, analysis);
    return analysis;
  };
  /** An open document's AST as edited (from its analysis when there is one: parsing is cheap, checking is not forced). */
  const parseOpen = (uri: string): A.Program | undefined => safe(() => analysisFor(uri)?.program, undefined);
  const openAnalyses = (): Analysis[] => documents.keys().flatMap((u) => safe(() => analysisFor(u), undefined) ?? []);

  function safe<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (e) {
      connection.console.error(`pnn lsp: internal error: ${e instanceof Error ? e.stack : String(e)}`);
      return fallback;
    }
  }
  /** Runs a request handler on the document's analysis; null for documents outside the workspace. */
  const withAnalysis = <T>(uri: string, f: (a: Analysis, doc: TextDocument) => T, fallback: T): T =>
    safe(() => {
      const a = analysisFor(uri);
      const doc = documents.get(uri);
      return a && doc ? f(a, doc) : fallback;
    }, fallback);

  const publish = (uri: string) => {
    timers.delete(uri);
    const doc = documents.get(uri);
    if (!doc || !workspace.contains(uri)) return;
    const a = safe(() => analysisFor(uri), undefined);
    if (a) connection.sendDiagnostics({ uri, version: doc.version, diagnostics: safe(() => documentDiagnostics(a), []) });
  };
  const schedule = (uri: string) => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => publish(uri), debounceMs));
  };
  /** The files at `paths` changed: drop the analyses that read them and re-publish those documents. */
  const invalidate = (paths: readonly string[]) => {
    for (const uri of documents.keys()) {
      const hit = cache.get(uri);
      if (hit && paths.some((p) => hit.reads.has(p))) {
        cache.delete(uri);
        schedule(uri);
      }
    }
  };

  let watchFiles = false;
  let inlay: InlayOptions = DEFAULT_INLAY;
  let refreshInlay = false;
  const setInlay = (o: unknown) => {
    const v = (o ?? {}) as Partial<Record<keyof InlayOptions, unknown>>;
    inlay = { bindings: typeof v.bindings === "boolean" ? v.bindings : inlay.bindings, pipeStages: typeof v.pipeStages === "boolean" ? v.pipeStages : inlay.pipeStages };
  };
  connection.onInitialize((params): InitializeResult => {
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    refreshInlay = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspace.setFolders(folders);
    const opts = params.initializationOptions as ServerOptions | undefined;
    if (typeof opts?.debounceMs === "number" && opts.debounceMs >= 0) debounceMs = opts.debounceMs;
    setInlay(opts?.inlayHints);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: [".", "(", ",", ":", "="] },
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [":"] },
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        inlayHintProvider: true,
        documentRangeFormattingProvider: true,
        documentLinkProvider: { resolveProvider: false },
        foldingRangeProvider: true,
        selectionRangeProvider: true,
        workspaceSymbolProvider: true,
      },
      serverInfo: { name: "pnn", version: "0.1.0" },
    };
  });

  documents.onDidChangeContent((e) => {
    const file = uriToPath(e.document.uri);
    if (file) workspace.openTexts.set(path.resolve(file), e.document.getText());
    schedule(e.document.uri);
    if (file) invalidate([path.resolve(file)]);
  });
  documents.onDidClose((e) => {
    const file = uriToPath(e.document.uri);
    if (file) workspace.openTexts.delete(path.resolve(file));
    cache.delete(e.document.uri);
    lastClean.delete(e.document.uri);
    clearTimeout(timers.get(e.document.uri));
    timers.delete(e.document.uri);
    if (workspace.contains(e.document.uri)) connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    if (file) invalidate([path.resolve(file)]); // importers now read it from disk
  });

  // Ask the client to tell us when .pnn files change on disk (edited elsewhere, git checkout):
  // importers may then see them differently. Clients without dynamic registration (VS Code's
  // extension watches through its own `synchronize.fileEvents`) send the same notification.
  connection.onInitialized(() => {
    if (watchFiles) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.pnn" }] }).catch((e) => connection.console.error(`pnn lsp: cannot watch files: ${String(e)}`));
  });
  connection.onDidChangeWatchedFiles((p) => invalidate(p.changes.flatMap((c) => uriToPath(c.uri) ?? [])));

  const offsetOf = (doc: TextDocument, pos: { line: number; character: number }) => doc.offsetAt(pos);
  connection.onHover((p) => withAnalysis(p.textDocument.uri, (a, d) => hover(a, offsetOf(d, p.position), workspace.host), null));
  connection.onCompletion((p) =>
    withAnalysis(p.textDocument.uri, (a, d) => complete(a, offsetOf(d, p.position), workspace.host, lastClean.get(p.textDocument.uri)), []),
  );
  connection.onSignatureHelp((p) => withAnalysis(p.textDocument.uri, (a, d) => signatureHelp(a, offsetOf(d, p.position), workspace.host), null));
  connection.onDefinition((p) => withAnalysis(p.textDocument.uri, (a, d) => definition(a, offsetOf(d, p.position), workspace.host), null));
  connection.onReferences((p) =>
    withAnalysis(p.textDocument.uri, (a, d) => references(a, offsetOf(d, p.position), openAnalyses(), p.context.includeDeclaration), []),
  );
  connection.onDocumentHighlight((p) => withAnalysis(p.textDocument.uri, (a, d) => highlights(a, offsetOf(d, p.position)), []));
  connection.onPrepareRename((p) => withAnalysis(p.textDocument.uri, (a, d) => prepareRename(a, offsetOf(d, p.position), (u) => workspace.contains(u)), null));
  connection.onRenameRequest((p) => {
    // Invalid names are reported to the client as a failed request (ResponseError), not swallowed.
    const a = safe(() => analysisFor(p.textDocument.uri), undefined);
    const doc = documents.get(p.textDocument.uri);
    if (!a || !doc) return null;
    return rename(a, offsetOf(doc, p.position), p.newName, openAnalyses(), (u) => workspace.contains(u));
  });
  connection.onDocumentSymbol((p) => withAnalysis(p.textDocument.uri, (a) => documentSymbols(a.program), []));
  connection.onDocumentFormatting(async (p) => {
    const a = safe(() => analysisFor(p.textDocument.uri), undefined);
    if (!a) return [];
    try {
      return await formatDocument(a);
    } catch (e) {
      connection.console.error(`pnn lsp: formatting failed: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  });
  connection.onDocumentRangeFormatting(async (p) => {
    const a = safe(() => analysisFor(p.textDocument.uri), undefined);
    const doc = documents.get(p.textDocument.uri);
    if (!a || !doc) return [];
    try {
      return await formatRange(a, doc.offsetAt(p.range.start), doc.offsetAt(p.range.end));
    } catch (e) {
      connection.console.error(`pnn lsp: formatting failed: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  });
  connection.onDocumentLinks((p) => withAnalysis(p.textDocument.uri, (a) => documentLinks(a, workspace.host), []));
  connection.onFoldingRanges((p) => withAnalysis(p.textDocument.uri, (a) => foldingRanges(a), []));
  connection.onSelectionRanges((p) => withAnalysis(p.textDocument.uri, (a, d) => selectionRanges(a, p.positions.map((x) => d.offsetAt(x))), []));
  connection.onWorkspaceSymbol((p) =>
    safe(() => {
      const open = new Map(documents.keys().flatMap((u) => {
        const f = uriToPath(u);
        return f && workspace.contains(u) ? [[f, parseOpen(u)] as const] : [];
      }).filter((e): e is readonly [string, A.Program] => !!e[1]));
      return workspaceSymbols(p.query, workspace.roots(), open);
    }, []),
  );
  connection.languages.semanticTokens.on((p) => withAnalysis(p.textDocument.uri, (a) => semanticTokens(a), { data: [] }));
  connection.languages.inlayHint.on((p) => withAnalysis(p.textDocument.uri, (a, d) => inlayHints(a, d.offsetAt(p.range.start), d.offsetAt(p.range.end), inlay), []));
  // `{ settings: { pnn: { inlayHints: { pipeStages: false } } } }` (VS Code: the pnn.inlayHints.* settings).
  connection.onDidChangeConfiguration((p) => {
    const settings = (p.settings as { pnn?: { inlayHints?: unknown } } | undefined)?.pnn;
    if (!settings) return;
    setInlay(settings.inlayHints);
    if (refreshInlay) void connection.languages.inlayHint.refresh().catch(() => undefined);
  });
  connection.onCodeAction((p) => (workspace.contains(p.textDocument.uri) ? safe(() => quickFixes(p), []) : []));

  documents.listen(connection);
  connection.listen();
  return connection;
}
