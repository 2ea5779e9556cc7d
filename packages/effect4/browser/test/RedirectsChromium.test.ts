/**
 * Redirects in real headless Chromium (Debian's package, driven by playwright-core): a page on
 * one loopback origin calls its own `/v1`, which answers with a 3xx to a second origin that
 * allows any CORS request and would answer 200. Over fetch (`redirect: "manual"`) the browser
 * hands back an opaque redirect: an `ApiError` with status 0, sent once, nothing reaches the
 * second origin. An upload with progress goes by XMLHttpRequest, which always follows
 * redirects: the second origin does receive that request, but its answer is refused the same
 * way and the upload is not sent again.
 */

import * as fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as esbuild from "esbuild"
import { chromium, type Page } from "playwright-core"

const executablePath = "/usr/bin/chromium"
const available = fs.existsSync(executablePath)
const here = nodePath.dirname(fileURLToPath(import.meta.url))

// The page's script: `window.redirectCase(baseUrl, call)` runs one call and reports how it ended.
const pageScript = `
import { ContainerFiles, Upload } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { BrowserContainerFiles, BrowserContainersClient } from "../src/index.ts"

const bytes = new TextEncoder().encode("hello, redirect")
const calls = {
  retrieve: () => ContainerFiles.retrieve("cntr_1", "cfile_1"),
  createJson: () => ContainerFiles.create("cntr_1", { fileId: "file-1" }),
  createBytes: () => ContainerFiles.create("cntr_1", { file: Upload.fromBytes("a.txt", bytes) }),
  uploadWithProgress: () =>
    BrowserContainerFiles.upload("cntr_1", new File([bytes], "a.txt"), { onProgress: () => Effect.void }),
}
window.redirectCase = (baseUrl, call) =>
  Effect.runPromise(
    calls[call]().pipe(
      // Retries are immediate, so a retried redirect would show in the request count at once.
      Effect.provide(BrowserContainersClient.layer({ baseUrl, maxRetries: 2, retrySchedule: Schedule.forever })),
      Effect.match({
        onSuccess: (value) => ({ tag: "Success", value: JSON.stringify(value) }),
        onFailure: (error) => ({ tag: error._tag, status: error.status, message: error.message, headers: error.headers }),
      }),
    ),
  )
`

interface Outcome {
  readonly tag: string
  readonly status?: number
  readonly message?: string
  readonly headers?: Record<string, string>
}

interface Seen {
  readonly method: string
  readonly url: string
}

const validFile = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1,
  bytes: 2,
  path: "/mnt/data/a.txt",
  source: "user",
}

const listen = (handler: Http.RequestListener) =>
  Effect.acquireRelease(
    Effect.callback<{ server: Http.Server; url: string }>((resume) => {
      const server = Http.createServer(handler)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}` }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      }),
  ).pipe(Effect.map(({ url }) => url))

class Harness extends Context.Service<
  Harness,
  {
    readonly page: Page
    /** The page's origin: `/r/<status>/v1/...` answers `<status>` to the other origin. */
    readonly api: { readonly url: string; readonly seen: Array<Seen> }
    readonly other: { readonly url: string; readonly seen: Array<Seen> }
  }
>()("RedirectsChromium/Harness") {}

const harness = Layer.effect(
  Harness,
  Effect.gen(function* () {
    const built = yield* Effect.promise(() =>
      esbuild.build({
        stdin: { contents: pageScript, resolveDir: here, loader: "ts" },
        bundle: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        // The workspace's packages from their TypeScript sources (their `exports` condition).
        conditions: ["@openai-containers/source"],
        write: false,
        logLevel: "silent",
      }),
    )
    const script = built.outputFiles[0]!.contents
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "*",
      "access-control-allow-headers": "*",
      // No preflight cache, so every case sees its own.
      "access-control-max-age": "0",
    }
    const other = { url: "", seen: [] as Array<Seen> }
    other.url = yield* listen((req, res) => {
      other.seen.push({ method: req.method ?? "", url: req.url ?? "" })
      req.resume()
      req.on("end", () => {
        if (req.method === "OPTIONS") res.writeHead(204, cors).end()
        else
          res.writeHead(200, { ...cors, "content-type": "application/json" }).end(JSON.stringify(validFile))
      })
    })
    const api = { url: "", seen: [] as Array<Seen> }
    api.url = yield* listen((req, res) => {
      const path = req.url ?? "/"
      const redirect = /^\/r\/(\d{3})(\/.*)$/.exec(path)
      if (redirect !== null) {
        api.seen.push({ method: req.method ?? "", url: path })
        req.resume()
        req.on("end", () =>
          res.writeHead(Number(redirect[1]), { location: `${other.url}${redirect[2]}` }).end("moved"),
        )
      } else if (path === "/main.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(script)
      } else {
        res
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end('<!doctype html><script type="module" src="/main.js"></script>')
      }
    })
    const browser = yield* Effect.acquireRelease(
      Effect.promise(() =>
        chromium.launch({
          executablePath,
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        }),
      ),
      (browser) => Effect.promise(() => browser.close()),
    )
    const page = yield* Effect.promise(() => browser.newPage())
    yield* Effect.promise(() => page.goto(`${api.url}/`))
    yield* Effect.promise(() => page.waitForFunction(() => "redirectCase" in window))
    return { page, api, other }
  }),
)

const runCase = (status: number, call: string) =>
  Effect.gen(function* () {
    const { page, api, other } = yield* Harness
    api.seen.length = 0
    other.seen.length = 0
    const outcome = yield* Effect.promise(
      () =>
        page.evaluate(
          ([baseUrl, call]) =>
            (
              window as unknown as { redirectCase: (baseUrl: string, call: string) => Promise<unknown> }
            ).redirectCase(baseUrl, call),
          [`${api.url}/r/${status}/v1`, call] as const,
        ) as Promise<Outcome>,
    )
    return { outcome, api: [...api.seen], other: [...other.seen] }
  })

const refused = (method: string) =>
  "0 Redirect refused: API calls never follow redirects (the browser hides a redirect's status and " +
  `Location) (${method} /containers/cntr_1/files${method === "GET" ? "/cfile_1" : ""})`

describe.skipIf(!available)("redirects in headless Chromium", () => {
  it.layer(harness, { timeout: 60_000 })((it) => {
    for (const status of [301, 302, 303, 307, 308]) {
      it.effect(
        `${status}: fetch hands back an opaque redirect, refused once; the other origin sees nothing`,
        () =>
          Effect.gen(function* () {
            for (const [call, method] of [
              ["retrieve", "GET"],
              ["createJson", "POST"],
              ["createBytes", "POST"],
            ] as const) {
              const { outcome, api, other } = yield* runCase(status, call)
              expect(outcome).toEqual({ tag: "ApiError", status: 0, message: refused(method), headers: {} })
              expect(api.map((r) => r.method)).toEqual([method])
              expect(other).toEqual([])
            }
          }),
      )

      it.effect(`${status}: an upload by XMLHttpRequest is followed by the browser, its answer refused`, () =>
        Effect.gen(function* () {
          const { outcome, api, other } = yield* runCase(status, "uploadWithProgress")
          expect(outcome).toEqual({ tag: "ApiError", status: 0, message: refused("POST"), headers: {} })
          expect(api.map((r) => r.method)).toEqual(["POST"])
          // The limit of XMLHttpRequest: it sent the request on (303 and, by browsers' long
          // practice, 301/302 turn a POST into a GET) before the layer could see the redirect;
          // its upload listener makes the cross-origin request preflighted first.
          expect(other).toEqual([
            { method: "OPTIONS", url: "/v1/containers/cntr_1/files" },
            { method: status === 307 || status === 308 ? "POST" : "GET", url: "/v1/containers/cntr_1/files" },
          ])
        }),
      )
    }
  })
})
