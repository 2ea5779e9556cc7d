/**
 * Hostile responses: random bytes, huge and deeply nested JSON, wrong types, missing fields, an
 * error body with a 200, a non-JSON body with a 500, random statuses, and bytes that are not
 * HTTP at all. Every one ends as a success of the right shape or a typed `ContainersError`,
 * never a defect or a crash.
 */
import * as net from "node:net"
import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles, Containers, ContainersClient, ContainersError } from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import fc from "fast-check"

const SEED = 606_060
const RUNS = 200

/** A client whose every response is `reply(request URL)`: no sockets, any status and body. */
const stubClient = (reply: (url: URL) => Response) =>
  ContainersClient.layer({ baseUrl: "http://stub.local/v1", maxRetries: 0 }).pipe(
    Layer.provide(
      Layer.succeed(
        HttpClient.HttpClient,
        HttpClient.make((request, url) => Effect.sync(() => HttpClientResponse.fromWeb(request, reply(url)))),
      ),
    ),
  )

type Call = Effect.Effect<unknown, ContainersError.ContainersError, ContainersClient.ContainersClient>

const calls: ReadonlyArray<readonly [string, Call]> = [
  ["ContainerFiles.list", ContainerFiles.list("cntr_1")],
  ["ContainerFiles.stream", Stream.runDrain(ContainerFiles.stream("cntr_1"))],
  ["ContainerFiles.retrieve", ContainerFiles.retrieve("cntr_1", "cfile_1")],
  ["ContainerFiles.delete", ContainerFiles.delete("cntr_1", "cfile_1")],
  ["ContainerFiles.create", ContainerFiles.create("cntr_1", { fileId: "file-1" })],
  ["Containers.list", Containers.list()],
  ["Containers.retrieve", Containers.retrieve("cntr_1")],
  ["Containers.create", Containers.create({ name: "x" })],
  ["Containers.delete", Containers.delete("cntr_1")],
]

const validFile = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1,
  bytes: 2,
  path: "/mnt/data/a",
  source: "user",
}

/**
 * The exit is a success, or a failure made only of `ContainersError`s: no defect, no
 * interruption. Returns the error, if any.
 */
const typedOutcome = (exit: Exit.Exit<unknown, ContainersError.ContainersError>) => {
  if (Exit.isSuccess(exit)) return undefined
  expect(Cause.hasDies(exit.cause), Cause.pretty(exit.cause)).toBe(false)
  expect(Cause.hasInterrupts(exit.cause)).toBe(false)
  const error = Option.getOrThrow(Cause.findErrorOption(exit.cause))
  expect(ContainersError.isContainersError(error)).toBe(true)
  // Every error prints, whatever it carries: as a message, a string, JSON, an inspect, a cause.
  expect(typeof error.message).toBe("string")
  expect(typeof String(error)).toBe("string")
  expect(typeof JSON.stringify(error)).toBe("string")
  expect(typeof inspect(error, { depth: 5 })).toBe("string")
  expect(typeof Cause.pretty(exit.cause)).toBe("string")
  return error
}

const run = (call: Call, reply: (url: URL) => Response) =>
  Effect.runPromiseExit(Effect.provide(call, stubClient(reply)))

describe("hostile responses never crash the client", () => {
  it(`random bytes as a 200 body (${RUNS} runs): typed error on every JSON endpoint`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.nat({ max: calls.length - 1 }),
        async (bytes, which) => {
          const exit = await run(calls[which]![1], () => new Response(new Uint8Array(bytes), { status: 200 }))
          const error = typedOutcome(exit)
          if (error !== undefined) expect(error._tag).toBe("ResponseDecodeError")
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it(`random JSON as a 200 body (${RUNS} runs): decoded, or a SchemaMismatch`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.nat({ max: calls.length - 1 }), async (json, which) => {
        const exit = await run(calls[which]![1], () => Response.json(json))
        const error = typedOutcome(exit)
        if (error !== undefined) {
          expect(error._tag).toBe("ResponseDecodeError")
          expect(error._tag === "ResponseDecodeError" && error.reason).toBe("SchemaMismatch")
        }
      }),
      { seed: SEED + 1, numRuns: RUNS },
    )
  })

  const fields = Object.keys(validFile) as Array<keyof typeof validFile>
  it(`a file with a field missing, null or of another type (${RUNS} runs): SchemaMismatch naming it`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.oneof(fc.constant(undefined), fc.constant(null), fc.jsonValue()),
        async (field, value) => {
          const body: Record<string, unknown> = { ...validFile }
          if (value === undefined) delete body[field]
          else body[field] = value
          const exit = await run(ContainerFiles.retrieve("cntr_1", "cfile_1"), () => Response.json(body))
          const expectedType = typeof validFile[field]
          const error = typedOutcome(exit)
          if (typeof value === expectedType) {
            expect(error).toBeUndefined()
            return
          }
          expect(error?._tag).toBe("ResponseDecodeError")
          expect(error?.message).toContain(`["${field}"]`)
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    )
  })

  it(`random status and body (${RUNS} runs): the status's own tag, with that status`, async () => {
    const tagOf = (status: number) =>
      ({
        400: "BadRequestError",
        401: "AuthenticationError",
        403: "PermissionDeniedError",
        404: "NotFoundError",
        409: "ConflictError",
        422: "UnprocessableEntityError",
        429: "RateLimitError",
      })[status] ?? (status >= 500 ? "InternalServerError" : "ApiError")
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((b): { raw: BodyInit } => ({ raw: new Uint8Array(b) })),
      fc.jsonValue().map((j) => ({ raw: JSON.stringify(j) })),
      fc.record({ error: fc.jsonValue() }).map((j) => ({ raw: JSON.stringify(j) })),
      fc.constant({ raw: "<html><body>Bad Gateway</body></html>" }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 300, max: 599 }).filter((s) => s !== 304),
        bodyArb,
        fc.nat({ max: calls.length - 1 }),
        async (status, body, which) => {
          const exit = await run(calls[which]![1], () => new Response(body.raw, { status }))
          const error = typedOutcome(exit)
          expect(error?._tag).toBe(tagOf(status))
          expect(error !== undefined && "status" in error && error.status).toBe(status)
        },
      ),
      { seed: SEED + 3, numRuns: RUNS },
    )
  })

  it("a JSON error body with a 200: ResponseDecodeError, not a success", async () => {
    for (const [name, call] of calls) {
      const exit = await run(call, () =>
        Response.json({ error: { message: "oops", type: "server_error", param: null, code: null } }),
      )
      expect(typedOutcome(exit)?._tag, name).toBe("ResponseDecodeError")
    }
  })

  it("a non-JSON body with a 500 (HTML, empty, binary): InternalServerError with no API error object", async () => {
    for (const body of [
      "<html><h1>502 Bad Gateway</h1></html>",
      "",
      new Uint8Array([0xff, 0xfe, 0, 1]),
      '{"error":',
    ]) {
      for (const [name, call] of calls) {
        const error = typedOutcome(await run(call, () => new Response(body, { status: 500 })))
        expect(error?._tag, name).toBe("InternalServerError")
        expect(error !== undefined && "error" in error && error.error).toBeUndefined()
      }
    }
  })

  it("an empty 200 body, and a 204 with no body: ResponseDecodeError", async () => {
    for (const status of [200, 204]) {
      for (const [name, call] of calls) {
        const error = typedOutcome(await run(call, () => new Response(null, { status })))
        expect(error?._tag, `${name} ${status}`).toBe("ResponseDecodeError")
      }
    }
  })

  it("JSON nested 100,000 levels deep, as a 200 and as a 500 body: typed errors", async () => {
    const deepArray = `${"[".repeat(100_000)}${"]".repeat(100_000)}`
    const deepObject = `${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}`
    const deepError = `{"error":${deepObject}}`
    for (const body of [deepArray, deepObject, deepError]) {
      for (const [name, call] of calls) {
        expect(typedOutcome(await run(call, () => new Response(body, { status: 200 })))?._tag, name).toBe(
          "ResponseDecodeError",
        )
        expect(typedOutcome(await run(call, () => new Response(body, { status: 500 })))?._tag, name).toBe(
          "InternalServerError",
        )
      }
    }
  })

  it("20 MB of JSON: a valid page decodes; the wrong shape is a ResponseDecodeError with a bounded message", async () => {
    const longPath = "p".repeat(200_000)
    const page = {
      object: "list",
      data: Array.from({ length: 100 }, (_, i) => ({ ...validFile, id: `cfile_${i}`, path: longPath })),
      has_more: false,
    }
    const pageText = JSON.stringify(page)
    expect(pageText.length).toBeGreaterThan(20_000_000)
    const ok = await run(ContainerFiles.list("cntr_1"), () => new Response(pageText, { status: 200 }))
    expect(Exit.isSuccess(ok) && (ok.value as { data: ReadonlyArray<unknown> }).data.length).toBe(100)

    const wrong = JSON.stringify({ ...validFile, path: ["x".repeat(20_000_000)] })
    const error = typedOutcome(
      await run(ContainerFiles.retrieve("cntr_1", "cfile_1"), () => new Response(wrong)),
    )
    expect(error?._tag).toBe("ResponseDecodeError")
    // The offending value is not pasted whole into the message.
    expect(error!.message.length).toBeLessThan(10_000)

    const hugeError = JSON.stringify({
      error: { message: "m".repeat(20_000_000), type: "x", code: null, param: null },
    })
    const big = typedOutcome(
      await run(ContainerFiles.retrieve("cntr_1", "cfile_1"), () => new Response(hugeError, { status: 500 })),
    )
    expect(big?._tag).toBe("InternalServerError")
  })

  it(`bytes that are not HTTP at all, from a raw TCP server (50 runs): ConnectionError over the Node client`, async () => {
    let payload = new Uint8Array(0)
    const server = net.createServer((socket) => {
      socket.on("error", () => {})
      socket.end(payload)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as net.AddressInfo
    const layer = NodeContainersClient.layer({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      maxRetries: 0,
      timeout: "2 seconds",
    })
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 0, maxLength: 1024 }),
          fc.nat({ max: calls.length - 1 }),
          async (bytes, which) => {
            payload = new Uint8Array(bytes)
            const exit = await Effect.runPromiseExit(Effect.provide(calls[which]![1], layer))
            const error = typedOutcome(exit)
            expect(["ConnectionError", "ResponseDecodeError", "TimeoutError"]).toContain(error?._tag)
          },
        ),
        { seed: SEED + 4, numRuns: 50 },
      )
    } finally {
      server.close()
    }
  })
})
