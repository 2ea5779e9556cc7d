/**
 * Peak memory of the Node client moving a 1 GiB file: `NodeContainerFiles.upload` then
 * `NodeContainerFiles.download`, through the fake API's real HTTP server started as a separate
 * process with the `fake-containers-api` command. The client runs in its own child process
 * too, so its peak RSS counts only the client's work: sampled `process.memoryUsage().rss`
 * every 10 ms and the kernel's `process.resourceUsage().maxRSS`.
 *
 *   pnpm --filter @openai-containers/scripts run memory [-- --mib 1024]
 */

import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import { Effect, Redacted } from "effect"

const apiKey = "sk-memory-fake"
const MiB = 1024 * 1024
const budgetMiB = 150

const flag = (name: string) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}

/** Streams a file through SHA-256 without holding it. */
const hashFile = async (path: string): Promise<string> => {
  const hash = createHash("sha256")
  for await (const chunk of fs.createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer)
  return hash.digest("hex")
}

interface ClientReport {
  readonly uploadSeconds: number
  readonly downloadSeconds: number
  readonly sampledPeakMiB: number
  readonly maxRssMiB: number
  readonly startRssMiB: number
  readonly uploadPeakMiB: number
}

/** The measured process: upload, then download to a second path. */
const client = async (baseUrl: string, source: string, target: string, containerId: string) => {
  let peak = process.memoryUsage().rss
  const start = peak
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 10)
  const layer = NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) })
  const t0 = performance.now()
  const file = await Effect.runPromise(Effect.provide(NodeContainerFiles.upload(containerId, source), layer))
  const t1 = performance.now()
  const uploadPeak = peak
  await Effect.runPromise(Effect.provide(NodeContainerFiles.download(containerId, file.id, target), layer))
  const t2 = performance.now()
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  const report: ClientReport = {
    uploadSeconds: (t1 - t0) / 1000,
    downloadSeconds: (t2 - t1) / 1000,
    sampledPeakMiB: peak / MiB,
    // Linux reports kilobytes.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    startRssMiB: start / MiB,
    uploadPeakMiB: uploadPeak / MiB,
  }
  process.stdout.write(`${JSON.stringify(report)}\n`)
}

const main = async () => {
  const mib = Number(flag("--mib") ?? 1024)
  const here = nodePath.dirname(fileURLToPath(import.meta.url))
  const bin = nodePath.join(here, "..", "packages", "testing", "bin", "fake-containers-api.mjs")
  const server = spawn(process.execPath, [bin, "--port", "0", "--api-key", apiKey], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "memory-"))
  try {
    const baseUrl = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout }).once("line", resolve)
      server.once("exit", (code) => reject(new Error(`fake-containers-api exited with ${code}`)))
    })
    const source = nodePath.join(dir, "source.bin")
    const target = nodePath.join(dir, "target.bin")
    // Written in 1 MiB blocks of varying bytes, so nothing along the way can shortcut it.
    const fd = fs.openSync(source, "w")
    const block = new Uint8Array(MiB)
    for (let i = 0; i < mib; i++) {
      block.fill(i % 251)
      block[0] = i & 0xff
      fs.writeSync(fd, block)
    }
    fs.closeSync(fd)
    const created = await fetch(`${baseUrl}/containers`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "memory" }),
    }).then((r) => r.json() as Promise<{ id: string }>)

    const esbuild = await import("esbuild")
    const bundled = nodePath.join(dir, "memory-client.mjs")
    await esbuild.build({
      entryPoints: [fileURLToPath(import.meta.url)],
      outfile: bundled,
      bundle: true,
      platform: "node",
      format: "esm",
      external: ["esbuild"],
      // undici is CommonJS and requires Node built-ins; give the ESM bundle a `require`.
      banner: {
        js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
      },
      logLevel: "silent",
    })
    const child = spawn(process.execPath, [bundled, "--client", baseUrl, source, target, created.id], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve)
      child.once("exit", (code) => code !== 0 && reject(new Error(`client exited with ${code}`)))
    })
    const report = JSON.parse(line) as ClientReport
    const same = (await hashFile(source)) === (await hashFile(target))
    const peak = Math.max(report.sampledPeakMiB, report.maxRssMiB)
    console.log(
      `node ${process.versions.node}, ${os.cpus().length} CPUs, file ${mib} MiB, fake API in its own process`,
    )
    console.log(
      `upload   ${report.uploadSeconds.toFixed(1)} s  ${(mib / report.uploadSeconds).toFixed(0)} MiB/s`,
    )
    console.log(
      `download ${report.downloadSeconds.toFixed(1)} s  ${(mib / report.downloadSeconds).toFixed(0)} MiB/s`,
    )
    console.log(
      `client RSS: ${report.startRssMiB.toFixed(0)} MiB at start, ${report.uploadPeakMiB.toFixed(0)} MiB peak during the upload, peak ${report.sampledPeakMiB.toFixed(0)} MiB sampled, ` +
        `${report.maxRssMiB.toFixed(0)} MiB maxRSS (budget ${budgetMiB} MiB)`,
    )
    console.log(`downloaded file identical to the source: ${same}`)
    if (!same || peak >= budgetMiB) process.exitCode = 1
  } finally {
    server.kill("SIGTERM")
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === "--client") {
  const [baseUrl, source, target, containerId] = process.argv.slice(3) as [string, string, string, string]
  client(baseUrl, source, target, containerId).catch((error) => {
    console.error(error)
    process.exit(1)
  })
} else {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
