/**
 * A cold start: a fresh process that loads one contender's client and retrieves one file. The
 * runner bundles this file with esbuild (each contender in a chunk of its own, loaded only
 * when chosen; `ours-2x` from `scripts/bench-effect4`, where the 2.x packages and effect 4
 * resolve) and times the whole process, from spawn to exit, under plain `node`.
 *
 *   node cold.mjs <ours|ours-2x|openai|fetch> <baseUrl> <apiKey> <containerId> <fileId>
 *
 * Prints the retrieved file's size in bytes.
 */
import type { ColdJob } from "./cold/types.js"

const load = async (contender: string): Promise<(job: ColdJob) => Promise<number>> => {
  switch (contender) {
    case "ours":
      return (await import("./cold/ours.js")).retrieve
    case "ours-2x":
      return (await import("../bench-effect4/cold.js")).retrieve
    case "openai":
      return (await import("./cold/openai.js")).retrieve
    case "fetch":
      return (await import("./cold/fetch.js")).retrieve
    default:
      throw new Error(`unknown contender ${contender}`)
  }
}

const [contender, baseUrl, apiKey, containerId, fileId] = process.argv.slice(2)
if (fileId === undefined) throw new Error("usage: cold <contender> <baseUrl> <apiKey> <containerId> <fileId>")
load(contender!)
  .then((retrieve) => retrieve({ baseUrl: baseUrl!, apiKey: apiKey!, containerId: containerId!, fileId }))
  .then(
    (bytes) => {
      process.stdout.write(`${bytes}\n`)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
