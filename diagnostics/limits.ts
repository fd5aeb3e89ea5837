/**
 * The front end's budgets, in one table: how much pnn reads, parses, elaborates and prints for
 * one input before it stops with a diagnostic. Each limit is enforced before the work it bounds
 * (a file is never read past its limit; elaboration stops when its budget runs out), so a
 * hostile or broken input costs bounded time and memory. docs/security.md lists them with the
 * diagnostic each one gives. Values only: the checks live with the code that does the work.
 */

/** A .pnn file (the one named on the command line or an import): PNN1004 beyond this. */
export const MAX_SOURCE_BYTES = 1_000_000;
/** A file an argument names (`optics.unitary_mesh(matrix: "u.csv")`): PNN2040 beyond this. */
export const MAX_MATRIX_FILE_BYTES = 16_000_000;
/** A data file (`csv("…")`, `pnn infer --input FILE`): refused beyond this. */
export const MAX_DATA_FILE_BYTES = 256_000_000;
/** A checkpoint (`--weights`, `--resume`): PNN6003 / a usage error beyond this (2 GiB: 2^28 float64 values). */
export const MAX_CHECKPOINT_BYTES = 2 ** 31;

/**
 * Tokens of one file (comments aside). The parser's concrete syntax tree costs up to ~3.5 KB per
 * token (`f(1, 1, …)`: ten tree nodes per argument), so this keeps a parse under ~400 MB; the
 * examples have 300–1,500 tokens. PNN1004 beyond it, before parsing.
 */
export const MAX_TOKENS = 100_000;
/** Brackets/unary operators nested deeper than this are refused before parsing (PNN1005). */
export const MAX_NESTING = 64;
/**
 * Depth of one expression's syntax tree (a chain `1 + 1 + …` of n terms is n deep). Every
 * consumer of the AST (checker, formatter, language server, `pnn ast`'s JSON) handles this
 * depth; beyond it the file is refused with PNN1005. JSON.stringify, the most recursive of
 * them, fails near 4,100 levels on Node 20's default stack.
 */
export const MAX_EXPRESSION_DEPTH = 2_500;
/** Syntax errors collected per file before the parser stops reporting (then one PNN1007). */
export const MAX_SYNTAX_DIAGNOSTICS = 1_000;

/**
 * Elaboration work per check: every expression the checker evaluates (user layers are inlined,
 * so a layer called twice by a layer called twice … costs 2^depth) counts one step. Beyond
 * this the check stops with PNN2080. The largest example (examples/diffractive_mnist.pnn) uses 151.
 */
export const MAX_ELABORATION_STEPS = 1_000_000;
/** User layers calling user layers, deeper than this: PNN2080. */
export const MAX_LAYER_DEPTH = 64;
/** Files importing files, deeper than this: PNN2080. */
export const MAX_IMPORT_DEPTH = 32;

/** Elements of one tensor (a declared type, a layer's output or a parameter): PNN2009 beyond this. */
export const MAX_TENSOR_ELEMENTS = 1 << 26;
/**
 * Values one training step holds, estimated at check time as batch × (elements of every
 * network node per sample) + 4 × (parameter elements: value, gradient, two optimizer moments).
 * 2^28 float64 values are 2 GiB; beyond this a train block is refused with PNN2081.
 */
export const MAX_TRAINING_VALUES = 1 << 28;
/** The largest `batch` a train block may ask for, whatever the network (PNN2081). */
export const MAX_BATCH = 1 << 20;

/** Diagnostics printed per file; the rest are counted in one "N more" line. */
export const MAX_PRINTED_DIAGNOSTICS_PER_FILE = 100;
/** Characters of a message printed (a message quotes names, and a name may be 100,000 characters long). */
export const MAX_MESSAGE_CHARS = 1_000;
/** Characters of a source line shown as a diagnostic's context (cut around the column). */
export const MAX_CONTEXT_CHARS = 120;
/** "Did you mean" looks at names up to this long, and at most this many candidates. */
export const MAX_SUGGESTION_NAME_LENGTH = 64;
export const MAX_SUGGESTION_CANDIDATES = 2_000;

/**
 * One line a device sends (docs/hardware.md): a reply longer than this is a protocol error
 * (PNN6031) and is not buffered further, so a device that never ends a line cannot exhaust
 * memory. A batch of 4,096 rows of 1,000 values at ~25 characters each fits.
 */
export const MAX_DEVICE_LINE_BYTES = 128 * 1024 * 1024;
/** Characters of a device program's standard error kept, to quote when it fails. */
export const MAX_DEVICE_STDERR_CHARS = 2_000;
