/**
 * The .pnn lexer (chevrotain). Text in, tokens out; comments go to their own group so the
 * formatter can keep them. Lexing never throws: bad characters and unterminated strings become
 * PNN1002/PNN1003 diagnostics in parse.ts. Keywords use `longer_alt` so `inputs` or `periodic`
 * stay identifiers.
 */
import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments" });
/** An opening block comment with no end: reported as PNN1002, never silently swallowed. */
export const UnterminatedComment = createToken({ name: "UnterminatedComment", pattern: /\/\*[\s\S]*/, group: "errors" });
export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\n]|\\.)*"/ });
export const UnterminatedString = createToken({ name: "UnterminatedString", pattern: /"(?:[^"\\\n]|\\.)*/, group: "errors" });

// µ (U+00B5) and μ (U+03BC) may start a name so that units such as `5 µm` lex.
export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_\u00b5\u03bc][A-Za-z0-9_]*/ });
export const NumberLit = createToken({ name: "NumberLit", pattern: /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/ });

const keywordNames = [
  "import", "from", "const", "layer", "param", "device", "external", "let", "forward", "network", "input",
  "nodes", "output", "couple", "via", "train", "on", "init", "range", "per", "shot", "int", "real",
  "complex", "true", "false",
] as const;
export type Keyword = (typeof keywordNames)[number];

export const Keywords: Record<Keyword, TokenType> = Object.fromEntries(
  keywordNames.map((k) => [k, createToken({ name: `Kw_${k}`, pattern: new RegExp(`${k}\\b`), longer_alt: Identifier })]),
) as Record<Keyword, TokenType>;

export const Pipe = createToken({ name: "Pipe", pattern: /\|>/ });
export const BiArrow = createToken({ name: "BiArrow", pattern: /<->/ });
export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });
export const Tilde = createToken({ name: "Tilde", pattern: /~/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", pattern: /\// });
export const Caret = createToken({ name: "Caret", pattern: /\^/ });

/** Order matters: comments before Slash, longer punctuation before shorter, keywords before Identifier. */
export const allTokens: TokenType[] = [
  WhiteSpace, LineComment, BlockComment, UnterminatedComment, StringLit, UnterminatedString,
  NumberLit, ...Object.values(Keywords), Identifier,
  Pipe, BiArrow, Arrow, DotDot, Dot, Comma, Colon, Equals, Tilde,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Plus, Minus, Star, Slash, Caret,
];

export const PnnLexer = new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false });

export const KEYWORDS: readonly string[] = keywordNames;
