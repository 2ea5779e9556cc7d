/**
 * `core` + `browser` (2.x) must bundle for a browser with no Node built-in and no polyfill.
 * esbuild on `platform: "browser"` cannot resolve `node:*` modules, so a build that pulls one in
 * fails; the metafile is checked too, in case a built-in ever arrives some other way.
 */

import { builtinModules } from "node:module"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as esbuild from "esbuild"
import { bundle } from "./demoServer.js"

const here = nodePath.dirname(fileURLToPath(import.meta.url))
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

const build = (options: esbuild.BuildOptions) =>
  Effect.promise(() =>
    esbuild.build({
      bundle: true,
      minify: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      // The workspace's packages from their TypeScript sources (their `exports` condition).
      conditions: ["@openai-containers/source"],
      write: false,
      metafile: true,
      logLevel: "silent",
      ...options,
    }),
  )

const nodeOnly = (metafile: esbuild.Metafile): Array<string> =>
  Object.entries(metafile.inputs).flatMap(([input, { imports }]) => [
    ...(input.includes("platform-node") ? [input] : []),
    ...imports.filter((i) => builtins.has(i.path) || i.path.includes("platform-node")).map((i) => i.path),
  ])

describe("browser bundle", () => {
  it.effect("core + browser bundle for the browser without any Node built-in", () =>
    Effect.gen(function* () {
      const result = yield* build({
        stdin: {
          contents: 'export * from "@openai-containers/core"\nexport * from "../src/index.ts"\n',
          resolveDir: here,
          loader: "ts",
        },
      })
      expect(result.errors).toEqual([])
      expect(nodeOnly(result.metafile!)).toEqual([])
      // Relative to the working directory: resolved, so the checks name the packages' own folders.
      const inputs = Object.keys(result.metafile!.inputs).map((input) => nodePath.resolve(input))
      expect(inputs.some((i) => i.includes("packages/effect4/browser/src/BrowserContainersClient.ts"))).toBe(
        true,
      )
      expect(inputs.some((i) => i.includes("packages/effect4/core/src/ContainerFiles.ts"))).toBe(true)
      expect(inputs.some((i) => i.includes("effect@4.1.0"))).toBe(true)
      expect(inputs.some((i) => i.includes("effect@3."))).toBe(false)
    }),
  )

  it.effect("the example page on Effect 4 bundles within its size budget", () =>
    Effect.gen(function* () {
      const result = yield* Effect.promise(bundle)
      expect(nodeOnly(result.metafile)).toEqual([])
      const minified = result.outputFiles[0]!.contents
      const gzipped = gzipSync(minified, { level: 9 }).byteLength
      console.log(
        `test/fixtures/page.ts (Effect 4): ${(minified.byteLength / 1024).toFixed(1)} KiB minified, ` +
          `${(gzipped / 1024).toFixed(1)} KiB minified+gzipped`,
      )
      // The 1.x page's budget; it catches a large accidental dependency.
      expect(gzipped).toBeLessThan(160 * 1024)
    }),
  )
})
