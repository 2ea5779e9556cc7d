/**
 * Compares the three Node HTTP clients of `@effect/platform-node` / `@effect/platform`, and
 * this package's own client over an undici `Agent` (`NodeContainersClient.layerHttpClient`), on
 * loopback against a minimal node:http server in a child process: sequential and concurrent
 * small JSON requests, a streamed download and a streamed upload, and a `FormData` upload.
 *
 *   pnpm --filter @openai-containers/node exec tsx bench/http-clients.ts
 */
import { spawn } from "node:child_process"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, type Layer, Stream } from "effect"
import { NodeContainersClient } from "../src/index.js"

const server = `
const http = require("node:http")
const chunk = Buffer.alloc(64 * 1024, 7)
http.createServer((req, res) => {
  if (req.url.startsWith("/json")) {
    req.resume()
    req.on("end", () => { res.setHeader("content-type", "application/json"); res.end('{"id":"cfile_1","bytes":1}') })
  } else if (req.url.startsWith("/download")) {
    const total = Number(new URL(req.url, "http://x").searchParams.get("n"))
    res.setHeader("content-length", String(total))
    let sent = 0
    const pump = () => {
      while (sent < total) { sent += chunk.length; if (!res.write(chunk)) return res.once("drain", pump) }
      res.end()
    }
    pump()
  } else {
    let n = 0
    req.on("data", (c) => { n += c.length })
    req.on("end", () => { res.setHeader("content-type", "application/json"); res.end(JSON.stringify({ received: n })) })
  }
}).listen(0, "127.0.0.1", function () { console.log(this.address().port) })
`

const MiB = 1024 * 1024
const big = 256 * MiB

const peak = { rss: 0 }
const sampler = setInterval(() => {
  peak.rss = Math.max(peak.rss, process.memoryUsage().rss)
}, 20)

const time = <A, E>(self: Effect.Effect<A, E, HttpClient.HttpClient>) =>
  Effect.gen(function* () {
    peak.rss = process.memoryUsage().rss
    const start = performance.now()
    const result = yield* Effect.either(self)
    return { ms: performance.now() - start, ok: result._tag === "Right", result, rss: peak.rss }
  })

const run = (base: string) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const json = client.get(`${base}/json`).pipe(Effect.flatMap((r) => r.json))
    const sequential = yield* time(Effect.repeatN(json, 1999))
    const concurrent = yield* time(
      Effect.forEach(Array.from({ length: 2000 }), () => json, { concurrency: 32 }),
    )
    const download = yield* time(
      client
        .get(`${base}/download?n=${big}`)
        .pipe(Effect.flatMap((r) => Stream.runFold(r.stream, 0, (n, c) => n + c.byteLength))),
    )
    const body = Stream.range(1, big / (64 * 1024)).pipe(Stream.map(() => new Uint8Array(64 * 1024)))
    const upload = yield* time(
      client
        .execute(
          HttpClientRequest.post(`${base}/upload`).pipe(
            HttpClientRequest.setBody(HttpBody.stream(body, "application/octet-stream", big)),
          ),
        )
        .pipe(Effect.flatMap((r) => r.json)),
    )
    const form = new FormData()
    form.append("file", new Blob([new Uint8Array(16 * MiB)]), "a.bin")
    const formData = yield* time(
      client
        .execute(HttpClientRequest.post(`${base}/upload`).pipe(HttpClientRequest.bodyFormData(form)))
        .pipe(Effect.flatMap((r) => r.json)),
    )
    return { sequential, concurrent, download, upload, formData }
  })

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layer (node:http)", NodeHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient.layer (global fetch)", FetchHttpClient.layer],
  ["NodeContainersClient.layerHttpClient (own, undici Agent)", NodeContainersClient.layerHttpClient],
]

const main = async () => {
  const child = spawn(process.execPath, ["-e", server], { stdio: ["ignore", "pipe", "inherit"] })
  const port = await new Promise<string>((resolve) =>
    child.stdout.once("data", (d) => resolve(String(d).trim())),
  )
  const base = `http://127.0.0.1:${port}`
  const only = process.argv[2]
  for (const [name, layer] of clients) {
    if (only !== undefined && !name.includes(only)) continue
    const r = await Effect.runPromise(Effect.provide(run(base), layer))
    const mbps = (t: { ms: number }) => ((big / MiB / t.ms) * 1000).toFixed(0)
    console.log(
      `${name}: 2000 sequential ${r.sequential.ms.toFixed(0)} ms; 2000 @32 ${r.concurrent.ms.toFixed(0)} ms; ` +
        `download 256 MiB ${mbps(r.download)} MiB/s (peak RSS ${(r.download.rss / MiB).toFixed(0)} MiB); upload 256 MiB stream ${r.upload.ok ? `${mbps(r.upload)} MiB/s (peak RSS ${(r.upload.rss / MiB).toFixed(0)} MiB)` : "FAILED"}; ` +
        `FormData 16 MiB ${r.formData.ok ? "ok" : `FAILED (${String((r.formData.result as { left: unknown }).left)})`}; ` +
        `peak RSS during FormData ${(r.formData.rss / MiB).toFixed(0)} MiB`,
    )
  }
  clearInterval(sampler)
  child.kill()
}

main()
