/**
 * One large transfer in a process of its own, so its peak RSS is the contender's alone. The
 * runner bundles this file with esbuild and runs it with plain `node` (no TypeScript loader in
 * the process), and each contender's code is loaded only when chosen (`ours-2x` is bundled from
 * `scripts/bench-effect4`, where the 2.x packages and effect 4 resolve). Prints one JSON line:
 * `{ ms, cpuMs, bytes, baselineRss, peakRss }` (`cpuMs`: this process's user + system CPU time
 * during the transfer; RSS in bytes: `peakRss` the larger of the kernel's high-water mark for
 * this process (`VmHWM`) and RSS sampled every 10 ms, `baselineRss` the RSS just before the
 * transfer, client built). Not `resourceUsage().maxRSS`: on Linux that also counts the
 * parent's RSS at spawn time.
 *
 *   node transfer.mjs <ours|ours-2x|openai|openai-blob|fetch> <download|upload> <baseUrl> <apiKey> <containerId> <fileId|path>
 *
 * Downloads drain the body (counting bytes) without writing it anywhere; uploads send a file
 * from disk as multipart, and the uploaded file is deleted again afterwards (not timed).
 */
import * as fs from "node:fs"
import type { Job, Prepared } from "./transfer/types.js"

let sampledPeak = 0
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())
}, 10)

/** This process's peak RSS: `VmHWM` where Linux has it, and the samples. */
const peakRss = (): number => {
  let kernel = 0
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"))
    if (match !== null) kernel = Number(match[1]) * 1024
  } catch {
    // Not Linux: the samples alone.
  }
  return Math.max(kernel, sampledPeak, process.memoryUsage.rss())
}

const load = async (contender: string, job: Job): Promise<Prepared> => {
  switch (contender) {
    case "ours":
      return (await import("./transfer/ours.js")).prepare(job)
    case "ours-2x":
      return (await import("../bench-effect4/transfer.js")).prepare(job)
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
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const result = await run()
  const ms = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  const cpuMs = (cpu.user + cpu.system) / 1000
  const peak = peakRss()
  clearInterval(sampler)
  if (result.uploadedId !== undefined) {
    await fetch(`${job.baseUrl}/containers/${job.containerId}/files/${result.uploadedId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${job.apiKey}` },
    })
  }
  process.stdout.write(`${JSON.stringify({ ms, cpuMs, bytes: result.bytes, baselineRss, peakRss: peak })}\n`)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
