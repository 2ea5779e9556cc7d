/**
 * The browser example's page, built on Effect 4 (`fixtures/page.ts`, the port of
 * `examples/browser/main.ts` with the example's own `index.html`), in real headless Chromium
 * (Debian's package, driven by playwright-core; no browser is ever downloaded), against the fake
 * API's HTTP server on loopback behind the example's keyless proxy.
 */

import * as fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { chromium } from "playwright-core"
import { startDemoServer } from "./demoServer.js"

const executablePath = "/usr/bin/chromium"
const apiKey = "sk-browser-test"
const available = fs.existsSync(executablePath)

if (!available && process.env.CI !== undefined && process.env.CI !== "" && process.env.CI !== "false") {
  throw new Error(
    `${executablePath} is missing and CI is set: install Debian's chromium (apt-get install -y chromium)`,
  )
}
if (!available) {
  console.warn(
    `\n!!! SKIPPING the browser tests: ${executablePath} is missing. Install it with ` +
      "`apt-get install -y chromium` (with CI=true this is a failure, not a skip). !!!\n",
  )
}

const binary = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7) % 256)

const launch = Effect.acquireRelease(
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

describe.skipIf(!available)("browser example in headless Chromium", () => {
  it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
    it.effect(
      "lists as a stream, uploads with progress and downloads exact bytes, with no key in the page",
      () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* api.createContainer({ name: "browser" })
          const every = binary(70_000)
          for (const [filename, bytes] of [
            ["a.txt", new TextEncoder().encode("first\n")],
            ["b.csv", new TextEncoder().encode("x,y\n1,2\n")],
            ["c.bin", every],
          ] as const) {
            yield* api.addFile(container.id, { filename, bytes })
          }
          const upstream = yield* FakeContainersServer.baseUrl
          const demo = yield* Effect.acquireRelease(
            Effect.promise(() => startDemoServer({ upstream, apiKey })),
            (server) => Effect.promise(() => server.close()),
          )
          const browser = yield* launch
          const page = yield* Effect.promise(() => browser.newPage())
          const sentKeys: Array<string> = []
          page.on("request", (request) => {
            const authorization = request.headers().authorization
            if (authorization !== undefined) sentKeys.push(authorization)
          })
          const text = (selector: string) => Effect.promise(() => page.locator(selector).textContent())
          const waitText = (selector: string, expected: string) =>
            Effect.promise(() =>
              page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent === t, [
                selector,
                expected,
              ] as const),
            )

          yield* Effect.promise(() => page.goto(`${demo.url}?container=${container.id}`))
          expect(yield* text("#container")).toBe(container.id)

          yield* Effect.promise(() => page.click("#list"))
          yield* waitText("#list-status", "Listed 3 files")
          expect(yield* Effect.promise(() => page.locator("#files .path").allTextContents())).toEqual([
            "/mnt/data/a.txt (6 bytes)",
            "/mnt/data/b.csv (8 bytes)",
            "/mnt/data/c.bin (70000 bytes)",
          ])

          const upload = binary(150_000)
          yield* Effect.promise(() =>
            page.setInputFiles("#file", {
              name: "picked.bin",
              mimeType: "application/octet-stream",
              buffer: Buffer.from(upload),
            }),
          )
          yield* Effect.promise(() => page.click("#upload"))
          yield* waitText("#upload-status", "Uploaded /mnt/data/picked.bin (150000 bytes)")
          expect(
            yield* Effect.promise(() =>
              page.locator("#upload-progress").evaluate((e) => (e as HTMLProgressElement).value),
            ),
          ).toBe(1)
          const stored = (yield* api.files(container.id)).find((f) => f.path === "/mnt/data/picked.bin")
          const storedBytes = Option.getOrThrow(yield* api.fileBytes(container.id, stored!.id))
          expect(Buffer.compare(storedBytes, upload)).toBe(0)

          yield* Effect.promise(() => page.click("#list"))
          yield* waitText("#list-status", "Listed 4 files")

          const [download] = yield* Effect.promise(() =>
            Promise.all([
              page.waitForEvent("download"),
              page.locator("#files li", { hasText: "c.bin" }).locator("button.download").click(),
            ]),
          )
          expect(download.suggestedFilename()).toBe("c.bin")
          const savedPath = yield* Effect.promise(() => download.path())
          const saved = fs.readFileSync(savedPath)
          expect(saved.byteLength).toBe(every.byteLength)
          expect(Buffer.compare(saved, every)).toBe(0)
          yield* waitText("#download-status", "Downloaded c.bin: 70000 bytes")
          expect(yield* text("#error")).toBe("")
          // The proxy adds the key; nothing the page sent carried one.
          expect(sentKeys).toEqual([])
        }),
      60_000,
    )
  })
})
