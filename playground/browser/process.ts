/**
 * The `process` the compiler's code sees inside the playground's bundles (esbuild `inject`: it
 * replaces the free name `process` in bundled modules; nothing is put on globalThis, so libraries
 * that look for Node — binaryen — still see a browser). Every file of a page lives under "/".
 */
export const process = {
  cwd: (): string => "/",
  env: {} as Record<string, string | undefined>,
  pid: 0,
  kill(pid: number): never {
    throw new Error(`pnn playground: process.kill(${pid}) is not available in the browser`);
  },
};
