/**
 * The .pnn grammar as a chevrotain CstParser: tokens in, a concrete syntax tree out. Only the
 * grammar lives here (no actions); cst-to-ast.ts builds the AST. Error recovery is on, so a file
 * with several mistakes yields all of them and a partial tree.
 *
 * Precedence, loosest first: `|>`  ·  `..`  ·  `+ -`  ·  `* /`  ·  unary `-`  ·  `^` (right)  ·
 * postfix (`.name`, calls). A unit binds to the number before it when it starts on the same line
 * (`0.02 rad`); that keeps `epochs = 5` ⏎ `m = 2` from reading as "5 m".
 */
import { CstParser, type IToken, type TokenType } from "chevrotain";
import * as T from "./lexer.js";

const K = T.Keywords;

function sameLine(a: IToken | undefined, b: IToken | undefined): boolean {
  return !!a && !!b && a.endLine === b.startLine;
}

export class PnnParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "full" });
    this.performSelfAnalysis();
  }

  program = this.RULE("program", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.layerDecl) },
        { ALT: () => this.SUBRULE(this.networkDecl) },
        { ALT: () => this.SUBRULE(this.trainDecl) },
      ]);
    });
  });

  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(K.import);
    this.CONSUME(T.Identifier);
    this.CONSUME(K.from);
    this.CONSUME(T.StringLit);
  });

  constDecl = this.RULE("constDecl", () => {
    this.CONSUME(K.const);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  paramList = this.RULE("paramList", () => {
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.paramDecl) });
    this.CONSUME(T.RParen);
  });

  paramDecl = this.RULE("paramDecl", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  layerDecl = this.RULE("layerDecl", () => {
    this.CONSUME(K.layer);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.paramList);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.layerMember));
    this.CONSUME(T.RBrace);
  });

  layerMember = this.RULE("layerMember", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.trainableDecl) },
      { ALT: () => this.SUBRULE(this.deviceDecl) },
      { ALT: () => this.SUBRULE(this.externalDecl) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.forwardDecl) },
    ]);
  });

  trainableDecl = this.RULE("trainableDecl", () => {
    this.CONSUME(K.param);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.OPTION(() => {
      this.CONSUME(K.init);
      this.SUBRULE(this.expression, { LABEL: "init" });
    });
    this.OPTION2(() => {
      this.CONSUME(K.range);
      this.SUBRULE2(this.expression, { LABEL: "range" });
    });
  });

  deviceDecl = this.RULE("deviceDecl", () => {
    this.CONSUME(K.device);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
    this.CONSUME(T.Tilde);
    this.SUBRULE(this.expression);
    this.OPTION(() => {
      this.CONSUME(K.per);
      this.CONSUME(K.shot);
    });
  });

  /** `external stdio("python3 chip.py", timeout: 5 s)`: the layer's device forward is served by another program. */
  externalDecl = this.RULE("externalDecl", () => {
    this.CONSUME(K.external);
    this.SUBRULE(this.expression);
  });

  letDecl = this.RULE("letDecl", () => {
    this.CONSUME(K.let);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  forwardDecl = this.RULE("forwardDecl", () => {
    this.CONSUME(K.forward);
    this.CONSUME(T.LParen);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef, { LABEL: "inputType" });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    this.SUBRULE2(this.typeRef, { LABEL: "outputType" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  networkDecl = this.RULE("networkDecl", () => {
    this.CONSUME(K.network);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.networkItem));
    this.CONSUME(T.RBrace);
  });

  networkItem = this.RULE("networkItem", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.nodesDecl) },
      { ALT: () => this.SUBRULE(this.outputNodesDecl) },
      { ALT: () => this.SUBRULE(this.bindingDecl) },
      { ALT: () => this.SUBRULE(this.coupleDecl) },
    ]);
  });

  inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(K.input);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
  });

  nodesDecl = this.RULE("nodesDecl", () => {
    this.CONSUME(K.nodes);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
  });

  outputNodesDecl = this.RULE("outputNodesDecl", () => {
    this.CONSUME(K.output);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeRef);
  });

  bindingDecl = this.RULE("bindingDecl", () => {
    this.OPTION(() => this.CONSUME(K.output));
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  coupleDecl = this.RULE("coupleDecl", () => {
    this.CONSUME(K.couple);
    this.CONSUME(T.Identifier, { LABEL: "from" });
    this.OR([{ ALT: () => this.CONSUME(T.Arrow) }, { ALT: () => this.CONSUME(T.BiArrow) }]);
    this.CONSUME2(T.Identifier, { LABEL: "to" });
    this.OPTION(() => {
      this.CONSUME(K.via);
      this.SUBRULE(this.expression);
    });
  });

  trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(K.train);
    this.CONSUME(T.Identifier);
    this.CONSUME(K.on);
    this.SUBRULE(this.expression);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.setting));
    this.CONSUME(T.RBrace);
  });

  setting = this.RULE("setting", () => {
    this.SUBRULE(this.anyName, { LABEL: "key" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  typeRef = this.RULE("typeRef", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.int) },
      { ALT: () => this.CONSUME(K.real) },
      { ALT: () => this.CONSUME(K.complex) },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
      this.CONSUME(T.RBracket);
    });
  });

  // ── expressions ────────────────────────────────────────────────────────────
  expression = this.RULE("expression", () => {
    this.SUBRULE(this.rangeExpr);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE(this.postfixExpr, { LABEL: "target" });
    });
  });

  rangeExpr = this.RULE("rangeExpr", () => {
    this.SUBRULE(this.additiveExpr);
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.additiveExpr);
    });
  });

  additiveExpr = this.RULE("additiveExpr", () => {
    this.SUBRULE(this.multiplicativeExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.multiplicativeExpr);
    });
  });

  multiplicativeExpr = this.RULE("multiplicativeExpr", () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }]);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.powerExpr) },
    ]);
  });

  powerExpr = this.RULE("powerExpr", () => {
    this.SUBRULE(this.postfixExpr);
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE(this.unaryExpr);
    });
  });

  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primaryExpr);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.SUBRULE(this.anyName, { LABEL: "member" });
          },
        },
        { ALT: () => this.SUBRULE(this.argList) },
      ]);
    });
  });

  argList = this.RULE("argList", () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.OPTION2(() => this.SUBRULE2(this.arg)); // a trailing comma is allowed
      });
    });
    this.CONSUME(T.RParen);
  });

  arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.SUBRULE(this.anyName, { LABEL: "argName" });
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expression);
  });

  /** Where only a name can stand (named arguments, train keys, members), keywords are names too: `mnist(train: 8000)`. */
  anyName = this.RULE("anyName", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, ...Object.values(K).map((tt) => ({ ALT: () => this.CONSUME(tt) }))]);
  });

  primaryExpr = this.RULE("primaryExpr", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.numberExpr) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(K.true) },
      { ALT: () => this.CONSUME(K.false) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  numberExpr = this.RULE("numberExpr", () => {
    const num = this.CONSUME(T.NumberLit);
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Identifier && sameLine(num, this.LA(1)),
      DEF: () => this.SUBRULE(this.unitSuffix),
    });
  });

  unitSuffix = this.RULE("unitSuffix", () => {
    this.CONSUME(T.Identifier, { LABEL: "atom" });
    this.MANY({
      GATE: () => this.LA(1).tokenType === T.Slash && this.LA(2).tokenType === T.Identifier && sameLine(this.LA(1), this.LA(2)),
      DEF: () => {
        this.CONSUME(T.Slash);
        this.CONSUME2(T.Identifier, { LABEL: "atom" });
      },
    });
    this.OPTION({
      GATE: () => this.LA(2).tokenType === T.Identifier,
      DEF: () => {
        this.CONSUME(K.per);
        this.CONSUME3(T.Identifier, { LABEL: "perName" });
      },
    });
  });
}

/** One parser instance per process: chevrotain's self-analysis is the slow part. */
let shared: PnnParser | undefined;
export function sharedParser(): PnnParser {
  shared ??= new PnnParser();
  return shared;
}

export const tokenTypes: readonly TokenType[] = T.allTokens;
