/**
 * Shell command lines of the documentation, as the doc tests read them (docs/writing-docs.md):
 * logical lines (a trailing `\` joins lines; `# comments` and comment-only lines dropped),
 * optional flag groups (`[--json]`, `[--rule "spsa(c: 0.02)"]`: left out when a line runs, their
 * flags still checked), simple commands (split at `&&`, `||`, `|`, `;`) and their words. Also
 * which documented `pnn` subcommands and flags the CLI does not have. Pure functions; running
 * the commands is commands.test.ts's job.
 */
import type { Command } from "commander";

/** Scans `s` outside quotes: `at(i, ch)` returns how many characters to consume there (0: keep going). */
function outsideQuotes(s: string, visit: (i: number) => number | "stop"): void {
  let quote = "";
  for (let i = 0; i < s.length; ) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) quote = "";
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      i++;
      continue;
    }
    const r = visit(i);
    if (r === "stop") return;
    i += Math.max(1, r);
  }
}

/** `line` without its `# comment` (a `#` that starts a word, outside quotes). */
export function stripComment(line: string): string {
  let cut = line.length;
  outsideQuotes(line, (i) => {
    if (line[i] === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
      cut = i;
      return "stop";
    }
    return 1;
  });
  return line.slice(0, cut).trimEnd();
}

/** The block's logical command lines: continuations joined, comments and blank lines dropped. */
export function commandLines(body: string): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of body.split("\n")) {
    const line = stripComment(raw);
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    if (full) out.push(full);
  }
  if (pending.trim()) out.push(pending.trim());
  return out;
}

/** `line` with every optional flag group (`[` + `-…` + `]`, starting a word) removed. */
export function withoutOptional(line: string): string {
  let out = "";
  let from = 0;
  outsideQuotes(line, (i) => {
    if (line[i] !== "[" || line[i + 1] !== "-" || (i > 0 && !/\s/.test(line[i - 1]!))) return 1;
    let end = -1;
    outsideQuotes(line.slice(i), (k) => (line[i + k] === "]" ? ((end = i + k), "stop") : 1));
    if (end < 0) return 1;
    out += line.slice(from, i);
    from = end + 1;
    return end + 1 - i;
  });
  return (out + line.slice(from)).trimEnd();
}

/** Simple commands of a line (split at &&, ||, |, ;), each as its words (quotes removed; `[`/`]` of optional groups dropped). */
export function simpleCommands(line: string): string[][] {
  const parts: string[] = [];
  let from = 0;
  outsideQuotes(line, (i) => {
    const two = line.slice(i, i + 2);
    if (two === "&&" || two === "||") {
      parts.push(line.slice(from, i));
      from = i + 2;
      return 2;
    }
    if (line[i] === "|" || line[i] === ";") {
      parts.push(line.slice(from, i));
      from = i + 1;
    }
    return 1;
  });
  parts.push(line.slice(from));
  return parts.map(words).filter((w) => w.length > 0);
}

/** The words of a simple command, quotes removed; a `[` opening or `]` closing a word (an optional group) is dropped. */
export function words(cmd: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = "";
  let has = false;
  for (const ch of cmd) {
    if (quote) {
      if (ch === quote) quote = "";
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else cur += ch;
  }
  if (has || cur) out.push(cur);
  return out.map((w) => w.replace(/^\[(?=-)/, "").replace(/\]$/, "")).filter((w) => w !== "");
}

/** The arguments after `pnn` when the words invoke it (`pnn …`, `npx pnn …`, `node bin/pnn.js …`), else undefined. */
export function pnnArguments(ws: readonly string[]): string[] | undefined {
  if (ws[0] === "pnn") return ws.slice(1);
  if (ws[0] === "npx" && ws[1] === "pnn") return ws.slice(2);
  if (ws[0] === "node" && /(^|\/)bin\/pnn\.js$/.test(ws[1] ?? "")) return ws.slice(2);
  return undefined;
}

const FLAG = /^(--?[A-Za-z][\w-]*)(=.*)?$/;

/** What in a documented `pnn` invocation the CLI does not have: an unknown subcommand, or flags it does not take. */
export function unknownInCli(cli: Command, args: readonly string[]): string[] {
  const name = args.find((a) => !a.startsWith("-"));
  const problems: string[] = [];
  const cmd = name === undefined ? undefined : cli.commands.find((c) => c.name() === name || c.aliases().includes(name));
  if (name !== undefined && !cmd) return [`pnn has no command '${name}' (it has ${cli.commands.map((c) => c.name()).join(", ")})`];
  const known = new Set(["-h", "--help", ...(cmd ?? cli).options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x))]);
  if (!cmd) known.add("-V").add("--version");
  for (const a of args) {
    const m = FLAG.exec(a);
    if (m && !known.has(m[1]!)) problems.push(`pnn ${name ?? ""} has no option '${m[1]}'`);
  }
  return problems;
}
