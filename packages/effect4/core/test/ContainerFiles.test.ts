import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { ContainerFiles, type ContainersClient, Models, Upload } from "../src/index.js"
import * as Stub from "./stub.js"

const page = (ids: ReadonlyArray<string>, has_more: boolean) => ({
  object: "list",
  data: ids.map((id) => Stub.file(id)),
  first_id: ids[0] ?? null,
  last_id: ids[ids.length - 1] ?? null,
  has_more,
})

/** A body that sends `chunks`, pausing `gapMillis` of the test clock before each but the first. */
const paced = (chunks: ReadonlyArray<Uint8Array>, gaps: ReadonlyArray<number>) =>
  Stream.fromIterable(chunks).pipe(
    Stream.mapEffect((chunk, i) => Effect.as(Effect.sleep(gaps[i] ?? 0), chunk)),
  )

/** Advances the test clock in steps, settling in between, so no sleep is skipped over. */
const advance = (millis: number, step = 250) =>
  Effect.gen(function* () {
    for (let t = 0; t < millis; t += step) {
      yield* Stub.settle
      yield* Stub.adjust(Math.min(step, millis - t))
    }
    yield* Stub.settle
  })

describe("ContainerFiles", () => {
  it.effect("list sends GET with the query and decodes the page", () => {
    const stub = Stub.layer(() => Stub.json(page(["cfile_1", "cfile_2"], true)))
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.list("cntr_1", { limit: 2, order: "asc", after: "cfile_0" })
      expect(result).toBeInstanceOf(Models.ContainerFileList)
      expect(result.data.map((f) => f.id)).toEqual(["cfile_1", "cfile_2"])
      expect(result.data[0]).toBeInstanceOf(Models.ContainerFile)
      expect(result.has_more).toBe(true)
      const [req] = stub.requests
      expect(req!.method).toBe("GET")
      expect(req!.url.pathname).toBe("/v1/containers/cntr_1/files")
      expect(Object.fromEntries(req!.url.searchParams)).toEqual({
        limit: "2",
        order: "asc",
        after: "cfile_0",
      })
      expect(req!.headers.authorization).toBe(`Bearer ${Stub.apiKey}`)
      expect(req!.headers.accept).toBe("application/json")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("list with no params sends no query", () => {
    const stub = Stub.layer(() => Stub.json(page([], false)))
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.list("cntr_1")
      expect(result.data).toEqual([])
      expect(result.first_id).toBeUndefined()
      expect(stub.requests[0]!.url.search).toBe("")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("retrieve sends GET to the file path", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_9", { unknown_field: 1 })))
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.retrieve("cntr_1", "cfile_9")
      expect(result).toEqual(
        new Models.ContainerFile({
          id: "cfile_9",
          object: "container.file",
          container_id: "cntr_1",
          created_at: 1747848842,
          bytes: 880,
          path: "/mnt/data/cfile_9.txt",
          source: "user",
        }),
      )
      expect(stub.requests[0]!.method).toBe("GET")
      expect(stub.requests[0]!.url.pathname).toBe("/v1/containers/cntr_1/files/cfile_9")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("delete sends DELETE and decodes {id, object, deleted}", () => {
    const stub = Stub.layer(() =>
      Stub.json({ id: "cfile_9", object: "container.file.deleted", deleted: true }),
    )
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.delete("cntr_1", "cfile_9")
      expect(result).toEqual(
        new Models.ContainerFileDeleted({ id: "cfile_9", object: "container.file.deleted", deleted: true }),
      )
      expect(stub.requests[0]!.method).toBe("DELETE")
      expect(stub.requests[0]!.url.pathname).toBe("/v1/containers/cntr_1/files/cfile_9")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("create with fileId sends JSON {file_id}", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_3")))
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.create("cntr_1", { fileId: "file-abc" })
      expect(result.id).toBe("cfile_3")
      const req = stub.requests[0]!
      expect(req.method).toBe("POST")
      expect(req.url.pathname).toBe("/v1/containers/cntr_1/files")
      expect(req.contentType).toBe("application/json")
      expect(JSON.parse(Stub.decodeText(req.body))).toEqual({ file_id: "file-abc" })
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("create with bytes sends multipart with the name, type and exact bytes", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_4")))
    const bytes = new Uint8Array([0, 1, 2, 255, 13, 10])
    return Effect.gen(function* () {
      yield* ContainerFiles.create("cntr_1", { file: Upload.fromBytes("data.bin", bytes) })
      const req = stub.requests[0]!
      expect(req.contentType).toMatch(/^multipart\/form-data; boundary=/)
      const form = yield* Effect.promise(() =>
        new Response(req.body, { headers: { "content-type": req.contentType! } }).formData(),
      )
      const part = form.get("file") as File
      expect(part.name).toBe("data.bin")
      expect(part.type).toBe("application/octet-stream")
      expect(new Uint8Array(yield* Effect.promise(() => part.arrayBuffer()))).toEqual(bytes)
      expect([...form.keys()]).toEqual(["file"])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("create with a Blob keeps its type and the File's name", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_5")))
    const blob = new File(["a,b\n1,2\n"], "table.csv", { type: "text/csv" })
    return Effect.gen(function* () {
      yield* ContainerFiles.create("cntr_1", { file: Upload.fromBlob(blob) })
      const req = stub.requests[0]!
      const form = yield* Effect.promise(() =>
        new Response(req.body, { headers: { "content-type": req.contentType! } }).formData(),
      )
      const part = form.get("file") as File
      expect(part.name).toBe("table.csv")
      expect(part.type).toBe("text/csv")
      expect(yield* Effect.promise(() => part.text())).toBe("a,b\n1,2\n")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("create with a stream sends a framed multipart body with Content-Length", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_6")))
    const chunks = [new TextEncoder().encode("hello "), new TextEncoder().encode("world")]
    return Effect.gen(function* () {
      yield* ContainerFiles.create("cntr_1", {
        file: Upload.fromStream('we"ird\r\nname.txt', Stream.fromIterable(chunks), { size: 11 }),
      })
      const req = stub.requests[0]!
      const boundary = req.contentType!.split("boundary=")[1]!
      expect(Stub.decodeText(req.body)).toBe(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="we%22ird%0D%0Aname.txt"\r\n` +
          `Content-Type: text/plain\r\n\r\nhello world\r\n--${boundary}--\r\n`,
      )
      const form = yield* Effect.promise(() =>
        new Response(req.body, { headers: { "content-type": req.contentType! } }).formData(),
      )
      expect(yield* Effect.promise(() => (form.get("file") as File).text())).toBe("hello world")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("content streams the exact bytes with Accept application/binary", () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256)
    const stub = Stub.layer(() => ({ raw: bytes }))
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.contentBytes("cntr_1", "cfile_7")
      expect(result).toEqual(bytes)
      const req = stub.requests[0]!
      expect(req.url.pathname).toBe("/v1/containers/cntr_1/files/cfile_7/content")
      expect(req.headers.accept).toBe("application/binary")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("content's deadline ends a download that has not finished in time, on the Effect Clock", () => {
    // Headers and 3 bytes, then nothing: the idle timeout (60 s) would take longer.
    const stub = Stub.layer(
      () => ({
        raw: new ReadableStream({ start: (controller) => controller.enqueue(new Uint8Array([1, 2, 3])) }),
      }),
      { timeout: "60 seconds" },
    )
    return Effect.gen(function* () {
      const received: Array<number> = []
      const fiber = yield* ContainerFiles.content("c", "f", { deadline: "2 seconds" }).pipe(
        Stream.runForEach((chunk) => Effect.sync(() => received.push(...chunk))),
        Effect.flip,
        Effect.forkChild,
      )
      // The first bytes come through a web stream's promises: let them arrive (event-loop
      // turns, not time).
      while (received.length < 3) yield* Stub.settle
      yield* Stub.adjust("1999 millis")
      yield* Stub.settle
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* Stub.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      expect(error._tag === "TimeoutError" && error.phase).toBe("deadline")
      expect(error.message).toBe(
        "The content did not arrive in full within 2s (GET /containers/c/files/f/content)",
      )
      expect(received).toEqual([1, 2, 3])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("content's deadline counts the wait for headers and the retries too", () => {
    // Two 500s (each retried after the 0.5 s and 1 s backoff at most), then headers that never
    // come: the deadline, not the 60 s timeout, ends it.
    const stub = Stub.layer((_, i) => (i < 2 ? Stub.json({}, 500) : Effect.never), {
      timeout: "60 seconds",
      retrySchedule: Schedule.spaced("1 second"),
    })
    return Effect.gen(function* () {
      const fiber = yield* ContainerFiles.contentBytes("c", "f", { deadline: "5 seconds" }).pipe(
        Effect.flip,
        Effect.forkChild,
      )
      yield* Stub.adjust("4999 millis")
      yield* Stub.settle
      expect(fiber.pollUnsafe()).toBeUndefined()
      expect(stub.requests).toHaveLength(3)
      yield* Stub.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TimeoutError", phase: "deadline" })
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a download within its deadline is whole, and an infinite deadline is no deadline", () => {
    const bytes = new Uint8Array(1000).fill(9)
    const stub = Stub.layer(() => ({ raw: bytes }))
    return Effect.gen(function* () {
      expect(yield* ContainerFiles.contentBytes("c", "f", { deadline: "1 minute" })).toEqual(bytes)
      expect(yield* ContainerFiles.contentBytes("c", "f", { deadline: Duration.infinity })).toEqual(bytes)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("content's onResponse gets the successful attempt's length and type, once", () => {
    const bytes = new Uint8Array(1234).fill(7)
    const stub = Stub.layer((_, i) =>
      i === 0
        ? { status: 503, body: { error: { message: "busy" } } }
        : { raw: bytes, headers: { "content-type": "text/csv", "content-length": "1234" } },
    )
    return Effect.gen(function* () {
      const seen: Array<ContainerFiles.ContentInfo> = []
      const fiber = yield* Effect.forkChild(
        Stream.runCollect(
          ContainerFiles.content("cntr_1", "cfile_7", {
            onResponse: (info) => Effect.sync(() => seen.push(info)),
          }),
        ),
      )
      yield* Stub.adjust("1 second")
      const chunks = yield* Fiber.join(fiber)
      expect(seen).toEqual([{ contentLength: 1234, contentType: "text/csv" }])
      expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(1234)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("content fails with the status error and sends once for a 404", () => {
    const stub = Stub.layer(() =>
      Stub.json(
        { error: { message: "No such file", type: "invalid_request_error", param: null, code: null } },
        404,
      ),
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.contentBytes("cntr_1", "cfile_x"))
      expect(error._tag).toBe("NotFoundError")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  describe("content's idle timeout", () => {
    const chunk = (n: number) => new Uint8Array(100).fill(n)
    // The body is an Effect stream on the test clock, handed to the client as a Web stream.
    const body = (gaps: ReadonlyArray<number>, stallAfter = false) =>
      Effect.map(Effect.context<never>(), (context) => ({
        raw: Stream.toReadableStreamWith(
          paced([chunk(1), chunk(2), chunk(3)], gaps).pipe(
            stallAfter ? Stream.concat(Stream.never) : (s) => s,
          ),
          context,
        ),
      }))

    it.effect("a body that goes quiet for the timeout fails with an idle TimeoutError", () => {
      const stub = Stub.layer(() => body([0, 0, 0], true), { timeout: "5 seconds", maxRetries: 0 })
      return Effect.gen(function* () {
        const received: Array<number> = []
        const fiber = yield* Effect.forkChild(
          Effect.flip(
            Stream.runForEach(ContainerFiles.content("cntr_1", "cfile_7"), (bytes) =>
              Effect.sync(() => received.push(bytes.length)),
            ),
          ),
        )
        yield* Stub.settle
        expect(received.reduce((a, b) => a + b, 0)).toBe(300)
        yield* Stub.adjust("4999 millis")
        yield* Stub.settle
        expect(fiber.pollUnsafe()).toBeUndefined()
        yield* Stub.adjust("1 millis")
        const error = yield* Fiber.join(fiber)
        expect(error).toMatchObject({ _tag: "TimeoutError", phase: "idle", method: "GET" })
        expect(error.message).toBe("No bytes received for 5s (GET /containers/cntr_1/files/cfile_7/content)")
        expect(received.reduce((a, b) => a + b, 0)).toBe(300)
      }).pipe(Effect.provide(stub.layer))
    })

    it.effect("gaps shorter than the timeout do not add up, and a slow consumer is not idle", () => {
      const stub = Stub.layer(() => body([0, 4000, 4000]), { timeout: "5 seconds", maxRetries: 0 })
      return Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          Stream.runForEach(ContainerFiles.content("cntr_1", "cfile_7"), () => Effect.sleep("6 seconds")),
        )
        yield* advance(30_000)
        expect(yield* Fiber.join(fiber)).toBeUndefined()
        expect(stub.requests).toHaveLength(1)
      }).pipe(Effect.provide(stub.layer))
    })
  })

  describe("bad input fails with InvalidRequestError and sends nothing", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1")))
    const run = <A, E extends { _tag: string }>(
      name: string,
      effect: Effect.Effect<A, E, ContainersClient.ContainersClient>,
    ) =>
      it.effect(name, () =>
        Effect.gen(function* () {
          const before = stub.requests.length
          const error = yield* Effect.flip(effect)
          expect(error._tag).toBe("InvalidRequestError")
          expect(stub.requests.length).toBe(before)
        }).pipe(Effect.provide(stub.layer)),
      )
    run("empty container id", ContainerFiles.retrieve("", "cfile_1"))
    run("empty file id", ContainerFiles.retrieve("cntr_1", ""))
    run("'.' container id", ContainerFiles.list("."))
    run("'..' file id", ContainerFiles.delete("cntr_1", ".."))
    run("'..' in content", ContainerFiles.contentBytes("..", "cfile_1"))
    run("lone surrogate", ContainerFiles.retrieve("cntr_\ud800", "cfile_1"))
    run("limit 0", ContainerFiles.list("cntr_1", { limit: 0 }))
    run("limit 101", ContainerFiles.list("cntr_1", { limit: 101 }))
    run("limit 2.5", ContainerFiles.list("cntr_1", { limit: 2.5 }))
    run("limit 0 in stream", Stream.runDrain(ContainerFiles.stream("cntr_1", { limit: 0 })))
    run(
      "both file and fileId",
      ContainerFiles.create("cntr_1", {
        file: Upload.fromBytes("a.txt", new Uint8Array(1)),
        fileId: "f",
      } as never),
    )
    run("neither file nor fileId", ContainerFiles.create("cntr_1", {} as never))
    run("empty fileId", ContainerFiles.create("cntr_1", { fileId: "" }))
    run("a Blob with no name", ContainerFiles.create("cntr_1", { file: Upload.fromBlob(new Blob(["x"])) }))
  })

  it.effect("ids with reserved characters are encoded as one segment", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("x")))
    return Effect.gen(function* () {
      yield* ContainerFiles.retrieve("a/b?c#d", "e%f g/..")
      expect(stub.requests[0]!.url.pathname).toBe("/v1/containers/a%2Fb%3Fc%23d/files/e%25f%20g%2F..")
      expect(stub.requests[0]!.url.search).toBe("")
      expect(stub.requests[0]!.url.hash).toBe("")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a one-shot stream upload cannot be sent twice", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_6")))
    const upload = Upload.fromStream("a.txt", Stream.make(new Uint8Array([1])))
    return Effect.gen(function* () {
      yield* ContainerFiles.create("cntr_1", { file: upload })
      const error = yield* Effect.flip(ContainerFiles.create("cntr_1", { file: upload }))
      expect(error._tag).toBe("InvalidRequestError")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("each call runs in a span named after it, with the ids as attributes", () => {
    const stub = Stub.layer((request) =>
      request.url.pathname.endsWith("/content")
        ? { raw: new Uint8Array(3) }
        : Stub.json(Stub.file("cfile_1")),
    )
    return Effect.gen(function* () {
      const { spans, tracer } = yield* Stub.spanRecorder
      yield* Effect.all([
        ContainerFiles.retrieve("cntr_1", "cfile_1"),
        ContainerFiles.contentBytes("cntr_1", "cfile_1"),
      ]).pipe(Effect.withTracer(tracer))
      expect(spans.map((s) => [s.name, s.kind, Object.fromEntries(s.attributes)])).toEqual([
        [
          "ContainerFiles.retrieve",
          "client",
          {
            "openai.container_id": "cntr_1",
            "openai.file_id": "cfile_1",
            "http.request.method": "GET",
            "http.response.status_code": 200,
          },
        ],
        [
          "ContainerFiles.content",
          "client",
          {
            "openai.container_id": "cntr_1",
            "openai.file_id": "cfile_1",
            "http.request.method": "GET",
            "http.response.status_code": 200,
          },
        ],
      ])
      expect(spans.every((s) => s.status._tag === "Ended")).toBe(true)
    }).pipe(Effect.provide(stub.layer))
  })
})
