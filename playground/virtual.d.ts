// Modules playground/build/bundle.ts generates at bundle time, from the same files the CLI reads.

/** data/*.csv shipped with pnn, by file name: the text the data loaders parse. */
declare module "pnn:shipped-data" {
  const files: Readonly<Record<string, string>>;
  export default files;
}

/** The examples/ programs that train on a playground data set, with the files they name. */
declare module "pnn:examples" {
  const examples: readonly import("./examples.js").Example[];
  export default examples;
}
