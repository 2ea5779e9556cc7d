/**
 * Serves the browser example: the page, its bundle (built in memory by esbuild), and a proxy
 * at `/v1` that adds the API key and forwards to the API. This is the setup the browser
 * package recommends: the key stays on the server, the page holds none.
 *
 * Run it alone to try the page against the fake API (started in this process on loopback):
 *
 *   pnpm --filter @openai-containers/examples run browser          # prints the page's URL
 *   pnpm --filter @openai-containers/examples run browser:smoke    # build, serve, check, exit
 */

import * as fs from "node:fs"
import * as http from "node:http"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = nodePath.dirname(fileURLToPath(import.meta.url))

/**
 * The page's bundle, minified for the browser. Node built-ins cannot resolve on this
 * platform, so a page that pulled one in fails to build here.
 */
export const bundle = async (): Promise<Uint8Array> => {
  const result = await esbuild.build({
    entryPoints: [nodePath.join(here, "main.ts")],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    // This repository's packages from their TypeScript sources (their `exports` condition); an
    // application that installs them from npm leaves this out and bundles their JavaScript.
    conditions: ["@openai-containers/source"],
    write: false,
    logLevel: "silent",
  })
  return result.outputFiles[0]!.contents
}

export interface DemoServer {
  /** `http://127.0.0.1:PORT/`: open it with `?container=<id>`. */
  readonly url: string
  readonly close: () => Promise<void>
}

/** Starts the page server with a proxy to `upstream` (an API base URL ending in `/v1`). */
export const startDemoServer = async (options: {
  readonly upstream: string
  readonly apiKey: string
  readonly port?: number
}): Promise<DemoServer> => {
  const page = fs.readFileSync(nodePath.join(here, "index.html"))
  const script = await bundle()
  const upstream = new URL(options.upstream.replace(/\/+$/, ""))
  const server = http.createServer((request, response) => {
    const path = request.url ?? "/"
    if (path.startsWith("/v1/")) {
      // The proxy: the page's request as is, plus the key; the answer streamed back.
      const target = new URL(upstream.pathname + path.slice("/v1".length), upstream)
      const headers = { ...request.headers, host: upstream.host, authorization: `Bearer ${options.apiKey}` }
      const forwarded = http.request(target, { method: request.method, headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      })
      forwarded.on("error", () => response.destroy())
      request.pipe(forwarded)
      return
    }
    const [body, type] = path.startsWith("/main.js")
      ? [script, "text/javascript"]
      : path === "/" || path.startsWith("/?")
        ? [page, "text/html; charset=utf-8"]
        : [undefined, ""]
    if (body === undefined) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { "content-type": type, "content-length": body.byteLength }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const main = async () => {
  const { FakeContainersApi, FakeContainersServer } = await import("@openai-containers/testing")
  const { Effect, Layer, ManagedRuntime } = await import("effect")
  const apiKey = "sk-demo-fake"
  const fake = ManagedRuntime.make(Layer.fresh(FakeContainersServer.layer({ apiKey })))
  const { baseUrl, containerId } = await fake.runPromise(
    Effect.gen(function* () {
      const api = yield* FakeContainersApi.FakeContainersApi
      const container = yield* api.createContainer({ name: "browser-example" })
      const encoder = new TextEncoder()
      yield* api.addFile(container.id, {
        filename: "hello.txt",
        bytes: encoder.encode("Hello from the fake API!\n"),
      })
      yield* api.addFile(container.id, { filename: "data.csv", bytes: encoder.encode("a,b\n1,2\n") })
      return { baseUrl: yield* FakeContainersServer.baseUrl, containerId: container.id }
    }),
  )
  const demo = await startDemoServer({ upstream: baseUrl, apiKey })
  const pageUrl = `${demo.url}?container=${containerId}`
  if (process.argv.includes("--smoke")) {
    const html = await fetch(pageUrl).then((r) => r.text())
    const script = await fetch(new URL("main.js", demo.url)).then((r) => r.arrayBuffer())
    const listed = (await fetch(new URL(`v1/containers/${containerId}/files?order=asc`, demo.url)).then((r) =>
      r.json(),
    )) as { data: Array<{ path: string }> }
    const paths = listed.data.map((f) => f.path).join(", ")
    if (!html.includes('src="./main.js"') || script.byteLength === 0 || listed.data.length !== 2) {
      throw new Error(`smoke check failed: ${paths}`)
    }
    console.log(`Served the page (${script.byteLength} bytes of script); the keyless proxy listed: ${paths}`)
    await demo.close()
    await fake.dispose()
    return
  }
  console.log(`Open ${pageUrl}  (Ctrl-C to stop)`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === nodePath.resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
