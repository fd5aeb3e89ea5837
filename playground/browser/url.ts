/**
 * `node:url` in the playground's bundles: the compiler only turns its own module's file: URL into
 * a path, to find the shipped data/ folder on disk. A page has no such folder (the shipped data
 * reach the loaders as text, playground/host.ts), so this throws, naming itself.
 */
export function fileURLToPath(url: string | URL): string {
  throw new Error(`pnn playground: fileURLToPath(${String(url)}) is not available in the browser (no file system)`);
}
