/**
 * Client CPU per small request (`process.cpuUsage`, user + system, of this process only):
 * `NodeHttpClient.layerUndici` against this package's client, in interleaved rounds (the order
 * alternates per round) against a minimal node:http server in a child process on loopback.
 * Each round sends N sequential requests, first as bare GETs reading the JSON body, then as
 * `ContainerFiles.retrieve` calls through `ContainersClient` (spans, retries, schema decode);
 * prints every round and the median per client.
 *
 *   pnpm --filter @openai-containers/node exec tsx bench/request-cpu.ts [rounds] [requests]
 */
import { spawn } from "node:child_process"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { ContainerFiles, ContainersClient } from "@openai-containers/core"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { NodeContainersClient } from "../src/index.js"

const server = `
const file = JSON.stringify({ id: "cfile_1", object: "container.file", container_id: "cntr_1", created_at: 1700000000, bytes: 1, path: "/mnt/data/a.txt", source: "user" })
require("node:http").createServer((req, res) => {
  req.resume()
  req.on("end", () => { res.setHeader("content-type", "application/json"); res.end(file) })
}).listen(0, "127.0.0.1", function () { console.log(this.address().port) })
`

const rounds = Number(process.argv[2] ?? 9)
const requests = Number(process.argv[3] ?? 1000)

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["NodeContainersClient.layerHttpClient", NodeContainersClient.layerHttpClient],
]

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Interleaved rounds of `batch` on each runtime; returns each client's median. */
const compare = async <R>(
  title: string,
  runtimes: ReadonlyArray<{
    readonly name: string
    readonly runtime: ManagedRuntime.ManagedRuntime<R, never>
  }>,
  batch: (n: number) => Effect.Effect<unknown, unknown, R>,
) => {
  const perRequest = runtimes.map(() => [] as Array<number>)
  // Warm-up: JIT, connection pool.
  for (const c of runtimes) await c.runtime.runPromise(batch(500))
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0]
    const line: Array<string> = []
    for (const i of order) {
      const before = process.cpuUsage()
      await runtimes[i]!.runtime.runPromise(batch(requests))
      const used = process.cpuUsage(before)
      const ms = (used.user + used.system) / 1000 / requests
      perRequest[i]!.push(ms)
      line.push(`${runtimes[i]!.name} ${ms.toFixed(3)}`)
    }
    console.log(`${title} round ${round + 1}: ${line.join(", ")} ms CPU/request`)
  }
  for (const [i, c] of runtimes.entries()) {
    console.log(`${title} median ${c.name}: ${median(perRequest[i]!).toFixed(3)} ms CPU/request`)
  }
}

const main = async () => {
  const child = spawn(process.execPath, ["-e", server], { stdio: ["ignore", "pipe", "inherit"] })
  const port = await new Promise<string>((resolve) =>
    child.stdout.once("data", (d) => resolve(String(d).trim())),
  )
  const baseUrl = `http://127.0.0.1:${port}/v1`

  const bare = transports.map(([name, layer]) => ({ name, runtime: ManagedRuntime.make(layer) }))
  await compare("GET", bare, (n) =>
    Effect.flatMap(HttpClient.HttpClient, (client) =>
      Effect.repeatN(
        Effect.flatMap(client.get(`${baseUrl}/json`), (r) => r.json),
        n - 1,
      ),
    ),
  )
  for (const c of bare) await c.runtime.dispose()

  const clientLayer = ContainersClient.layer({ baseUrl, apiKey: Redacted.make("sk-bench") })
  const full = transports.map(([name, layer]) => ({
    name,
    runtime: ManagedRuntime.make(Layer.provide(clientLayer, layer)),
  }))
  await compare("retrieve", full, (n) => Effect.repeatN(ContainerFiles.retrieve("cntr_1", "cfile_1"), n - 1))
  for (const c of full) await c.runtime.dispose()
  child.kill()
}

main()
