/**
 * The browser bundle of the same small list-and-retrieve program (`bundle/*.ts`, and
 * `../bench-effect4/bundle.ts` for 2.x) written with this library, the official SDK and plain
 * fetch: esbuild, platform browser, ES2022, minified, then gzip level 9. Deterministic, so
 * measured once.
 */
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"

export interface BundleSize {
  readonly minified: number
  readonly gzipped: number
}

/**
 * This folder, the TypeScript sources. The runner also runs as a bundle built elsewhere (see
 * `buildRunner`), which names the sources through `BENCH_SOURCES`.
 */
export const here = process.env.BENCH_SOURCES ?? nodePath.dirname(fileURLToPath(import.meta.url))

// This repository's packages are bundled from their TypeScript sources (their `exports` condition).
const conditions = ["@openai-containers/source"]

// Some bundled CommonJS modules call `require` for Node built-ins.
const requireBanner =
  'import { createRequire as bannerRequire } from "node:module"; const require = bannerRequire(import.meta.url);'

/** The bundle of `program`, a file relative to this folder. */
export const bundleSize = async (program: string): Promise<BundleSize> => {
  const result = await esbuild.build({
    entryPoints: [nodePath.join(here, program)],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    conditions,
    write: false,
    logLevel: "silent",
  })
  const code = result.outputFiles[0]!.contents
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength }
}

/** Bundles `entries` (files relative to this folder) for Node into `outdir`, as `<name>.mjs` files. */
export const buildForNode = async (
  entries: Readonly<Record<string, string>>,
  outdir: string,
  external: Array<string> = [],
): Promise<void> => {
  await esbuild.build({
    entryPoints: Object.fromEntries(
      Object.entries(entries).map(([name, file]) => [name, nodePath.join(here, file)]),
    ),
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir,
    outExtension: { ".js": ".mjs" },
    external,
    conditions,
    banner: { js: requireBanner },
    logLevel: "silent",
  })
}

/**
 * Bundles `transfer.ts` for Node into `outdir` (one chunk per contender), so a transfer child
 * runs plain JavaScript with no TypeScript loader. Returns the entry file.
 */
export const buildTransfer = async (outdir: string): Promise<string> => {
  await buildForNode({ transfer: "transfer.ts" }, outdir)
  return nodePath.join(outdir, "transfer.mjs")
}

/** Bundles `cold.ts` for Node into `outdir` (one chunk per contender). Returns the entry file. */
export const buildCold = async (outdir: string): Promise<string> => {
  await buildForNode({ cold: "cold.ts" }, outdir)
  return nodePath.join(outdir, "cold.mjs")
}

/**
 * Bundles the runner and the server for Node into `outdir`, which must lie inside `scripts/`:
 * Effect, the `openai` SDK and esbuild stay external and load from `scripts/node_modules`, as a
 * user's program loads them; this repository's packages are compiled in from their TypeScript
 * sources. Measured code then runs as plain JavaScript: under tsx, whose transform keeps function
 * names by wrapping every function made at run time in a call that defines its `name`, our
 * client spent about a fifth more CPU per page walk than the same code compiled. Published
 * packages are compiled by tsc, which adds no such wrapper.
 */
export const buildRunner = async (outdir: string): Promise<{ runner: string; server: string }> => {
  await buildForNode({ run: "run.ts", server: "server.ts" }, outdir, [
    "effect",
    "@effect/*",
    "openai",
    "esbuild",
  ])
  return { runner: nodePath.join(outdir, "run.mjs"), server: nodePath.join(outdir, "server.mjs") }
}
