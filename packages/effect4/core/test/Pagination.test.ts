import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ContainerFiles, Containers, type ContainersClient } from "../src/index.js"
import * as Request from "../src/internal/request.js"
import * as Stub from "./stub.js"

const ids = Array.from({ length: 25 }, (_, i) => `cfile_${String(i).padStart(3, "0")}`)

/** A server holding `ids`, answering `after`/`limit` like the API; `fail(i)` can fail request i. */
const server =
  (fail: (i: number) => Stub.Reply | undefined = () => undefined, options: { dropLastId?: boolean } = {}) =>
  (request: Stub.Recorded, i: number): Stub.Reply => {
    const failure = fail(i)
    if (failure) return failure
    const after = request.url.searchParams.get("after")
    const limit = Number(request.url.searchParams.get("limit") ?? 20)
    const start = after === null ? 0 : ids.indexOf(after) + 1
    const data = ids.slice(start, start + limit)
    return Stub.json({
      object: "list",
      data: data.map((id) => Stub.file(id)),
      first_id: data[0] ?? null,
      ...(options.dropLastId ? {} : { last_id: data[data.length - 1] ?? null }),
      has_more: start + limit < ids.length,
    })
  }

const collectIds = <E>(stream: Stream.Stream<{ id: string }, E, ContainersClient.ContainersClient>) =>
  Effect.map(Stream.runCollect(stream), (items) => items.map((f) => f.id))

describe("pagination", () => {
  it.effect("stream walks every page with the after cursor, each item once and in order", () => {
    const stub = Stub.layer(server())
    return Effect.gen(function* () {
      expect(yield* collectIds(ContainerFiles.stream("cntr_1", { limit: 10, order: "asc" }))).toEqual(ids)
      expect(stub.requests.map((r) => r.url.searchParams.get("after"))).toEqual([
        null,
        "cfile_009",
        "cfile_019",
      ])
      expect(stub.requests.map((r) => r.url.searchParams.get("order"))).toEqual(["asc", "asc", "asc"])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("pages yields the pages themselves", () => {
    const stub = Stub.layer(server())
    return Effect.gen(function* () {
      const pages = yield* Stream.runCollect(ContainerFiles.pages("cntr_1", { limit: 10 }))
      expect(pages.map((p) => [p.data.length, p.has_more])).toEqual([
        [10, true],
        [10, true],
        [5, false],
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("starts from a given after cursor", () => {
    const stub = Stub.layer(server())
    return Effect.gen(function* () {
      expect(yield* collectIds(ContainerFiles.stream("cntr_1", { after: "cfile_019" }))).toEqual(
        ids.slice(20),
      )
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("falls back to the last item's id when last_id is absent", () => {
    const stub = Stub.layer(server(undefined, { dropLastId: true }))
    return Effect.gen(function* () {
      expect(yield* collectIds(ContainerFiles.stream("cntr_1", { limit: 7 }))).toEqual(ids)
      expect(stub.requests.map((r) => r.url.searchParams.get("after"))).toEqual([
        null,
        "cfile_006",
        "cfile_013",
        "cfile_020",
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("stops on an empty page even if has_more says otherwise", () => {
    const stub = Stub.layer(() =>
      Stub.json({ object: "list", data: [], first_id: null, last_id: null, has_more: true }),
    )
    return Effect.gen(function* () {
      expect(yield* collectIds(ContainerFiles.stream("cntr_1"))).toEqual([])
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a failing page is retried with the same cursor: nothing lost, nothing repeated", () => {
    const failures = new Set([1, 3, 4])
    const stub = Stub.layer(
      server((i) =>
        failures.has(i) ? Stub.json({ error: { message: "busy", type: "server_error" } }, 503) : undefined,
      ),
    )
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(collectIds(ContainerFiles.stream("cntr_1", { limit: 10 })))
      yield* Stub.adjust("10 seconds")
      expect(yield* Fiber.join(fiber)).toEqual(ids)
      expect(stub.requests.map((r) => r.url.searchParams.get("after"))).toEqual([
        null,
        "cfile_009",
        "cfile_009",
        "cfile_019",
        "cfile_019",
        "cfile_019",
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a page that fails for good fails the stream after the items before it", () => {
    const stub = Stub.layer(
      server((i) => (i >= 1 ? Stub.json({ error: { message: "gone" } }, 404) : undefined)),
    )
    return Effect.gen(function* () {
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(ContainerFiles.stream("cntr_1", { limit: 10 }), (f) =>
          Effect.sync(() => seen.push(f.id)),
        ),
      )
      expect(error._tag).toBe("NotFoundError")
      expect(seen).toEqual(ids.slice(0, 10))
    }).pipe(Effect.provide(stub.layer))
  })

  for (const pagePrefetch of [0, 1]) {
    it.effect(
      `a page that fails its schema check fails the stream after the pages before it (prefetch ${pagePrefetch})`,
      () => {
        // Page 2 echoes the key in a field of the wrong type: the check runs after the request
        // (the next page may already be on its way), and its error must still hide the key.
        const stub = Stub.layer(
          (request, i) =>
            i === 1
              ? Stub.json({
                  object: "list",
                  data: [Stub.file("cfile_010", { bytes: `bytes for ${Stub.apiKey}` })],
                  last_id: "cfile_010",
                  has_more: true,
                })
              : server()(request, i),
          { pagePrefetch },
        )
        return Effect.gen(function* () {
          const seen: Array<string> = []
          const error = yield* Effect.flip(
            Stream.runForEach(ContainerFiles.stream("cntr_1", { limit: 10 }), (f) =>
              Effect.sync(() => seen.push(f.id)),
            ),
          )
          expect(seen).toEqual(ids.slice(0, 10))
          expect(error).toMatchObject({
            _tag: "ResponseDecodeError",
            reason: "SchemaMismatch",
            method: "GET",
            path: "/containers/cntr_1/files",
            status: 200,
          })
          expect(JSON.stringify(error)).not.toContain(Stub.apiKey)
          expect(String(error)).not.toContain(Stub.apiKey)
          expect(error.message).not.toContain(Stub.apiKey)
          // A mismatch is not retried. The walk may have gone on ahead of the consumer (with
          // prefetch 1: up to three pages), but no further.
          expect(stub.requests.map((r) => r.url.searchParams.get("after")).slice(0, 2)).toEqual([
            null,
            "cfile_009",
          ])
          expect(stub.requests.length).toBeLessThanOrEqual(pagePrefetch === 0 ? 2 : 4)
        }).pipe(Effect.provide(stub.layer))
      },
    )
  }

  const requestsWhileBlocked = (pagePrefetch: number) => {
    const stub = Stub.layer(server(), { pagePrefetch })
    return Effect.gen(function* () {
      const release = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(
        Stream.runForEach(ContainerFiles.stream("cntr_1", { limit: 3 }), () => Deferred.await(release)),
      )
      // Let every fiber run as far as it can while the consumer sits on the first item: the
      // walk waits for a turn of the event loop after each request it makes.
      for (let i = 0; i < 20; i++)
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      const seen = stub.requests.length
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(fiber)
      return { seen, total: stub.requests.length }
    }).pipe(Effect.provide(stub.layer))
  }

  it.effect("a consumer that stops early interrupts the page request in flight", () => {
    let interrupted = false
    const stub = Stub.layer((request, i) =>
      i === 0
        ? Effect.succeed(server()(request, i))
        : Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true)))),
    )
    return Effect.gen(function* () {
      expect(yield* collectIds(ContainerFiles.stream("cntr_1", { limit: 5 }).pipe(Stream.take(3)))).toEqual(
        ids.slice(0, 3),
      )
      expect(stub.requests).toHaveLength(2)
      expect(interrupted).toBe(true)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("without prefetch, the next page waits for the consumer", () =>
    Effect.map(requestsWhileBlocked(0), (r) => expect(r).toEqual({ seen: 1, total: 9 })),
  )

  it.effect("with prefetch, pages are fetched ahead while the consumer works, but boundedly", () =>
    Effect.gen(function* () {
      // With the consumer holding the first page, n pages wait in the buffer and one more has
      // been fetched and waits for room: n + 2 requests, and no more.
      expect(yield* requestsWhileBlocked(1)).toEqual({ seen: 3, total: 9 })
      expect(yield* requestsWhileBlocked(2)).toEqual({ seen: 4, total: 9 })
    }),
  )

  it.effect("a parsed body is checked only when its decode runs, not when it is parsed", () => {
    let checks = 0
    const Counted = Schema.Struct({ ok: Schema.Boolean }).check(
      Schema.makeFilter(() => {
        checks++
        return true
      }),
    )
    const stub = Stub.layer(() => Stub.json({ ok: true }))
    return Effect.gen(function* () {
      const parsed = yield* Request.parsed(
        { span: "test", method: "GET", path: "/x", attributes: {} },
        Counted,
      )
      expect(parsed.raw).toEqual({ ok: true })
      expect(checks).toBe(0)
      expect(yield* parsed.decode).toEqual({ ok: true })
      expect(checks).toBe(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("Containers.stream walks container pages too, with the name filter", () => {
    const stub = Stub.layer((_, i) =>
      Stub.json({
        object: "list",
        data: [Stub.container(`cntr_${i}`)],
        first_id: `cntr_${i}`,
        last_id: `cntr_${i}`,
        has_more: i < 2,
      }),
    )
    return Effect.gen(function* () {
      expect(yield* collectIds(Containers.stream({ name: "box", limit: 1 }))).toEqual([
        "cntr_0",
        "cntr_1",
        "cntr_2",
      ])
      expect(stub.requests.map((r) => Object.fromEntries(r.url.searchParams))).toEqual([
        { limit: "1", name: "box" },
        { limit: "1", name: "box", after: "cntr_0" },
        { limit: "1", name: "box", after: "cntr_1" },
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("Containers.pages yields decoded container pages", () => {
    const stub = Stub.layer((_, i) =>
      Stub.json({ object: "list", data: [Stub.container(`cntr_${i}`)], has_more: i < 1 }),
    )
    return Effect.gen(function* () {
      const pages = yield* Stream.runCollect(Containers.pages())
      expect(pages.map((p) => [p.data.map((c) => c.id), p.has_more])).toEqual([
        [["cntr_0"], true],
        [["cntr_1"], false],
      ])
      expect(stub.requests.map((r) => r.url.searchParams.get("after"))).toEqual([null, "cntr_0"])
    }).pipe(Effect.provide(stub.layer))
  })
})
