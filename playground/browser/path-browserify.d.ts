// path-browserify ships no types; it is Node's path.posix.
declare module "path-browserify" {
  const posix: typeof import("node:path").posix;
  export default posix;
}
