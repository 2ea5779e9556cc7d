/**
 * The browser example's server (`examples/browser/server.ts`) for the Effect 4 page: serves
 * the example's `index.html`, the Effect 4 page bundle (`fixtures/page.ts`, built in memory by
 * esbuild for the browser, so a Node built-in anywhere in core + browser fails the build) and a
 * keyless proxy at `/v1` that adds the API key and forwards to the API.
 */
import * as fs from "node:fs"
import * as http from "node:http"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = nodePath.dirname(fileURLToPath(import.meta.url))

/** The example's markup, unchanged: the page script is at `./main.js`. */
export const indexHtml = nodePath.join(here, "..", "..", "..", "..", "examples", "browser", "index.html")

/** The Effect 4 page, bundled and minified for the browser. */
export const bundle = async (): Promise<esbuild.BuildResult<{ write: false; metafile: true }>> =>
  esbuild.build({
    entryPoints: [nodePath.join(here, "fixtures", "page.ts")],
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
  })

export interface DemoServer {
  /** `http://127.0.0.1:PORT/`: open it with `?container=<id>`. */
  readonly url: string
  readonly close: () => Promise<void>
}

/** Starts the page server with a proxy to `upstream` (an API base URL ending in `/v1`). */
export const startDemoServer = async (options: {
  readonly upstream: string
  readonly apiKey: string
}): Promise<DemoServer> => {
  const page = fs.readFileSync(indexHtml)
  const script = (await bundle()).outputFiles[0]!.contents
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
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
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
