/**
 * The playground's in-memory file system, as the compiler driver sees it (a SourceHost): the
 * program being edited and the files it may import or name (an example's matrix files), keyed by
 * their resolved paths (under "/" in a page), and the text of the data files shipped with pnn (data/*.csv, bundled
 * into the worker by playground/build/bundle.ts) for the data loaders. Nothing here touches a
 * disk; a path that is not in the map does not exist. Runs in a worker and in Node (tests).
 */
import * as path from "node:path";
import type { SourceHost } from "../compiler/driver/index.js";

/** The data sets the playground trains on: the small ones whose loaders need no disk (mnist needs the mnist package's files). */
export const PLAYGROUND_DATASETS: readonly string[] = ["vowels", "iris", "moons", "spirals", "xor"];

/** A program and the files next to it: paths relative to the program's folder ("matrices/dft8.csv"). */
export interface SourceFiles {
  /** The edited program's file name, e.g. "vowels_mzi.pnn" (spans and diagnostics name it). */
  readonly main: string;
  readonly source: string;
  readonly files: Readonly<Record<string, string>>;
}

export class MemoryHost implements SourceHost {
  private readonly byPath = new Map<string, string>();

  constructor(
    files: Readonly<Record<string, string>>,
    private readonly shipped: Readonly<Record<string, string>>,
  ) {
    for (const [name, text] of Object.entries(files)) this.byPath.set(absolute(name), text);
  }

  readFile(absolutePath: string): string | undefined {
    return this.byPath.get(absolutePath);
  }

  readShippedData(file: string): string | undefined {
    return Object.hasOwn(this.shipped, file) ? this.shipped[file] : undefined;
  }
}

/** A file name as the checker resolves it (in a page the working folder is "/": playground/browser/process.ts). */
export function absolute(name: string): string {
  return path.resolve(name);
}

/** The host for a program and its neighbour files. */
export function hostFor(src: SourceFiles, shipped: Readonly<Record<string, string>>): MemoryHost {
  return new MemoryHost({ ...src.files, [src.main]: src.source }, shipped);
}
