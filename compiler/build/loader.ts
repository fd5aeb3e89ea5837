/**
 * The text of a built model's loader (`model.mjs`) and its types (`model.d.ts`). The loader is
 * dependency-free ES2020 that runs in Node ≥ 18 and browsers: it fetches (or reads, for file:
 * URLs) `model.wasm` next to itself, checks that its SHA-256 is the one this build wrote (so a
 * model.wasm of another build, or a tampered or truncated one, is a clear Error, not garbage or
 * a trap), instantiates it with Math's functions as imports, and runs samples in full batches
 * through the batched entry and the rest one at a time: copy the rows into the input tensor,
 * call the entry, copy the outputs out. Wrong input lengths, non-finite values and values beyond
 * float32's range are Errors thrown before the module runs; outputs that overflow (Infinity or
 * NaN from finite inputs far outside what the model was trained on) are Errors after it.
 */

export interface ModelInfo {
  readonly network: string;
  readonly source: string;
  readonly sourceHash: string;
  /** which program was built: the digital twin (the device model without per-chip draws) */
  readonly program: "twin";
  readonly inputs: readonly { name: string; shape: readonly number[] }[];
  readonly outputs: readonly { name: string; shape: readonly number[]; description: string }[];
  readonly classes: readonly string[] | null;
  readonly dataset: string;
  /** x = (log?(raw) − mean) / std, when the data set normalises its raw features */
  readonly normalization: { log: boolean; mean: number[]; std: number[] } | null;
  /** the device model the network was trained for: per-chip variables and their distributions */
  readonly device: { readonly hasDevice: boolean; readonly chipVariables: readonly { path: string; shape: readonly number[]; distribution: string }[] };
  readonly weights: string;
  readonly flopsPerInference: number;
  /** what runs it: the wasm backend's program (f32, SIMD128) with the rows of its batched entry */
  readonly engine: string;
  /** SHA-256 (hex) of the model.wasm this loader belongs to; load() refuses any other bytes (the WebGPU artifact has none) */
  readonly wasmSha256?: string;
}

/** A tensor in the module's memory: byte offset, element count, storage type. */
export interface LoaderSlot {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
  readonly storage: "f32" | "f64";
}

/** How the loader drives model.wasm: a one-row entry, and optionally a batched one. */
export interface LoaderLayout {
  readonly input: LoaderSlot;
  readonly outputs: readonly LoaderSlot[];
  /** functions the module imports: Math's (any module name), or pnn.fail (a run-time failure) */
  readonly imports: readonly { module: string; name: string }[];
  readonly entry: string;
  /** The entry that runs `rows` samples at once (full batches run through it, the rest row by row). */
  readonly batch?: { readonly rows: number; readonly entry: string; readonly input: LoaderSlot; readonly outputs: readonly LoaderSlot[] };
}

/** SHA-256's round constants (FIPS 180-4 §4.2.2), as the loader's text spells them. */
const SHA256_K =
  "428a2f98 71374491 b5c0fbcf e9b5dba5 3956c25b 59f111f1 923f82a4 ab1c5ed5 d807aa98 12835b01 243185be 550c7dc3 72be5d74 80deb1fe 9bdc06a7 c19bf174 " +
  "e49b69c1 efbe4786 0fc19dc6 240ca1cc 2de92c6f 4a7484aa 5cb0a9dc 76f988da 983e5152 a831c66d b00327c8 bf597fc7 c6e00bf3 d5a79147 06ca6351 14292967 " +
  "27b70a85 2e1b2138 4d2c6dfc 53380d13 650a7354 766a0abb 81c2c92e 92722c85 a2bfe8a1 a81a664b c24b8b70 c76c51a3 d192e819 d6990624 f40e3585 106aa070 " +
  "19a4c116 1e376c08 2748774c 34b0bcb5 391c0cb3 4ed8aa4a 5b9cca4f 682e6ff3 748f82ee 78a5636f 84c87814 8cc70208 90befffa a4506ceb bef9a3f7 c67178f2";

/**
 * SHA-256 in plain JavaScript, as text for the loader (crypto.subtle is missing in Node 18 and
 * on plain-http pages, so the loader carries its own). test/build/artifact.test.ts checks it
 * against node:crypto.
 */
export const SHA256_SOURCE = `const SHA256_K = Uint32Array.from("${SHA256_K}".split(" "), (h) => parseInt(h, 16));
function sha256(bytes) {
  const n = bytes.length;
  const padded = new Uint8Array(((n + 72) >> 6) << 6);
  padded.set(bytes);
  padded[n] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, Math.floor(n / 0x20000000));
  dv.setUint32(padded.length - 4, (n << 3) >>> 0);
  const H = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
  const W = new Uint32Array(64);
  const r = (x, k) => (x >>> k) | (x << (32 - k));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = dv.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) W[i] = W[i - 16] + (r(W[i - 15], 7) ^ r(W[i - 15], 18) ^ (W[i - 15] >>> 3)) + W[i - 7] + (r(W[i - 2], 17) ^ r(W[i - 2], 19) ^ (W[i - 2] >>> 10));
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (r(e, 6) ^ r(e, 11) ^ r(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + W[i]) | 0;
      const t2 = ((r(a, 2) ^ r(a, 13) ^ r(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
  }
  return Array.from(H, (x) => x.toString(16).padStart(8, "0")).join("");
}`;

/** The largest finite float32: inputs beyond it would be stored as Infinity by the simd engine. */
const F32_MAX = 3.4028234663852886e38;

export function loaderText(info: ModelInfo, layout: LoaderLayout): string {
  return `// model.mjs — generated by \`pnn build\` from ${info.source} (network ${info.network}).
// Dependency-free loader for model.wasm (Node >= 18 and browsers):
//   const m = await load(); const logits = m.predict(new Float32Array(${layout.input.length}));
export const info = ${JSON.stringify(info)};
const LAYOUT = ${JSON.stringify(layout)};
const LIMIT = ${layout.input.storage === "f32" ? F32_MAX : "Number.MAX_VALUE"};
${SHA256_SOURCE}

async function wasmBytes(source) {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  const url = new URL(source ?? "model.wasm", import.meta.url);
  if (url.protocol === "file:") return (await import("node:fs/promises")).readFile(url);
  const r = await fetch(url);
  if (!r.ok) throw new Error(\`model.wasm: \${url} answered \${r.status}\`);
  return r.arrayBuffer();
}

/** The bytes, checked to be the model.wasm this loader was built with. */
function verified(data, where) {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const got = sha256(bytes);
  if (got !== info.wasmSha256)
    throw new Error(\`\${info.network}: \${where} is not the model.wasm of this model.mjs (its SHA-256 is \${got.slice(0, 16)}…, this build wrote \${info.wasmSha256.slice(0, 16)}…): it was changed, truncated or comes from another build; copy model.wasm and model.mjs of one pnn build together\`);
  return bytes;
}

/** Loads the model; \`source\` is model.wasm's URL or path (default: next to this file), its bytes, or a compiled WebAssembly.Module (whose bytes are then not checked). */
export async function load(source) {
  const imports = {};
  for (const { module, name } of LAYOUT.imports)
    (imports[module] ??= {})[name] = module === "pnn" ? (code) => { throw new Error(\`\${info.network}: the model failed at run time (code \${code})\`); } : Math[name];
  const where = source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? "the bytes given to load()" : String(source ?? "model.wasm");
  const instance = source instanceof WebAssembly.Module
    ? await WebAssembly.instantiate(source, imports)
    : (await WebAssembly.instantiate(verified(await wasmBytes(source), where), imports)).instance;
  if (!(instance.exports.memory instanceof WebAssembly.Memory) || typeof instance.exports[LAYOUT.entry] !== "function")
    throw new Error(\`\${info.network}: the module has no memory or no \${LAYOUT.entry} function: it is not the model.wasm of this model.mjs\`);
  const buf = instance.exports.memory.buffer;
  const view = (s) => new (s.storage === "f64" ? Float64Array : Float32Array)(buf, s.offset, s.length);
  const input = view(LAYOUT.input);
  const outputs = LAYOUT.outputs.map(view);
  const entry = instance.exports[LAYOUT.entry];
  const B = LAYOUT.batch;
  const batchInput = B && view(B.input);
  const batchOutputs = B && B.outputs.map(view);
  const batchEntry = B && instance.exports[B.entry];
  const F = LAYOUT.input.length;
  function check(x) {
    if (x == null || typeof x.length !== "number") throw new TypeError(\`\${info.network}: the input must be a Float32Array (or an array of numbers), got \${x}\`);
    if (x.length === 0 || x.length % F !== 0) throw new RangeError(\`\${info.network}: the input has \${x.length} values; the model takes \${F} per sample\`);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(\`\${info.network}: input value \${i} is \${v}, not a finite number\`);
      if (Math.abs(v) > LIMIT) throw new RangeError(\`\${info.network}: input value \${i} is \${v}, beyond the largest \${LAYOUT.input.storage === "f32" ? "float32" : "float64"} the model computes in\`);
    }
    return x.length / F;
  }
  /** Refuses outputs that overflowed: y holds samples of output o from sample s on, computed from x. */
  function finite(y, o, s, x) {
    for (let j = 0; j < y.length; j++)
      if (!Number.isFinite(y[j]) || Math.abs(y[j]) > 3.4028234663852886e38) {
        const at = s + Math.floor(j / o.length);
        let big = 0;
        for (let i = 0; i < F; i++) big = Math.max(big, Math.abs(x[at * F + i]));
        throw new RangeError(\`\${info.network}: sample \${at}: output \${o.name}[\${j % o.length}] overflows (\${y[j]}) for this input, whose largest value is \${big}; the model was trained on \${info.normalization ? "normalised features of order 1 (see info.normalization)" : "inputs like its data set's"}\`);
      }
  }
  /** Every output, for one or more samples (rows of F values); each output is samples × its size. */
  function run(x) {
    const n = check(x);
    const out = Object.fromEntries(LAYOUT.outputs.map((o) => [o.name, new Float32Array(n * o.length)]));
    let s = 0;
    // full batches through the batched entry, the rest one row at a time
    if (B) for (; s + B.rows <= n; s += B.rows) {
      for (let i = 0; i < B.rows * F; i++) batchInput[i] = x[s * F + i];
      batchEntry();
      LAYOUT.outputs.forEach((o, k) => {
        finite(batchOutputs[k], o, s, x);
        out[o.name].set(batchOutputs[k], s * o.length);
      });
    }
    for (; s < n; s++) {
      for (let i = 0; i < F; i++) input[i] = x[s * F + i];
      entry();
      LAYOUT.outputs.forEach((o, k) => {
        finite(outputs[k], o, s, x);
        out[o.name].set(outputs[k], s * o.length);
      });
    }
    return out;
  }
  const predict = (x) => run(x)[LAYOUT.outputs[0].name];
${classifyText(false, "LAYOUT.outputs[0].length")}
  return { info, predict, run, classify };
}
`;
}

/**
 * The loader's `classify(x)`: the index of the largest of each row's `classes` outputs. `wait`:
 * the WebGPU loader's predict() is asynchronous. One text for both targets.
 */
export function classifyText(wait: boolean, classes: string): string {
  return `  ${wait ? "async " : ""}function classify(x) {
    const y = ${wait ? "await " : ""}predict(x);
    const C = ${classes};
    const k = [];
    for (let s = 0; s < y.length / C; s++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (y[s * C + c] > y[s * C + best]) best = c;
      k.push(best);
    }
    return k;
  }`;
}

/**
 * The `ModelInfo` declaration of an artifact's model.d.ts (the loader's `info`), one text for
 * both targets: `engine` documents what runs the model, `extra` adds the target's own fields.
 */
export function modelInfoDeclaration(engine: string, extra = ""): string {
  return `export interface ModelInfo {
  readonly network: string;
  readonly source: string;
  readonly sourceHash: string;
  readonly program: "twin";
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly outputs: readonly { readonly name: string; readonly shape: readonly number[]; readonly description: string }[];
  /** class names of the training data set, in output order (null when it has none) */
  readonly classes: readonly string[] | null;
  readonly dataset: string;
  /** how the data set mapped raw features to inputs: x = (log?(raw) − mean) / std */
  readonly normalization: { readonly log: boolean; readonly mean: readonly number[]; readonly std: readonly number[] } | null;
  /** the device model the network was trained for */
  readonly device: { readonly hasDevice: boolean; readonly chipVariables: readonly { readonly path: string; readonly shape: readonly number[]; readonly distribution: string }[] };
  /** where the weights came from (a checkpoint, or a fresh initialisation) */
  readonly weights: string;
  readonly flopsPerInference: number;
  /** ${engine} */
  readonly engine: string;${extra}
}
`;
}

export function typesText(info: ModelInfo): string {
  const outputs = info.outputs.map((o) => `${JSON.stringify(o.name)}: Float32Array`).join("; ");
  return `// model.d.ts — generated by \`pnn build\` from ${info.source} (network ${info.network}).
${modelInfoDeclaration("what runs it: the wasm backend's program (f32, SIMD128) with the rows of its batched entry", `
  /** SHA-256 (hex) of the model.wasm this loader belongs to; load() refuses any other bytes */
  readonly wasmSha256: string;`)}
export interface Model {
  readonly info: ModelInfo;
  /** ${info.outputs[0]!.name} for one sample (${info.inputs[0]!.shape[0]} values) or several (rows); throws RangeError on a wrong length, a non-finite value, or outputs that overflow */
  predict(x: Float32Array | Float64Array | readonly number[]): Float32Array;
  /** every output for one or more samples */
  run(x: Float32Array | Float64Array | readonly number[]): { ${outputs} };
  /** the index of the largest ${info.outputs[0]!.name} entry, per sample */
  classify(x: Float32Array | Float64Array | readonly number[]): number[];
}

export declare const info: ModelInfo;
/** Loads the model; source: model.wasm's URL or path (default: next to model.mjs), its bytes (checked against info.wasmSha256), or a compiled module. */
export declare function load(source?: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module): Promise<Model>;
`;
}
