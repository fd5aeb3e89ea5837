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
import { applyOverrides, overrideOrigin, parseExpressionText, type Assignment } from "./overrides.js";
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
  const { expr, diagnostics } = parseExpressionText(text, RULE_OVERRIDE_ORIGIN);
  if (!diagnostics.length && (!expr || !(expr.kind === "Name" || (expr.kind === "Call" && expr.callee.kind === "Name"))))
    return { diagnostics: [diag("PNN4001", fileSpan(RULE_OVERRIDE_ORIGIN), `--rule takes a rule name with optional options, such as physics_aware or "spsa(c: 0.02)", got '${text}'`)] };
  return { ...(expr && !diagnostics.length ? { expr } : {}), diagnostics };
}

/** What `Session.program` may change besides the file: the train block, the rule, `--set` assignments. */
export interface ProgramOptions {
  /** Which train block (0-based). */
  readonly train?: number;
  /** Replaces the block's rule (text like `physics_aware` or `spsa(c: 0.02)`). */
  readonly rule?: string;
  /** `name=value` overrides (compiler/driver/overrides.ts), applied before checking. */
  readonly set?: readonly Assignment[];
  /** External layers run on their device model instead of their device (`--simulate`). */
  readonly simulate?: boolean;
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
  /** Every file the checker read through the host (imports, matrix files), by absolute path. */
  private readonly reads = new Map<string, string>();
  private readonly recording: CheckHost;

  constructor(
    readonly file: string,
    readonly source: string,
    readonly host: SourceHost,
  ) {
    this.recording = {
      readFile: (p) => {
        const text = host.readFile(p);
        if (text !== undefined) this.reads.set(p, text);
        return text;
      },
    };
  }

  private sources(extra: Readonly<Record<string, string>> = {}): Map<string, string> {
    return new Map([[this.file, this.source], ...Object.entries(extra)]);
  }

  /** The parse alone (cached): what needs only the syntax tree (outline, formatting) does not pay for the checker. */
  parsed(): ParseResult {
    return (this.parsedOnce ??= parse(this.source, this.file));
  }

  /** Parse, apply `set` to train block `train` (a failed override is a diagnostic, and nothing is checked), check. */
  private run(overrides: CheckOverrides = {}, set: readonly Assignment[] = [], train = 0): { checked?: Checked; diagnostics: readonly Diagnostic[]; networkOverrides: readonly string[] } {
    const parsed = this.parsed();
    const applied = set.length && !parsed.diagnostics.length ? applyOverrides(parsed.program, set, train) : undefined;
    if (applied?.diagnostics.length) return { diagnostics: applied.diagnostics, networkOverrides: [] };
    const program = applied?.program ?? parsed.program;
    const r = check(program, this.file, this.recording, overrides);
    const diagnostics = orderDiagnostics([...parsed.diagnostics, ...r.diagnostics]);
    return { checked: { program, model: r.model, diagnostics }, diagnostics, networkOverrides: applied?.networkOverrides ?? [] };
  }

  /** Parse and check (cached): what `pnn check` prints and the editor shows. */
  check(): Checked {
    return (this.checked ??= this.run().checked!);
  }

  /**
   * The checked program of train block `train` (0-based), with the rule replaced (`rule`) and
   * `set` assignments applied, each checked exactly as if written in the file. Throws
   * DiagnosticsError when the file (or an override) has errors, UsageError when there is no such
   * train block. The Program remembers its options: a worker re-creates it from the same text,
   * host and options (`Program.options`) and gets the same configuration hash.
   */
  program(o: ProgramOptions = {}): Program {
    let checked: { checked?: Checked; diagnostics: readonly Diagnostic[]; networkOverrides: readonly string[] };
    const extra: Record<string, string> = {};
    for (const a of o.set ?? []) extra[overrideOrigin(a.name)] = a.value;
    let ruleExpr: A.Expr | undefined;
    if (o.rule !== undefined) {
      const override = parseRuleOverride(o.rule);
      extra[RULE_OVERRIDE_ORIGIN] = o.rule;
      if (!override.expr) throw new DiagnosticsError(override.diagnostics, this.sources(extra));
      ruleExpr = override.expr;
    }
    if (ruleExpr || o.set?.length || o.simulate) checked = this.run({ ...(ruleExpr ? { rule: ruleExpr } : {}), ...(o.simulate ? { simulate: true } : {}) }, o.set ?? [], o.train ?? 0);
    else {
      const c = this.check();
      checked = { checked: c, diagnostics: c.diagnostics, networkOverrides: [] };
    }
    const errors = checked.diagnostics.filter((d) => d.severity === "error");
    if (errors.length || !checked.checked) throw new DiagnosticsError(checked.diagnostics, this.sources(extra));
    const model = checked.checked.model;
    const index = o.train ?? 0;
    const train = model.trains[index];
    if (!train) throw new UsageError(`${this.file} has no train block${index ? ` number ${index + 1}` : ""}: nothing to run`);
    return new Program(this.file, this.source, model.networks.get(train.network)!, train, { options: o, networkOverrides: checked.networkOverrides, reads: new Map(this.reads) }, this.host.readShippedData?.bind(this.host));
  }
}
