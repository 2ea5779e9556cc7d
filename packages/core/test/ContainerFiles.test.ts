import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ContainerFiles, Models, Upload } from "../src/index.js"
import * as Stub from "./stub.js"

const page = (ids: ReadonlyArray<string>, has_more: boolean) => ({
  object: "list",
  data: ids.map((id) => Stub.file(id)),
  first_id: ids[0] ?? null,
  last_id: ids[ids.length - 1] ?? null,
  has_more,
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
        Effect.fork,
      )
      // The first bytes come through a web stream's promises: let them arrive (event-loop
      // turns, not time).
      while (received.length < 3) yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      yield* TestClock.adjust("1999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      expect(error._tag === "TimeoutError" && error.phase).toBe("deadline")
      expect(error.message).toBe(
        "The content did not arrive in full within 2s (GET /containers/c/files/f/content)",
      )
      expect(received).toEqual([1, 2, 3])
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
      const fiber = yield* Effect.fork(
        Stream.runCollect(
          ContainerFiles.content("cntr_1", "cfile_7", {
            onResponse: (info) => Effect.sync(() => seen.push(info)),
          }),
        ),
      )
      yield* TestClock.adjust("1 second")
      const chunks = yield* Fiber.join(fiber)
      expect(seen).toEqual([{ contentLength: 1234, contentType: "text/csv" }])
      expect(Chunk.reduce(chunks, 0, (n, c) => n + c.length)).toBe(1234)
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

  describe("bad input fails with InvalidRequestError and sends nothing", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1")))
    const run = <A, E extends { _tag: string }, R>(name: string, effect: Effect.Effect<A, E, R>) =>
      it.effect(
        name,
        () =>
          Effect.gen(function* () {
            const before = stub.requests.length
            const exit = yield* Effect.exit(effect)
            expect(exit).toMatchObject({ _tag: "Failure" })
            const error = Exit.isFailure(exit) ? exit.cause : undefined
            expect(error).toMatchObject({ _tag: "Fail", error: { _tag: "InvalidRequestError" } })
            expect(stub.requests.length).toBe(before)
          }).pipe(Effect.provide(stub.layer)) as Effect.Effect<void>,
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
})
