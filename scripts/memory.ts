/**
 * Peak memory of the Node client moving a 1 GiB file: `NodeContainerFiles.upload` then
 * `NodeContainerFiles.download`, through the fake API's real HTTP server started as a separate
 * process from the `fake-containers-api` command's entry point. The client runs in its own
 * child process too, so its peak RSS counts only the client's work: sampled
 * `process.memoryUsage().rss` every 10 ms and the kernel's `process.resourceUsage().maxRSS`.
 *
 *   pnpm --filter @openai-containers/scripts run memory [-- --mib 1024] [--twice]
 *     [--retrieve-first] [--node-flags "--liftoff-only"]
 *
 * `--twice` downloads the file a second time in the same process and reports each download's
 * peak: the first pays once-per-process costs (V8 optimizing undici's WebAssembly HTTP parser),
 * the second shows the download's own working set. `--retrieve-first` retrieves the container
 * before the upload, so the process's first response is not the upload's. `--node-flags` passes
 * flags to the client's `node` (V8 flags such as `--liftoff-only` are not allowed in
 * `NODE_OPTIONS`).
 */

import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Containers } from "@openai-containers/core"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import { Effect, Redacted } from "effect"

const apiKey = "sk-memory-fake"
const MiB = 1024 * 1024
// DESIGN §7: the whole client process during a 1 GiB transfer.
const budget = { upload: 100, download: 110 } as const

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
  readonly downloadPeakMiB: number
  readonly secondDownloadPeakMiB: number | undefined
}

/**
 * The measured process: upload, then download to a second path (with `twice`, again to a
 * third). `phasePeak` is the highest RSS sampled since the current phase began.
 */
const client = async (
  baseUrl: string,
  source: string,
  target: string,
  containerId: string,
  options: { readonly twice: boolean; readonly retrieveFirst: boolean },
) => {
  let peak = process.memoryUsage().rss
  let phasePeak = peak
  const start = peak
  const sample = () => {
    const rss = process.memoryUsage().rss
    peak = Math.max(peak, rss)
    phasePeak = Math.max(phasePeak, rss)
  }
  const sampler = setInterval(sample, 10)
  const endPhase = () => {
    sample()
    const phase = phasePeak
    phasePeak = 0
    return phase / MiB
  }
  const layer = NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) })
  if (options.retrieveFirst) await Effect.runPromise(Effect.provide(Containers.retrieve(containerId), layer))
  const t0 = performance.now()
  const file = await Effect.runPromise(Effect.provide(NodeContainerFiles.upload(containerId, source), layer))
  const t1 = performance.now()
  const uploadPeak = endPhase()
  await Effect.runPromise(Effect.provide(NodeContainerFiles.download(containerId, file.id, target), layer))
  const t2 = performance.now()
  const downloadPeak = endPhase()
  let secondDownloadPeak: number | undefined
  if (options.twice) {
    const again = `${target}.2`
    await Effect.runPromise(Effect.provide(NodeContainerFiles.download(containerId, file.id, again), layer))
    secondDownloadPeak = endPhase()
    fs.rmSync(again)
  }
  clearInterval(sampler)
  sample()
  const report: ClientReport = {
    uploadSeconds: (t1 - t0) / 1000,
    downloadSeconds: (t2 - t1) / 1000,
    sampledPeakMiB: peak / MiB,
    // Linux reports kilobytes.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    startRssMiB: start / MiB,
    uploadPeakMiB: uploadPeak,
    downloadPeakMiB: downloadPeak,
    secondDownloadPeakMiB: secondDownloadPeak,
  }
  process.stdout.write(`${JSON.stringify(report)}\n`)
}

const main = async () => {
  const mib = Number(flag("--mib") ?? 1024)
  const here = nodePath.dirname(fileURLToPath(import.meta.url))
  // The command's TypeScript entry under tsx (resolved from this folder): the published command
  // runs the package's built JavaScript, which a fresh checkout does not have.
  const bin = nodePath.join(here, "..", "packages", "testing", "src", "bin.ts")
  const server = spawn(process.execPath, ["--import", "tsx", bin, "--port", "0", "--api-key", apiKey], {
    cwd: here,
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
      // This repository's packages from their TypeScript sources (their `exports` condition).
      conditions: ["@openai-containers/source"],
      // undici is CommonJS and requires Node built-ins; give the ESM bundle a `require`.
      banner: {
        js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
      },
      logLevel: "silent",
    })
    const nodeFlags = (flag("--node-flags") ?? "").split(" ").filter((f) => f !== "")
    const passed = ["--twice", "--retrieve-first"].filter((f) => process.argv.includes(f))
    const child = spawn(
      process.execPath,
      [...nodeFlags, bundled, "--client", baseUrl, source, target, created.id, ...passed],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    )
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve)
      child.once("exit", (code) => code !== 0 && reject(new Error(`client exited with ${code}`)))
    })
    const report = JSON.parse(line) as ClientReport
    const same = (await hashFile(source)) === (await hashFile(target))
    console.log(
      `node ${process.versions.node}${nodeFlags.length > 0 ? ` ${nodeFlags.join(" ")}` : ""}, ${os.cpus().length} CPUs, file ${mib} MiB, fake API in its own process${passed.length > 0 ? ` (${passed.join(" ")})` : ""}`,
    )
    console.log(
      `upload   ${report.uploadSeconds.toFixed(1)} s  ${(mib / report.uploadSeconds).toFixed(0)} MiB/s`,
    )
    console.log(
      `download ${report.downloadSeconds.toFixed(1)} s  ${(mib / report.downloadSeconds).toFixed(0)} MiB/s`,
    )
    console.log(
      `client RSS: ${report.startRssMiB.toFixed(0)} MiB at start, ${report.uploadPeakMiB.toFixed(0)} MiB peak during the upload, ${report.downloadPeakMiB.toFixed(0)} MiB during the download` +
        (report.secondDownloadPeakMiB === undefined
          ? ""
          : `, ${report.secondDownloadPeakMiB.toFixed(0)} MiB during the second download`) +
        `; peak ${report.sampledPeakMiB.toFixed(0)} MiB sampled, ${report.maxRssMiB.toFixed(0)} MiB maxRSS (targets: upload ${budget.upload}, download ${budget.download} MiB)`,
    )
    console.log(`downloaded file identical to the source: ${same}`)
    const over = report.uploadPeakMiB > budget.upload || report.downloadPeakMiB > budget.download
    if (!same || over) process.exitCode = 1
  } finally {
    server.kill("SIGTERM")
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === "--client") {
  const [baseUrl, source, target, containerId] = process.argv.slice(3) as [string, string, string, string]
  client(baseUrl, source, target, containerId, {
    twice: process.argv.includes("--twice"),
    retrieveFirst: process.argv.includes("--retrieve-first"),
  }).catch((error) => {
    console.error(error)
    process.exit(1)
  })
} else {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
