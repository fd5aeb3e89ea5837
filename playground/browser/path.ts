/**
 * `node:path` in the playground's bundles: path-browserify, a port of Node's own path.posix
 * (pure string functions). The compiler uses it for import resolution and spans; in the browser
 * every file lives under "/" (playground/browser/process.ts gives cwd() = "/").
 */
/// <reference path="./path-browserify.d.ts" />
import posix from "path-browserify";

export default posix;
export const { basename, delimiter, dirname, extname, format, isAbsolute, join, normalize, parse, relative, resolve, sep } = posix;
export { posix };
