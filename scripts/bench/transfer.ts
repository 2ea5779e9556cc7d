/**
 * One large transfer in a process of its own, so its peak RSS is the contender's alone. The
 * runner bundles this file with esbuild and runs it with plain `node` (no TypeScript loader in
 * the process), and each contender's code is loaded only when chosen. Prints one JSON line:
 * `{ ms, bytes, baselineRss, peakRss }` (bytes; `peakRss` is the kernel's high-water mark for
 * the whole process, `baselineRss` the RSS just before the transfer, client built).
 *
 *   node transfer.mjs <ours|openai|openai-blob|fetch> <download|upload> <baseUrl> <apiKey> <containerId> <fileId|path>
 *
 * Downloads drain the body (counting bytes) without writing it anywhere; uploads send a file
 * from disk as multipart, and the uploaded file is deleted again afterwards (not timed).
 */
import type { Job, Prepared } from "./transfer/types.js"

const load = async (contender: string, job: Job): Promise<Prepared> => {
  switch (contender) {
    case "ours":
      return (await import("./transfer/ours.js")).prepare(job)
    case "openai":
      return (await import("./transfer/openai.js")).prepare(job, "stream")
    case "openai-blob":
      return (await import("./transfer/openai.js")).prepare(job, "blob")
    case "fetch":
      return (await import("./transfer/fetch.js")).prepare(job)
    default:
      throw new Error(`unknown contender ${contender}`)
  }
}

const main = async () => {
  const [contender, op, baseUrl, apiKey, containerId, subject] = process.argv.slice(2)
  if (subject === undefined || (op !== "download" && op !== "upload")) {
    throw new Error(
      "usage: transfer <contender> <download|upload> <baseUrl> <apiKey> <containerId> <subject>",
    )
  }
  const job: Job = { op, baseUrl: baseUrl!, apiKey: apiKey!, containerId: containerId!, subject }
  const run = await load(contender!, job)
  const baselineRss = process.memoryUsage.rss()
  const start = performance.now()
  const result = await run()
  const ms = performance.now() - start
  const peakRss = process.resourceUsage().maxRSS * 1024
  if (result.uploadedId !== undefined) {
    await fetch(`${job.baseUrl}/containers/${job.containerId}/files/${result.uploadedId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${job.apiKey}` },
    })
  }
  process.stdout.write(`${JSON.stringify({ ms, bytes: result.bytes, baselineRss, peakRss })}\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
