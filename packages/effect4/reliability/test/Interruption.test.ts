/**
 * Interruption over real sockets: interrupting a list stream, a content download, a download
 * to disk or a backoff wait returns at once, aborts the HTTP request (the raw server sees the
 * connection close) and leaves no socket or fiber behind.
 */

import * as fs from "node:fs"
import type * as Http from "node:http"
import * as nodePath from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { ContainerFiles, type ContainersClient } from "@openai-containers/core"
import { NodeContainerFiles } from "@openai-containers/node"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import {
  activeSockets,
  binary,
  eventually,
  fiberTracker,
  nodeClientLayer,
  type RawServer,
  rawServer,
  tempDir,
} from "./support.js"

/** The bound the issue sets for "promptly" on loopback. */
const PROMPT_MS = 100

/** Every measured interruption, in milliseconds, printed at the end. */
const timings: Array<number> = []

const fileJson = (i: number) => ({
  id: `cfile_${String(i).padStart(6, "0")}`,
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1_700_000_000,
  bytes: 1,
  path: `/mnt/data/f${i}`,
  source: "user",
})

const page = (from: number, size: number, hasMore: boolean) => {
  const data = Array.from({ length: size }, (_, i) => fileJson(from + i))
  return JSON.stringify({
    object: "list",
    data,
    first_id: data[0]!.id,
    last_id: data.at(-1)!.id,
    has_more: hasMore,
  })
}

const holdOpen = (_req: Http.IncomingMessage, _res: Http.ServerResponse) => {
  // Never answers: only the client closing the connection ends this request.
}

/**
 * Runs `program` in a fork under the Node client, waits for `ready`, interrupts it, and returns
 * how long the interruption took, with the supervisor's view of fibers still alive after it.
 */
const interruptWhenReady = <A, E>(
  server: RawServer,
  program: Effect.Effect<A, E, ContainersClient.ContainersClient>,
  ready: Effect.Effect<void, never, ContainersClient.ContainersClient>,
  options: ContainersClient.Options = {},
) =>
  Effect.gen(function* () {
    const fibers = fiberTracker()
    const fiber = yield* fibers.track(Effect.forkChild(program))
    yield* ready
    const started = performance.now()
    yield* Fiber.interrupt(fiber)
    const interruptMillis = performance.now() - started
    timings.push(Math.round(interruptMillis * 10) / 10)
    // Fibers the program forked (prefetch, body readers) must be gone with it.
    return { started, interruptMillis, alive: fibers.alive() }
  }).pipe(Effect.provide(nodeClientLayer(server.baseUrl, options)))

const requestSeen = (server: RawServer, count = 1) =>
  Effect.flatMap(
    eventually(() => server.requests.length >= count),
    (ok) => (ok ? Effect.void : Effect.die(new Error(`the server never saw request ${count}`))),
  )

/** Waits for the server to see the request's connection close, and returns when it did. */
const abortSeen = (server: RawServer, index: number) =>
  Effect.promise(() => server.requests[index]!.aborted).pipe(
    Effect.timeoutOrElse({
      duration: "2 seconds",
      orElse: () => Effect.die(new Error("the request was never aborted")),
    }),
    Effect.map(() => server.requests[index]!.abortedAt()!),
  )

/**
 * One interrupted stream and one interrupted download before the measured tests: the first
 * abort in a process pays for loading and compiling undici's abort path (about 100 ms here),
 * which is start-up cost, not the library waiting on anything.
 */
const warmUp = Effect.scoped(
  Effect.gen(function* () {
    const server = yield* rawServer((req, res) => {
      if (!req.url?.endsWith("/content")) return
      res.writeHead(200, { "content-length": "1000000" })
      res.write(binary(1024))
    })
    const first = yield* Deferred.make<void>()
    yield* interruptWhenReady(server, Stream.runDrain(ContainerFiles.stream("cntr_1")), requestSeen(server))
    yield* interruptWhenReady(
      server,
      Stream.runDrain(
        ContainerFiles.content("cntr_1", "f").pipe(Stream.tap(() => Deferred.succeed(first, undefined))),
      ),
      Deferred.await(first),
    )
  }),
).pipe(
  // Bounded, so a broken interruption fails the measured tests below rather than this hook.
  Effect.timeout("3 seconds"),
  Effect.ignore,
  Effect.andThen(eventually(() => activeSockets() === 0)),
)

describe("interruption over real sockets", () => {
  beforeAll(() => Effect.runPromise(warmUp).then(() => void timings.splice(0)))
  afterAll(() => console.log(`interruption took (ms): ${timings.join(", ")}`))

  it.live("interrupting a list stream waiting for a page aborts its request", () =>
    Effect.gen(function* () {
      const baseline = activeSockets()
      const server = yield* rawServer(holdOpen)
      const result = yield* interruptWhenReady(
        server,
        Stream.runDrain(ContainerFiles.stream("cntr_1")),
        requestSeen(server),
      )
      expect(result.interruptMillis).toBeLessThan(PROMPT_MS)
      expect(result.alive).toBe(0)
      const abortedAt = yield* abortSeen(server, 0)
      expect(abortedAt - result.started).toBeLessThan(PROMPT_MS)
      expect(yield* server.connections).toBe(0)
      expect(yield* eventually(() => activeSockets() <= baseline)).toBe(true)
      expect(server.requests.length).toBe(1)
    }),
  )

  it.live("a stream cut short by Stream.take aborts the prefetched page request", () =>
    Effect.gen(function* () {
      const baseline = activeSockets()
      const server = yield* rawServer((_req, res, index) => {
        if (index >= 2) return // the third page never comes
        res.writeHead(200, { "content-type": "application/json" })
        res.end(page(index * 100, 100, true))
      })
      const taken = yield* Effect.provide(
        Effect.gen(function* () {
          const files = yield* ContainerFiles.stream("cntr_1", { limit: 100 }).pipe(
            // The consumer is slow enough that the prefetch has asked for page 3 before it stops.
            Stream.tap((file) => (file.id === fileJson(120).id ? requestSeen(server, 3) : Effect.void)),
            Stream.take(150),
            Stream.runCollect,
          )
          return files.length
        }),
        nodeClientLayer(server.baseUrl, { pagePrefetch: 2 }),
      )
      expect(taken).toBe(150)
      expect(server.requests.length).toBe(3)
      yield* abortSeen(server, 2)
      expect(yield* eventually(() => activeSockets() <= baseline)).toBe(true)
    }),
  )

  it.live("interrupting a content stream mid-body aborts the download", () =>
    Effect.gen(function* () {
      const baseline = activeSockets()
      const server = yield* rawServer((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": String(10_000_000),
        })
        res.write(binary(64 * 1024))
        // ... and the rest never comes.
      })
      const firstChunk = yield* Deferred.make<void>()
      const result = yield* interruptWhenReady(
        server,
        Stream.runDrain(
          ContainerFiles.content("cntr_1", "cfile_1").pipe(
            Stream.tap(() => Deferred.succeed(firstChunk, undefined)),
          ),
        ),
        Deferred.await(firstChunk),
      )
      expect(result.interruptMillis).toBeLessThan(PROMPT_MS)
      expect(result.alive).toBe(0)
      const abortedAt = yield* abortSeen(server, 0)
      expect(abortedAt - result.started).toBeLessThan(PROMPT_MS)
      expect(yield* server.connections).toBe(0)
      expect(yield* eventually(() => activeSockets() <= baseline)).toBe(true)
    }),
  )

  it.live("interrupting a download to disk mid-body aborts it and removes the temp file", () =>
    Effect.gen(function* () {
      const baseline = activeSockets()
      const dir = yield* tempDir
      const target = nodePath.join(dir, "out.bin")
      const server = yield* rawServer((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": String(10_000_000),
        })
        res.write(binary(64 * 1024))
      })
      const progressed = yield* Deferred.make<void>()
      const result = yield* interruptWhenReady(
        server,
        NodeContainerFiles.download("cntr_1", "cfile_1", target, {
          onProgress: (p) => (p.bytes > 0 ? Deferred.succeed(progressed, undefined) : Effect.void),
        }),
        Deferred.await(progressed),
      )
      expect(result.interruptMillis).toBeLessThan(PROMPT_MS)
      expect(result.alive).toBe(0)
      yield* abortSeen(server, 0)
      expect(fs.readdirSync(dir)).toEqual([])
      expect(yield* eventually(() => activeSockets() <= baseline)).toBe(true)
    }),
  )

  for (const [name, headers, options] of [
    ["a server-asked wait (retry-after-ms: 30000)", { "retry-after-ms": "30000" }, {}],
    ["the default backoff", {}, {}],
    ["a user schedule (spaced 1 hour)", {}, { retrySchedule: Schedule.spaced("1 hour") }],
  ] as const) {
    it.live(`interrupting ${name} between attempts returns at once and sends no retry`, () =>
      Effect.gen(function* () {
        const baseline = activeSockets()
        const answered = yield* Deferred.make<void>()
        const server = yield* rawServer((_req, res) => {
          res.writeHead(503, { "content-type": "application/json", ...headers })
          res.end(
            JSON.stringify({ error: { message: "busy", type: "server_error", param: null, code: null } }),
            () => Deferred.doneUnsafe(answered, Effect.void),
          )
        })
        const result = yield* interruptWhenReady(
          server,
          ContainerFiles.retrieve("cntr_1", "cfile_1"),
          // Let the client read the 503 and enter its wait.
          Effect.andThen(Deferred.await(answered), Effect.sleep("20 millis")),
          { maxRetries: 5, ...options },
        )
        expect(result.interruptMillis).toBeLessThan(PROMPT_MS)
        expect(result.alive).toBe(0)
        yield* Effect.sleep("50 millis")
        expect(server.requests.length).toBe(1)
        // The client layer is gone: its kept-alive connection went with it.
        expect(yield* eventually(() => activeSockets() <= baseline)).toBe(true)
      }),
    )
  }
})
