/**
 * An example program as the playground offers it: examples/NAME.pnn, the files it reads
 * (matrix files, by path relative to examples/) and what its first train block trains on.
 * Chosen at bundle time (playground/build/examples.ts): the examples whose every train block
 * uses a data set the playground has.
 */
export interface Example {
  readonly name: string;
  readonly source: string;
  readonly files: Readonly<Record<string, string>>;
  /** `Network on data, rule` of its first train block. */
  readonly title: string;
}

/** The program opened first: the flagship. */
export const FLAGSHIP = "vowels_mzi.pnn";
