/**
 * Text -> IR: reads what print.ts writes and rebuilds the graph through the GraphBuilder, so every
 * node is re-inferred and checked against its printed dtype/shape annotation. Ids in the text must
 * be 0, 1, 2, ... in order (as printed). Malformed text throws IrParseError with the line number.
 * Lines starting with `//` and blank lines are skipped.
 */
import { GraphBuilder, type Graph, type Node } from "./graph.js";
import { opDef } from "./ops.js";
import { isDType, shapeEq, type AttrValue } from "./types.js";

export class IrParseError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = "IrParseError";
  }
}

class Scanner {
  pos = 0;
  constructor(readonly s: string, readonly line: number) {}
  err(msg: string): never {
    throw new IrParseError(`${msg} at column ${this.pos + 1}: ${this.s}`, this.line);
  }
  ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos]!)) this.pos++;
  }
  peek(): string {
    this.ws();
    return this.s[this.pos] ?? "";
  }
  eat(tok: string): void {
    this.ws();
    if (!this.s.startsWith(tok, this.pos)) this.err(`expected '${tok}'`);
    this.pos += tok.length;
  }
  tryEat(tok: string): boolean {
    this.ws();
    if (!this.s.startsWith(tok, this.pos)) return false;
    this.pos += tok.length;
    return true;
  }
  ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.pos));
    if (!m) this.err("expected a name");
    this.pos += m[0].length;
    return m[0];
  }
  number(): number {
    this.ws();
    const m = /^(-?Infinity|NaN|-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(this.s.slice(this.pos));
    if (!m) this.err("expected a number");
    this.pos += m[0].length;
    return Number(m[0]);
  }
  int(): number {
    const v = this.number();
    if (!Number.isInteger(v)) this.err("expected an integer");
    return v;
  }
  string(): string {
    this.ws();
    if (this.s[this.pos] !== '"') this.err("expected a string");
    let i = this.pos + 1;
    while (i < this.s.length && this.s[i] !== '"') i += this.s[i] === "\\" ? 2 : 1;
    const lit = this.s.slice(this.pos, i + 1);
    this.pos = i + 1;
    try {
      return JSON.parse(lit) as string;
    } catch {
      return this.err("bad string literal");
    }
  }
  id(): number {
    this.eat("%");
    return this.int();
  }
  list(): number[] {
    this.eat("[");
    const out: number[] = [];
    if (this.tryEat("]")) return out;
    do out.push(this.number());
    while (this.tryEat(","));
    this.eat("]");
    return out;
  }
  value(): AttrValue {
    const c = this.peek();
    if (c === '"') return this.string();
    if (c === "[") return this.list();
    if (/[-\d.]/.test(c) || this.s.startsWith("NaN", this.pos) || this.s.startsWith("Infinity", this.pos)) return this.number();
    const w = this.ident();
    return w === "true" ? true : w === "false" ? false : w;
  }
  end(): void {
    this.ws();
    if (this.pos !== this.s.length) this.err("unexpected text");
  }
}

export function parseGraph(text: string): Graph {
  const lines = text.split("\n");
  let i = 0;
  // skip to the opening line
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("//")) continue;
    if (line !== "graph {") throw new IrParseError("expected 'graph {'", i + 1);
    break;
  }
  if (i >= lines.length) throw new IrParseError("missing 'graph {' or closing '}'", lines.length);
  const r = parseBody(lines, i + 1);
  for (let j = r.next; j < lines.length; j++) {
    const line = lines[j]!.trim();
    if (line !== "" && !line.startsWith("//")) throw new IrParseError("text after the closing '}'", j + 1);
  }
  return r.graph;
}

/** Parses node and output lines from `start` up to the closing '}' of this level. */
function parseBody(lines: readonly string[], start: number): { graph: Graph; next: number } {
  const b = new GraphBuilder();
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const ln = i + 1;
    if (line === "" || line.startsWith("//")) continue;
    if (line === "}") return { graph: b.build(), next: i + 1 };
    const sc: Scanner = new Scanner(line, ln);
    if (line.startsWith("output")) {
      sc.eat("output");
      const name = sc.string();
      sc.eat("=");
      const id = sc.id();
      sc.end();
      if (id >= b.size) sc.err(`unknown node %${id}`);
      b.output(name, b.node(id));
      continue;
    }
    const id = sc.id();
    if (id !== b.size) sc.err(`expected node %${b.size}`);
    const label = sc.peek() === '"' ? sc.string() : undefined;
    sc.eat(":");
    const dtype = sc.ident();
    if (!isDType(dtype)) sc.err(`unknown dtype ${dtype}`);
    const shape = sc.list();
    sc.eat("=");
    const opName = sc.ident();
    const def = opDef(opName);
    if (!def) sc.err(`unknown op ${opName}`);
    const operands: Node[] = [];
    if (sc.peek() === "%") {
      do {
        const x = sc.id();
        if (x >= id) sc.err(`operand %${x} is not defined before %${id}`);
        operands.push(b.node(x));
      } while (sc.tryEat(","));
    }
    const attrs: Record<string, AttrValue> = {};
    if (sc.peek() === "{") {
      sc.eat("{");
      if (!sc.tryEat("}")) {
        do {
          const k = sc.ident();
          sc.eat("=");
          attrs[k] = sc.value();
        } while (sc.tryEat(","));
        sc.eat("}");
      }
    }
    let body: Graph | undefined;
    if (sc.tryEat("body")) {
      sc.eat("{");
      sc.end();
      const r = parseBody(lines, i + 1);
      body = r.graph;
      i = r.next - 1;
    } else sc.end();
    if (def.attrs.some((s) => s.name === "dtype") && !("dtype" in attrs)) attrs.dtype = dtype;
    if (def.attrs.some((s) => s.name === "shape") && !("shape" in attrs)) attrs.shape = shape;
    let n: Node;
    try {
      n = b.op(opName, operands, attrs, label, body);
    } catch (e) {
      throw new IrParseError((e as Error).message.split("\n")[0]!, ln);
    }
    if (n.dtype !== dtype || !shapeEq(n.shape, shape))
      sc.err(`annotation ${dtype}[${shape}] disagrees with inferred ${n.dtype}[${n.shape}]`);
  }
  throw new IrParseError("missing closing '}'", lines.length);
}
