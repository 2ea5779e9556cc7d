/**
 * The runner's 2.x (Effect 4) side. Its contenders live in `scripts/bench-effect4`, where the
 * 2.x packages (named as the 1.x ones) and effect 4 resolve: cold start, transfer and the browser
 * bundle are bundled from there with everything inlined, as for 1.x; the in-process contender
 * is bundled into `scripts/bench-effect4/.tmp` with Effect external (loaded from that package's
 * `node_modules`, as effect 3 is for the runner) and imported by the runner at run time.
 * Effect 4 needs Node >= 22.19, so the whole run, every contender alike, uses one such Node.
 */
import { execFileSync } from "node:child_process"
import * as nodePath from "node:path"
import { pathToFileURL } from "node:url"
import { buildForNode, here } from "./bundle.js"
import type { Contender, Target } from "./contenders/types.js"

/** The 2.x contenders' sources, relative to this folder (`buildForNode` takes such paths). */
export const effect4Sources = "../bench-effect4"

/** Where the in-process 2.x contender is built: beside its `node_modules`. */
export const ours2xDir = nodePath.join(here, effect4Sources, ".tmp")

/** Bundles the in-process 2.x contender (done by the runner's build, under tsx). */
export const buildOurs2x = (): Promise<void> =>
  buildForNode({ contender: `${effect4Sources}/contender.ts` }, ours2xDir, ["effect", "@effect/*"])

export const makeOurs2x = async (target: Target): Promise<Contender> => {
  const url = pathToFileURL(nodePath.join(ours2xDir, "contender.mjs")).href
  const module = (await import(url)) as { readonly make: (target: Target) => Contender }
  return module.make(target)
}

const newEnough = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split(".").map(Number)
  return major > 22 || (major === 22 && minor >= 19)
}

/**
 * The `node` the bundled runner (and so the server and every contender's process) runs on:
 * this one if it is at least 22.19, else `BENCH_NODE` if set, else Node 24 through
 * `npx -y node@24` (its binary, so no npx process sits between the runner and its children).
 */
export const benchNode = (): string => {
  if (newEnough(process.versions.node)) return process.execPath
  if (process.env.BENCH_NODE !== undefined) return process.env.BENCH_NODE
  process.stderr.write(`Node ${process.version} is older than 22.19 (effect 4): running on npx -y node@24\n`)
  // npx's own stderr (npm's warnings about pnpm's settings) is kept for the error, if any.
  const out = execFileSync("npx", ["-y", "node@24", "-p", "process.execPath"], {
    encoding: "utf8",
    stdio: "pipe",
  })
  return out.trim()
}
