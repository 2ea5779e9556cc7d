import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { Upload } from "../src/index.js"
import { streamBody, uploadBody } from "../src/internal/multipart.js"

const text = (chunks: ReadonlyArray<Uint8Array>) => new TextDecoder().decode(Buffer.concat(chunks))

describe("Upload", () => {
  it("guesses the content type from the name", () => {
    expect(Upload.guessContentType("report.CSV")).toBe("text/csv")
    expect(Upload.guessContentType("archive.tar.zip")).toBe("application/zip")
    expect(Upload.guessContentType("noext")).toBe("application/octet-stream")
    expect(Upload.fromBytes("a.json", new Uint8Array(3))).toMatchObject({
      name: "a.json",
      contentType: "application/json",
      size: 3,
      source: { _tag: "Bytes" },
    })
  })

  it("a Blob keeps its own type and a File its name", () => {
    const file = new File(["hi"], "notes.md", { type: "text/x-notes" })
    expect(Upload.fromBlob(file)).toMatchObject({ name: "notes.md", contentType: "text/x-notes", size: 2 })
    expect(Upload.fromBlob(new Blob(["x"]), "data.csv")).toMatchObject({
      name: "data.csv",
      contentType: "text/csv",
    })
    expect(Upload.fromBlob(new Blob(["x"]), "data.csv", { contentType: "text/plain" }).contentType).toBe(
      "text/plain",
    )
  })

  it.effect("a stream is one-shot: a second open fails with InvalidRequestError", () =>
    Effect.gen(function* () {
      const upload = Upload.fromStream("big.bin", Stream.make(new Uint8Array([1])), { size: 1 })
      expect(upload).toMatchObject({ size: 1, source: { _tag: "Stream", replayable: false } })
      if (upload.source._tag !== "Stream") throw new Error("expected a stream source")
      yield* upload.source.open
      const error = yield* Effect.flip(upload.source.open)
      expect(error).toMatchObject({
        _tag: "InvalidRequestError",
        message: 'The one-shot upload stream for "big.bin" was already sent',
      })
    }),
  )
})

describe("multipart", () => {
  it.effect("a stream is framed as the file part, with a Content-Length when the size is known", () =>
    Effect.gen(function* () {
      const upload = Upload.fromStream(
        'a"b\r\n.txt',
        Stream.make(new TextEncoder().encode("hello "), new TextEncoder().encode("world")),
        { size: 11 },
      )
      if (upload.source._tag !== "Stream") throw new Error("expected a stream source")
      const body = streamBody(upload, yield* upload.source.open)
      if (body._tag !== "Stream") throw new Error("expected a stream body")
      const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!
      const sent = text(yield* Stream.runCollect(body.stream))
      expect(sent).toBe(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a%22b%0D%0A.txt"\r\n` +
          `Content-Type: text/plain\r\n\r\nhello world\r\n--${boundary}--\r\n`,
      )
      expect(body.contentLength).toBe(new TextEncoder().encode(sent).length)
    }),
  )

  it.effect("bytes go as FormData with the name and type, and can be built again", () =>
    Effect.gen(function* () {
      const upload = Upload.fromBytes("a.csv", new TextEncoder().encode("x,y"))
      const body = uploadBody(upload)
      expect(body.replayable).toBe(true)
      for (let attempt = 0; attempt < 2; attempt++) {
        const built = yield* body.make
        if (built._tag !== "FormData") throw new Error("expected a FormData body")
        const part = built.formData.get("file")
        expect(part).toBeInstanceOf(File)
        expect([
          (part as File).name,
          (part as File).type,
          yield* Effect.promise(() => (part as File).text()),
        ]).toEqual(["a.csv", "text/csv", "x,y"])
      }
    }),
  )

  it("a one-shot stream's body says it cannot be replayed", () => {
    expect(uploadBody(Upload.fromStream("s.bin", Stream.empty)).replayable).toBe(false)
  })
})
