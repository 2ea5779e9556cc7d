/**
 * Bad input, property-based (fast-check, fixed seeds): hostile ids, limits, cursors, orders and
 * headers either go out as a correctly encoded request to the right path (the fake's log shows
 * exactly that request, and decoding it gives back the input) or fail with
 * `InvalidRequestError` before anything is sent (the log stays empty). Over real HTTP with the
 * Node client, so undici's own URL and header handling is part of what is checked.
 */
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles, Containers, ContainersClient, type ContainersError } from "@openai-containers/core"
import { FakeContainersApi } from "@openai-containers/testing"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { apiKey, fakeServer, nodeClient } from "./support.js"

const SEED = 424_242
const RUNS = 300

type Outcome = Effect.Effect<unknown, ContainersError.ContainersError, ContainersClient.ContainersClient>

/** Each id-taking call: what it sends (method and path segments after `/v1`), and the call. */
const idCalls: ReadonlyArray<{
  readonly name: string
  readonly method: string
  readonly segments: (c: string, f: string) => ReadonlyArray<string | readonly [string]>
  readonly call: (c: string, f: string) => Outcome
}> = [
  {
    name: "ContainerFiles.retrieve",
    method: "GET",
    segments: (c, f) => ["containers", [c], "files", [f]],
    call: (c, f) => ContainerFiles.retrieve(c, f),
  },
  {
    name: "ContainerFiles.delete",
    method: "DELETE",
    segments: (c, f) => ["containers", [c], "files", [f]],
    call: (c, f) => ContainerFiles.delete(c, f),
  },
  {
    name: "ContainerFiles.contentBytes",
    method: "GET",
    segments: (c, f) => ["containers", [c], "files", [f], "content"],
    call: (c, f) => ContainerFiles.contentBytes(c, f),
  },
  {
    name: "ContainerFiles.list",
    method: "GET",
    segments: (c) => ["containers", [c], "files"],
    call: (c) => ContainerFiles.list(c),
  },
  {
    name: "ContainerFiles.create (file id)",
    method: "POST",
    segments: (c) => ["containers", [c], "files"],
    call: (c) => ContainerFiles.create(c, { fileId: "file-1" }),
  },
  {
    name: "Containers.retrieve",
    method: "GET",
    segments: (c) => ["containers", [c]],
    call: (c) => Containers.retrieve(c),
  },
  {
    name: "Containers.delete",
    method: "DELETE",
    segments: (c) => ["containers", [c]],
    call: (c) => Containers.delete(c),
  },
]

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** An id can be a path segment unless it is empty, `.`, `..`, or not valid Unicode. */
const idIsValid = (id: string) => id !== "" && id !== "." && id !== ".." && !loneSurrogate.test(id)
/** A path segment as RFC 3986 allows it: unreserved and sub-delims, `:`, `@`, or percent-escapes. */
const pchars = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/

const nasty = [
  "/",
  "?",
  "#",
  "%",
  "%2F",
  "%2f",
  "%25",
  "%zz",
  "..",
  ".",
  "./",
  "../",
  "\\",
  "\r",
  "\n",
  "\r\n",
  "\0",
  "\t",
  " ",
  "+",
  "&",
  "=",
  ";",
  ":",
  "@",
  "é",
  "ß",
  "😀",
  "\u202E",
  "\uFEFF",
  "\uD800",
  "\uDFFF",
  "%00",
  "%2e%2e",
] as const

const idArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    ".",
    "..",
    "...",
    "../x",
    "a/../b",
    "%",
    "%%",
    "a?b=c#d",
    "\r\nX-Injected: 1",
    "cfile_ok",
    "😀",
    "\uD800",
  ),
  fc
    .array(fc.oneof(fc.constantFrom(...nasty), fc.string({ maxLength: 3 })), { maxLength: 6 })
    .map((p) => p.join("")),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
)

/** Runs an effect with the test's services from inside a fast-check property. */
const runIn =
  <R>(context: Context.Context<R>) =>
  <A, E>(effect: Effect.Effect<A, E, R>): Promise<A> =>
    Effect.runPromiseWith(context)(effect)

const client = nodeClient({ maxRetries: 0 })

describe("bad input, property-based, over real HTTP", () => {
  it.layer(fakeServer, { timeout: 60_000 })((it) => {
    it.effect(
      `ids (${RUNS} runs): sent as one encoded segment to the right path, or refused before sending`,
      () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const run = runIn(yield* Effect.context<ContainersClient.ContainersClient>())
          let sent = 0
          let refused = 0
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(idArb, idArb, fc.nat({ max: idCalls.length - 1 }), async (c, f, which) => {
                const op = idCalls[which]!
                const segments = op.segments(c, f)
                const ids = segments
                  .filter((s): s is readonly [string] => typeof s !== "string")
                  .map(([id]) => id)
                await run(api.clearRequests)
                const result = await run(Effect.result(op.call(c, f)))
                const log = await run(api.requests)
                if (!ids.every(idIsValid)) {
                  refused++
                  expect(Result.isFailure(result) && result.failure._tag).toBe("InvalidRequestError")
                  expect(log).toEqual([])
                  return
                }
                sent++
                expect(log.length).toBe(1)
                expect(log[0]!.method).toBe(op.method)
                const parts = log[0]!.path.split("/")
                expect(parts.length).toBe(segments.length + 2)
                expect(parts.slice(0, 2)).toEqual(["", "v1"])
                segments.forEach((segment, i) => {
                  const seen = parts[i + 2]!
                  if (typeof segment === "string") {
                    expect(seen).toBe(segment)
                  } else {
                    expect(seen).toMatch(pchars)
                    expect(decodeURIComponent(seen)).toBe(segment[0])
                  }
                })
                // Random ids name nothing: the fake answers 404, never a 400 from a mangled path.
                expect(Result.isFailure(result) && result.failure._tag).toBe("NotFoundError")
              }),
              { seed: SEED, numRuns: RUNS },
            ),
          )
          console.log(`ids: ${RUNS} runs, ${sent} sent and checked, ${refused} refused before sending`)
          expect(sent).toBeGreaterThan(RUNS / 4)
          expect(refused).toBeGreaterThan(RUNS / 20)
        }).pipe(client, TestClock.withLive),
    )

    const limitArb: fc.Arbitrary<number> = fc.oneof(
      { arbitrary: fc.integer({ min: -5, max: 106 }), weight: 4 },
      fc.integer(),
      fc.double(),
      fc.constantFrom(
        0,
        1,
        100,
        101,
        -1,
        1.5,
        99.999,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        -0,
        2 ** 53,
        1e21,
      ),
    )
    const orderArb = fc.constantFrom("asc", "desc", "asc", "desc", "ASC", "", "random", "asc ")
    const afterArb = fc.option(idArb, { nil: undefined })

    it.effect(`list parameters (${RUNS} runs): limit 1..100 integers, asc|desc, any cursor`, () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* api.createContainer({ name: "params" })
        const file = yield* api.addFile(container.id, { filename: "a", bytes: new Uint8Array(1) })
        const run = runIn(yield* Effect.context<ContainersClient.ContainersClient>())
        let sent = 0
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.option(limitArb, { nil: undefined }),
              fc.option(orderArb, { nil: undefined }),
              afterArb,
              fc.boolean(),
              async (limit, order, after, realCursor) => {
                const cursor = realCursor && after !== undefined ? file.id : after
                const params = {
                  ...(limit === undefined ? {} : { limit }),
                  ...(order === undefined ? {} : { order: order as "asc" }),
                  ...(cursor === undefined ? {} : { after: cursor }),
                }
                await run(api.clearRequests)
                const result = await run(Effect.result(ContainerFiles.list(container.id, params)))
                const log = await run(api.requests)
                const valid =
                  (limit === undefined || (Number.isInteger(limit) && limit >= 1 && limit <= 100)) &&
                  (order === undefined || order === "asc" || order === "desc") &&
                  (cursor === undefined || !loneSurrogate.test(cursor))
                if (!valid) {
                  expect(Result.isFailure(result) && result.failure._tag).toBe("InvalidRequestError")
                  expect(log).toEqual([])
                  return
                }
                sent++
                expect(log.length).toBe(1)
                expect(log[0]!.path).toBe(`/v1/containers/${container.id}/files`)
                const expected: Record<string, string> = {}
                if (cursor !== undefined) expected.after = cursor
                if (limit !== undefined) expected.limit = String(limit)
                if (order !== undefined) expected.order = order
                expect(log[0]!.query).toEqual(expected)
                // The fake accepts what was sent; an unknown cursor is the API's 400, not ours.
                if (Result.isFailure(result)) {
                  expect(result.failure._tag).toBe("BadRequestError")
                  expect(cursor === undefined || cursor === file.id).toBe(false)
                }
              },
            ),
            { seed: SEED + 1, numRuns: RUNS },
          ),
        )
        console.log(
          `list parameters: ${RUNS} runs, ${sent} sent and checked, ${RUNS - sent} refused before sending`,
        )
        expect(sent).toBeGreaterThan(RUNS / 5)
      }).pipe(client, TestClock.withLive),
    )

    const headerNameArb = fc.oneof(
      { arbitrary: fc.stringMatching(/^x-[a-z0-9-]{1,10}$/), weight: 3 },
      fc.constantFrom("x ok", "x:colon", "x\r\ny", "x\ny", "", "é", "x(y)", "x@y", "x/y", "X-Upper"),
    )
    const headerValueArb = fc.oneof(
      { arbitrary: fc.string({ maxLength: 12 }), weight: 3 },
      fc.string({
        unit: fc.integer({ min: 0x1f, max: 0x100 }).map((c) => String.fromCharCode(c)),
        maxLength: 6,
      }),
      fc.constantFrom(
        "ok",
        "a\r\nX-Injected: 1",
        "a\nb",
        "a\rb",
        "a\0b",
        "\r\n",
        "tab\there",
        "é",
        "€",
        "😀",
        "\u0001",
        "\u007f",
      ),
      fc
        .array(fc.constantFrom("a", " ", "\t", "\r", "\n", "\0", "é", "€", "\u0085", "\u2028"), {
          maxLength: 6,
        })
        .map((p) => p.join("")),
    )
    const tokenName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
    /** What HTTP/1.1 can carry in a field value: visible ASCII, obs-text (0x80-0xFF), space, tab. */
    const fieldValue = /^[\t\x20-\x7e\x80-\xff]*$/

    it.effect(
      `headers, organization and project (${RUNS} runs): sent as given, or refused before sending`,
      () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const run = runIn(yield* Effect.context<ContainersClient.ContainersClient>())
          let sent = 0
          yield* Effect.promise(() =>
            fc.assert(
              fc.asyncProperty(
                headerNameArb,
                headerValueArb,
                fc.option(headerValueArb, { nil: undefined, freq: 2 }),
                fc.option(headerValueArb, { nil: undefined, freq: 2 }),
                async (name, value, organization, project) => {
                  const options: ContainersClient.Options = {
                    headers: { [name]: value },
                    ...(organization === undefined ? {} : { organization }),
                    ...(project === undefined ? {} : { project }),
                  }
                  await run(api.clearRequests)
                  const exit = await run(
                    Effect.exit(
                      Effect.result(
                        Containers.list({ limit: 1 }).pipe(ContainersClient.withOptions(options)),
                      ),
                    ),
                  )
                  const log = await run(api.requests)
                  if (Exit.isFailure(exit)) throw new Error(`defect: ${String(exit.cause)}`)
                  const result = exit.value
                  const values = [value, organization, project].filter((v): v is string => v !== undefined)
                  const valid = tokenName.test(name) && values.every((v) => fieldValue.test(v))
                  if (!valid) {
                    expect(Result.isFailure(result) && result.failure._tag).toBe("InvalidRequestError")
                    expect(log).toEqual([])
                    return
                  }
                  sent++
                  expect(Result.isSuccess(result)).toBe(true)
                  expect(log.length).toBe(1)
                  const received = log[0]!.headers
                  // HTTP strips leading and trailing whitespace from a field value; nothing else changes.
                  const wire = (v: string) => Buffer.from(v.trim(), "latin1").toString("latin1")
                  expect(received[name.toLowerCase()]).toBe(wire(value))
                  if (organization !== undefined)
                    expect(received["openai-organization"]).toBe(wire(organization))
                  if (project !== undefined) expect(received["openai-project"]).toBe(wire(project))
                  expect(received.authorization).toBe(`Bearer ${apiKey}`)
                  expect(Object.keys(received).some((k) => k.startsWith("x-injected"))).toBe(false)
                },
              ),
              { seed: SEED + 2, numRuns: RUNS },
            ),
          )
          console.log(
            `headers: ${RUNS} runs, ${sent} sent and checked, ${RUNS - sent} refused before sending`,
          )
          expect(sent).toBeGreaterThan(RUNS / 5)
        }).pipe(client, TestClock.withLive),
    )
  })
})
