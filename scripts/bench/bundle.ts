/**
 * The browser bundle of the same small list-and-retrieve program (`bundle/*.ts`) written with
 * this library, the official SDK and plain fetch: esbuild, platform browser, ES2022, minified,
 * then gzip level 9. Deterministic, so measured once.
 */
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import * as esbuild from "esbuild"

export interface BundleSize {
  readonly minified: number
  readonly gzipped: number
}

const here = nodePath.dirname(fileURLToPath(import.meta.url))

export const bundleSize = async (program: "ours" | "openai" | "fetch"): Promise<BundleSize> => {
  const result = await esbuild.build({
    entryPoints: [nodePath.join(here, "bundle", `${program}.ts`)],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  })
  const code = result.outputFiles[0]!.contents
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength }
}

/**
 * Bundles `transfer.ts` for Node into `outdir` (one chunk per contender), so a transfer child
 * runs plain JavaScript with no TypeScript loader. Returns the entry file.
 */
export const buildTransfer = async (outdir: string): Promise<string> => {
  await esbuild.build({
    entryPoints: { transfer: nodePath.join(here, "transfer.ts") },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir,
    outExtension: { ".js": ".mjs" },
    // Some bundled CommonJS modules call `require` for Node built-ins.
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
    },
    logLevel: "silent",
  })
  return nodePath.join(outdir, "transfer.mjs")
}
