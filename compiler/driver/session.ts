/**
 * The compiler driver's session: one source text (and the host that reads the files it
 * imports) taken through parse → check → run configuration. Every product starts here:
 * `check()` gives the diagnostics `pnn check` prints and the editor shows (they include every
 * refusal a rule or the lowering could make: sema runs the rules' plans), and `program()` gives
 * the checked Program of a train block — optionally with the rule replaced, as a command line's
 * `--rule "spsa(c: 0.02)"` does, checked exactly as if it were written in the file.
 * No file system access of its own: the CLI reads files, the language server its open documents,
 * the browser playground its in-memory files (playground/host.ts).
 */
import { diag, type Diagnostic } from "../../diagnostics/catalog.js";
import { fileSpan } from "../../diagnostics/span.js";
import type * as A from "../../grammar/ast.js";
import { parse, type ParseResult } from "../../grammar/parse.js";
import { check, orderDiagnostics, type CheckHost, type CheckOverrides } from "../sema/check.js";
import type { SemanticModel } from "../sema/model.js";
import { DiagnosticsError, UsageError } from "./errors.js";
import { Program } from "./program.js";

export interface Checked {
  readonly program: A.Program;
  readonly model: SemanticModel;
  /** Syntax and checker diagnostics together, in reading order. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Where a command-line rule override's diagnostics point (its own pseudo-file). */
export const RULE_OVERRIDE_ORIGIN = "--rule";

/** Parses a command line's rule text (`spsa(c: 0.02)`) as an expression whose spans point into that text. */
function parseRuleOverride(text: string): { expr?: A.Expr; diagnostics: readonly Diagnostic[] } {
  const prefix = "const rule =\n";
  const parsed = parse(prefix + text, RULE_OVERRIDE_ORIGIN);
  const shift = <T>(x: T): T => {
    if (Array.isArray(x)) return x.map(shift) as T;
    if (!x || typeof x !== "object") return x;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === "span" && v && typeof v === "object") {
        const s = v as { start: number; end: number; line: number; endLine: number };
        out[k] = { ...s, start: Math.max(0, s.start - prefix.length), end: Math.max(0, s.end - prefix.length), line: Math.max(1, s.line - 1), endLine: Math.max(1, s.endLine - 1) };
      } else out[k] = shift(v);
    }
    return out as T;
  };
  const item = parsed.program.items[0];
  const expr = item?.kind === "Const" ? item.value : undefined;
  // Only what the user wrote: a diagnostic on the wrapper's own line is an echo of recovery (the
  // parser repairing `const rule =`), and positions quoted in messages ("the '(' at 2:5") move up
  // with the text.
  const diagnostics = parsed.diagnostics
    .filter((d) => d.span.line > 1)
    .map((d) => ({ ...shift(d), message: d.message.replace(/\bat (\d+):(\d+)/g, (_, l: string, c: string) => `at ${Number(l) - 1}:${c}`) }));
  if (!diagnostics.length && (!expr || !(expr.kind === "Name" || (expr.kind === "Call" && expr.callee.kind === "Name"))))
    return { diagnostics: [diag("PNN4001", fileSpan(RULE_OVERRIDE_ORIGIN), `--rule takes a rule name with optional options, such as physics_aware or "spsa(c: 0.02)", got '${text}'`)] };
  return { ...(expr && !diagnostics.length ? { expr: shift(expr) } : {}), diagnostics };
}

/**
 * How a session reads the files a source imports (the CLI: the disk; the editor: its open
 * documents; the browser playground: its in-memory files) and, optionally, the data files
 * shipped with pnn (`vowels.csv`, …) for hosts without pnn's data/ folder on a disk (the
 * playground); without `readShippedData` the data loaders read that folder.
 */
export interface SourceHost extends CheckHost {
  readShippedData?(file: string): string | undefined;
}

export class Session {
  private checked?: Checked;
  private parsedOnce?: ParseResult;

  constructor(
    readonly file: string,
    readonly source: string,
    readonly host: SourceHost,
  ) {}

  private sources(extra: Readonly<Record<string, string>> = {}): Map<string, string> {
    return new Map([[this.file, this.source], ...Object.entries(extra)]);
  }

  /** The parse alone (cached): what needs only the syntax tree (outline, formatting) does not pay for the checker. */
  parsed(): ParseResult {
    return (this.parsedOnce ??= parse(this.source, this.file));
  }

  private run(overrides: CheckOverrides = {}): Checked {
    const parsed = this.parsed();
    const r = check(parsed.program, this.file, this.host, overrides);
    return { program: parsed.program, model: r.model, diagnostics: orderDiagnostics([...parsed.diagnostics, ...r.diagnostics]) };
  }

  /** Parse and check (cached): what `pnn check` prints and the editor shows. */
  check(): Checked {
    return (this.checked ??= this.run());
  }

  /**
   * The checked program of train block `train` (0-based). `rule` replaces the block's rule (text
   * like `physics_aware` or `spsa(c: 0.02)`). Throws DiagnosticsError when the file (or the
   * override) has errors, UsageError when there is no such train block.
   */
  program(o: { readonly train?: number; readonly rule?: string } = {}): Program {
    let checked: Checked;
    let extra: Record<string, string> = {};
    if (o.rule !== undefined) {
      const override = parseRuleOverride(o.rule);
      extra = { [RULE_OVERRIDE_ORIGIN]: o.rule };
      if (!override.expr) throw new DiagnosticsError(override.diagnostics, this.sources(extra));
      checked = this.run({ rule: override.expr });
    } else checked = this.check();
    const errors = checked.diagnostics.filter((d) => d.severity === "error");
    if (errors.length) throw new DiagnosticsError(checked.diagnostics, this.sources(extra));
    const index = o.train ?? 0;
    const train = checked.model.trains[index];
    if (!train) throw new UsageError(`${this.file} has no train block${index ? ` number ${index + 1}` : ""}: nothing to run`);
    const readShipped = this.host.readShippedData?.bind(this.host);
    return new Program(this.file, this.source, checked.model.networks.get(train.network)!, train, readShipped);
  }
}
