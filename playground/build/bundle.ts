/**
 * Bundles the browser playground with esbuild, in memory. In: pnn's own sources (playground/*.ts
 * and the compiler, runtime and report code they import), data/*.csv, examples/*.pnn and the
 * binaryen package. Out: the site's files — index.html, page.js, worker.js, shared chunks, and
 * binaryen.js (binaryen's ESM build, served as it is and loaded by the worker only when it
 * compiles: it is 15 MB) — as bytes, which `pnn playground` serves or writes to a folder.
 *
 * The compiler is plain TypeScript; the Node built-ins it imports are replaced, module by module,
 * by the browser equivalents in playground/browser/ (NODE_BUILTINS below): a real one where the
 * page needs it (path, sha256, byte order) and, for code the page never runs (writing checkpoints,
 * reading disk), one that throws naming itself. A built-in not in the table, or a name a
 * replacement does not export, fails the bundle. Two modules are generated here:
 * `pnn:shipped-data` (data/*.csv as text, for the data loaders) and `pnn:examples`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { shippedDataDir } from "../../runtime/data/tabular.js";
import { playgroundExamples } from "./examples.js";

/** Node built-in → its replacement in playground/browser/. */
export const NODE_BUILTINS: Readonly<Record<string, string>> = {
  "node:path": "path.ts",
  "node:crypto": "crypto.ts",
  "node:fs": "fs.ts",
  "node:os": "os.ts",
  "node:url": "url.ts",
  "node:module": "module.ts",
  "node:v8": "v8.ts",
  "node:child_process": "device-io.ts",
  "node:net": "device-io.ts",
  "node:string_decoder": "device-io.ts",
  "node:zlib": "zlib.ts",
};

/** npm packages the driver imports that a page must not run → their replacement in playground/browser/. */
export const PACKAGE_REPLACEMENTS: Readonly<Record<string, string>> = {
  // the worker-thread pool (data-parallel training, compiler/driver/parallel/): never started in a page
  piscina: "piscina.ts",
};

export interface SiteFile {
  /** Path in the site, e.g. "worker.js". */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface Site {
  readonly files: readonly SiteFile[];
  /** Every module bundled (relative to pnn's root), for tests that check what went in. */
  readonly inputs: readonly string[];
  readonly seconds: number;
}

/** pnn's root folder (the one with package.json and data/), from source and from dist/ alike. */
export function pnnRoot(): string {
  return path.dirname(shippedDataDir());
}

function builtinsPlugin(root: string): Plugin {
  return {
    name: "pnn-node-builtins",
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (a) => {
        const file = NODE_BUILTINS[a.path];
        if (!file) return { errors: [{ text: `${a.path} (imported by ${path.relative(root, a.importer)}) has no browser replacement in playground/browser/: add one to NODE_BUILTINS in playground/build/bundle.ts` }] };
        return { path: path.join(root, "playground", "browser", file) };
      });
      for (const [pkg, file] of Object.entries(PACKAGE_REPLACEMENTS))
        build.onResolve({ filter: new RegExp(`^${pkg}$`) }, () => ({ path: path.join(root, "playground", "browser", file) }));
      // binaryen stays its own file: the worker imports it only when it compiles
      build.onResolve({ filter: /^binaryen$/ }, () => ({ path: "./binaryen.js", external: true }));
    },
  };
}

function virtualPlugin(root: string): Plugin {
  return {
    name: "pnn-virtual",
    setup(build) {
      build.onResolve({ filter: /^pnn:(shipped-data|examples)$/ }, (a) => ({ path: a.path, namespace: "pnn-virtual" }));
      build.onLoad({ filter: /.*/, namespace: "pnn-virtual" }, (a) => {
        if (a.path === "pnn:shipped-data") {
          const dir = shippedDataDir();
          const files = Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith(".csv")).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
          return { contents: JSON.stringify(files), loader: "json", watchFiles: Object.keys(files).map((f) => path.join(dir, f)) };
        }
        return { contents: JSON.stringify(playgroundExamples(root)), loader: "json" };
      });
    },
  };
}

/** The playground site, bundled in memory. */
export async function bundlePlayground(): Promise<Site> {
  const t0 = performance.now();
  const root = pnnRoot();
  const esbuild = await import("esbuild");
  const src = path.join(root, "playground");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { page: path.join(src, "page.ts"), worker: path.join(src, "worker.ts") },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outdir: "site",
    write: false,
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "silent",
    logOverride: { "import-is-undefined": "error" },
    inject: [path.join(src, "browser", "process.ts")],
    define: { "process.env.NODE_ENV": '"production"' },
    plugins: [builtinsPlugin(root), virtualPlugin(root)],
  });
  const out = path.join(root, "site");
  const files: SiteFile[] = result.outputFiles.map((f) => ({ path: path.relative(out, f.path).split(path.sep).join("/"), bytes: f.contents }));
  files.push({ path: "index.html", bytes: fs.readFileSync(path.join(src, "index.html")) });
  files.push({ path: "binaryen.js", bytes: fs.readFileSync(fileURLToPath(import.meta.resolve("binaryen"))) });
  return { files, inputs: Object.keys(result.metafile.inputs), seconds: (performance.now() - t0) / 1000 };
}

/** Writes the site's files into `dir` (created if needed); returns their paths. */
export function writeSite(site: Site, dir: string): string[] {
  return site.files.map((f) => {
    const file = path.join(dir, ...f.path.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, f.bytes);
    return file;
  });
}
