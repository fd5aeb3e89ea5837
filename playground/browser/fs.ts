/**
 * `node:fs` in the playground's bundles. A page has no file system: the program, the files it
 * imports and the shipped data sets reach the compiler as text (playground/host.ts), and nothing
 * is written (the artifact comes back as bytes). Code the bundle contains but the playground never
 * runs (checkpoints, metrics files, the wasm cache, the disk readers) still imports these names:
 * each one throws an error with code ENOENT, so code that probes for a file (realpath, stat)
 * reads "no such file" — true in a page — and code that writes fails loudly with its own name.
 */
function unavailable(name: string): never {
  const e = new Error(`pnn playground: fs.${name} is not available in the browser (no file system)`) as Error & { code: string };
  e.code = "ENOENT";
  throw e;
}

const fn = (name: string) => (..._args: unknown[]): never => unavailable(name);

export const existsSync = (_p: unknown): boolean => false;
export const appendFileSync = fn("appendFileSync");
export const closeSync = fn("closeSync");
export const fstatSync = fn("fstatSync");
export const fsyncSync = fn("fsyncSync");
export const mkdirSync = fn("mkdirSync");
export const openSync = fn("openSync");
export const readFileSync = fn("readFileSync");
export const readSync = fn("readSync");
export const readdirSync = fn("readdirSync");
export const renameSync = fn("renameSync");
export const rmSync = fn("rmSync");
export const statSync = fn("statSync");
export const writeFileSync = fn("writeFileSync");
export const writeSync = fn("writeSync");
export const realpathSync = Object.assign(fn("realpathSync"), { native: fn("realpathSync.native") });
export const constants = { O_RDONLY: 0, O_NONBLOCK: 0, O_NOCTTY: 0, O_WRONLY: 1, O_CREAT: 0o100, O_TRUNC: 0o1000 };
