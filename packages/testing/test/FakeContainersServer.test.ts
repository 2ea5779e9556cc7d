import { createHash } from "node:crypto"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { FakeContainersApi } from "../src/FakeContainersApi.js"
import * as FakeContainersServer from "../src/FakeContainersServer.js"
import { requestId } from "./utils.js"

const apiKey = "sk-server-test"
const auth = { authorization: `Bearer ${apiKey}` }

const server = Effect.all({ url: FakeContainersServer.baseUrl, fake: FakeContainersApi })

const createContainer = (url: string) =>
  Effect.promise(() =>
    fetch(`${url}/containers`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "c" }),
    }).then((r) => r.json() as Promise<{ id: string }>),
  )

/** A multipart body streamed in 1 MiB pieces, never held whole by the client. */
const streamedMultipart = (
  boundary: string,
  filename: string,
  size: number,
  hash: ReturnType<typeof createHash>,
) => {
  const enc = new TextEncoder()
  let sent = 0
  let stage = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 0) {
        controller.enqueue(
          enc.encode(
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
        )
        stage = 1
      } else if (sent < size) {
        const piece = new Uint8Array(Math.min(1024 * 1024, size - sent)).fill(sent % 251)
        hash.update(piece)
        sent += piece.length
        controller.enqueue(piece)
      } else {
        controller.enqueue(enc.encode(`\r\n--${boundary}--\r\n`))
        controller.close()
      }
    },
  })
}

describe("FakeContainersServer", () => {
  layer(FakeContainersServer.layer({ apiKey }), { excludeTestServices: true })((it) => {
    it.effect("listens on 127.0.0.1 and answers with x-request-id and CORS headers", () =>
      Effect.gen(function* () {
        const { url } = yield* server
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
        const res = yield* Effect.promise(() =>
          fetch(`${url}/containers`, { headers: { ...auth, origin: "http://page.test" } }),
        )
        expect(res.status).toBe(200)
        expect(res.headers.get("x-request-id")).toMatch(requestId)
        expect(res.headers.get("access-control-allow-origin")).toBe("*")
        expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id")
        const preflight = yield* Effect.promise(() =>
          fetch(`${url}/containers`, {
            method: "OPTIONS",
            headers: {
              origin: "http://page.test",
              "access-control-request-method": "POST",
              "access-control-request-headers": "authorization, content-type, openai-organization, x-unknown",
            },
          }),
        )
        expect(preflight.status).toBe(204)
        expect(preflight.headers.get("access-control-allow-origin")).toBe("*")
        expect(preflight.headers.get("access-control-allow-headers")).toBe(
          "authorization, content-type, openai-organization",
        )
        expect(preflight.headers.get("access-control-allow-methods")).toContain("DELETE")
      }),
    )

    it.effect(
      "streams a 32 MiB multipart upload in (past the platform's 10 MiB default) and a download out, byte for byte",
      () =>
        Effect.gen(function* () {
          const { url, fake } = yield* server
          const container = yield* createContainer(url)
          const size = 32 * 1024 * 1024
          const hash = createHash("sha256")
          const created = yield* Effect.promise(() =>
            fetch(`${url}/containers/${container.id}/files`, {
              method: "POST",
              headers: { ...auth, "content-type": "multipart/form-data; boundary=xyz" },
              body: streamedMultipart("xyz", "big.bin", size, hash),
              duplex: "half",
            } as RequestInit).then((r) => r.json() as Promise<{ id: string; bytes: number }>),
          )
          expect(created.bytes).toBe(size)
          const expected = hash.digest("hex")
          expect((yield* fake.requests).at(-1)?.fileSha256).toBe(expected)

          const download = yield* Effect.promise(() =>
            fetch(`${url}/containers/${container.id}/files/${created.id}/content`, { headers: auth }),
          )
          expect(download.headers.get("content-length")).toBe(String(size))
          const received = createHash("sha256")
          let total = 0
          yield* Effect.promise(async () => {
            for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
              received.update(chunk)
              total += chunk.length
            }
          })
          expect(total).toBe(size)
          expect(received.digest("hex")).toBe(expected)
        }),
      // Both ends run in this process, so on a busy 2-core machine this can take seconds.
      { timeout: 30_000 },
    )

    it.effect("answers small multipart uploads too (the body is drained after the closing boundary)", () =>
      Effect.gen(function* () {
        const { url, fake } = yield* server
        const container = yield* createContainer(url)
        for (const content of ["a,b\n", ""]) {
          const form = new FormData()
          form.append("file", new Blob([content]), "tiny.csv")
          const res = yield* Effect.promise(() =>
            fetch(`${url}/containers/${container.id}/files`, { method: "POST", headers: auth, body: form }),
          )
          expect(res.status).toBe(200)
          const created = yield* Effect.promise(() => res.json() as Promise<{ id: string; bytes: number }>)
          expect(created.bytes).toBe(content.length)
          expect(yield* fake.fileBytes(container.id, created.id)).toMatchObject({
            _tag: "Some",
            value: new TextEncoder().encode(content),
          })
        }
      }),
    )

    it.effect("Status faults carry their headers over HTTP", () =>
      Effect.gen(function* () {
        const { url, fake } = yield* server
        yield* fake.injectFault({ fault: { _tag: "Status", status: 429, headers: { "retry-after": "1" } } })
        const res = yield* Effect.promise(() => fetch(`${url}/containers`, { headers: auth }))
        expect(res.status).toBe(429)
        expect(res.headers.get("retry-after")).toBe("1")
        expect(res.headers.get("access-control-expose-headers")).toContain("retry-after")
        expect(yield* Effect.promise(() => res.json())).toMatchObject({
          error: { code: "rate_limit_exceeded" },
        })
      }),
    )

    it.effect("ResetMidBody sends real headers and the prefix, then drops the connection", () =>
      Effect.gen(function* () {
        const { url, fake } = yield* server
        const container = yield* createContainer(url)
        const file = yield* fake.addFile(container.id, {
          filename: "a.bin",
          bytes: new Uint8Array(200_000).fill(1),
        })
        yield* fake.injectFault({
          match: { path: /\/content$/ },
          fault: { _tag: "ResetMidBody", afterBytes: 70_000 },
        })
        const res = yield* Effect.promise(() =>
          fetch(`${url}/containers/${container.id}/files/${file.id}/content`, { headers: auth }),
        )
        expect(res.status).toBe(200)
        expect(res.headers.get("content-length")).toBe("200000")
        const outcome = yield* Effect.promise(async () => {
          let received = 0
          try {
            for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
              received += chunk.length
            return { received, failed: false }
          } catch {
            return { received, failed: true }
          }
        })
        expect(outcome).toEqual({ received: 70_000, failed: true })
        // The server keeps serving.
        const after = yield* Effect.promise(() =>
          fetch(`${url}/containers/${container.id}`, { headers: auth }),
        )
        expect(after.status).toBe(200)
      }),
    )

    it.effect("a Stall holds the headers until the client gives up", () =>
      Effect.gen(function* () {
        const { url, fake } = yield* server
        yield* fake.injectFault({ fault: { _tag: "Stall" } })
        const outcome = yield* Effect.promise(() =>
          fetch(`${url}/containers`, { headers: auth, signal: AbortSignal.timeout(150) }).then(
            () => "answered",
            (error: Error) => error.name,
          ),
        )
        expect(outcome).toBe("TimeoutError")
      }),
    )
  })
})
