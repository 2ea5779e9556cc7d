/**
 * Faults the policy must not retry: each fails after exactly one attempt, with the right tag,
 * the status, the request id the server sent and the API's own error message, on every
 * endpoint kind.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  ContainerFiles,
  Containers,
  type ContainersClient,
  type ContainersError,
} from "@openai-containers/core"
import { FakeContainersApi } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import { fakeServer, newContainer, nodeClient } from "./support.js"

interface Case {
  readonly name: string
  readonly status: number
  readonly headers?: Record<string, string>
  readonly tag: ContainersError.ContainersError["_tag"]
  /** What the error's `notRetried` must say, when the status alone would have been retried. */
  readonly note?: string
}

const cases: ReadonlyArray<Case> = [
  { name: "400", status: 400, tag: "BadRequestError" },
  { name: "401", status: 401, tag: "AuthenticationError" },
  { name: "403", status: 403, tag: "PermissionDeniedError" },
  { name: "404", status: 404, tag: "NotFoundError" },
  { name: "422", status: 422, tag: "UnprocessableEntityError" },
  { name: "418 (any other status)", status: 418, tag: "ApiError" },
  {
    name: "429 with Retry-After: 120 over the 60 s cap",
    status: 429,
    headers: { "retry-after": "120" },
    tag: "RateLimitError",
    note: "the server asked to wait 120000 ms, over the 1m cap",
  },
  {
    name: "429 with retry-after-ms: 60001 over the 60 s cap",
    status: 429,
    headers: { "retry-after-ms": "60001" },
    tag: "RateLimitError",
    note: "the server asked to wait 60001 ms, over the 1m cap",
  },
  {
    name: "429 with a Retry-After date 2 minutes ahead",
    status: 429,
    headers: { "retry-after": "DATE+120" },
    tag: "RateLimitError",
  },
  {
    name: "503 with x-should-retry: false",
    status: 503,
    headers: { "x-should-retry": "false" },
    tag: "InternalServerError",
  },
  {
    name: "429 with x-should-retry: false",
    status: 429,
    headers: { "x-should-retry": "false" },
    tag: "RateLimitError",
  },
  {
    name: "409 with x-should-retry: false",
    status: 409,
    headers: { "x-should-retry": "false" },
    tag: "ConflictError",
  },
]

type Call = (
  containerId: string,
  fileId: string,
) => Effect.Effect<unknown, ContainersError.ContainersError, ContainersClient.ContainersClient>

const endpoints: ReadonlyArray<readonly [string, string, Call]> = [
  ["ContainerFiles.list", "GET", (c) => ContainerFiles.list(c, { limit: 5 })],
  ["ContainerFiles.stream", "GET", (c) => Stream.runDrain(ContainerFiles.stream(c))],
  ["ContainerFiles.retrieve", "GET", (c, f) => ContainerFiles.retrieve(c, f)],
  ["ContainerFiles.delete", "DELETE", (c, f) => ContainerFiles.delete(c, f)],
  ["ContainerFiles.contentBytes", "GET", (c, f) => ContainerFiles.contentBytes(c, f)],
  ["ContainerFiles.create (file id)", "POST", (c) => ContainerFiles.create(c, { fileId: "file-abc" })],
  ["Containers.retrieve", "GET", (c) => Containers.retrieve(c)],
]

/** Generous retries with no wait: any retry would show up as a second request at once. */
const client = nodeClient({ maxRetries: 5, retrySchedule: Schedule.spaced("1 millis") })

describe("non-retryable faults over real HTTP", () => {
  it.layer(fakeServer, { timeout: 30_000 })((it) => {
    for (const c of cases) {
      it.effect(`${c.name}: ${c.tag} after exactly one attempt, on ${endpoints.length} endpoints`, () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer()
          const file = yield* api.addFile(container.id, {
            filename: "a.txt",
            bytes: new Uint8Array([1, 2, 3]),
          })
          for (const [name, method, call] of endpoints) {
            const message = `injected ${c.status} for ${name}`
            const headers = Object.fromEntries(
              Object.entries(c.headers ?? {}).map(([k, v]) => [
                k,
                v === "DATE+120" ? new Date(Date.now() + 120_000).toUTCString() : v,
              ]),
            )
            yield* api.clearRequests
            yield* api.injectFault({
              match: { method },
              fault: {
                _tag: "Status",
                status: c.status,
                headers,
                body: JSON.stringify({ error: { message, type: "test_error", param: "p", code: "c" } }),
              },
            })
            const error = yield* Effect.flip(call(container.id, file.id)).pipe(client)
            const log = yield* api.requests
            expect(
              log.map((r) => [r.method, r.status]),
              name,
            ).toEqual([[method, c.status]])
            expect(error._tag, name).toBe(c.tag)
            if (!("status" in error) || !("error" in error))
              throw new Error(`${name}: no status on ${error._tag}`)
            expect(error.status).toBe(c.status)
            expect(error.requestId).toBe(log[0]!.requestId)
            expect(error.error).toEqual({ message, type: "test_error", param: "p", code: "c" })
            expect(error.message).toContain(message)
            expect(error.message).toContain(log[0]!.requestId)
            if (c.note !== undefined) expect(error.notRetried).toBe(c.note)
            if (c.headers?.["retry-after"] === "DATE+120")
              expect(error.notRetried).toMatch(/^the server asked to wait 1[12]\d{4} ms, over the 1m cap$/)
          }
        }).pipe(TestClock.withLive),
      )
    }

    it.effect(
      "the fake's own 401 (wrong key), 404 (no such file) and 400 (unknown cursor) are not retried",
      () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer()
          yield* api.clearRequests
          const unauthorized = yield* Effect.flip(ContainerFiles.list(container.id)).pipe(
            nodeClient({
              maxRetries: 5,
              retrySchedule: Schedule.spaced("1 millis"),
              apiKey: Redacted.make("sk-wrong-key"),
            }),
            Effect.provideService(FakeContainersApi.FakeContainersApi, api),
          )
          expect(unauthorized._tag).toBe("AuthenticationError")
          expect(unauthorized.message).toContain("Incorrect API key provided")
          const missing = yield* Effect.flip(ContainerFiles.retrieve(container.id, "cfile_nope")).pipe(client)
          expect(missing._tag).toBe("NotFoundError")
          expect(missing.message).toContain("No file found with id 'cfile_nope'.")
          const cursor = yield* Effect.flip(
            ContainerFiles.list(container.id, { after: "cfile_unknown" }),
          ).pipe(client)
          expect(cursor._tag).toBe("BadRequestError")
          const log = yield* api.requests
          expect(log.map((r) => r.status)).toEqual([401, 404, 400])
          for (const [i, error] of [unauthorized, missing, cursor].entries()) {
            expect("requestId" in error && error.requestId).toBe(log[i]!.requestId)
          }
        }).pipe(TestClock.withLive),
    )
  })
})
