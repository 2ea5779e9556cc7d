/**
 * What a user passes into a multipart part head cannot inject a line there. A content type a
 * Blob type or a header line cannot carry is refused by `ContainerFiles.create` with
 * `InvalidRequestError` before anything is sent, whichever constructor made the upload; a
 * file name is escaped (WHATWG), so it stays on its one line on every path.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { ContainerFiles, Upload } from "../src/index.js"
import * as Stub from "./stub.js"

const bytes = new Uint8Array([0, 1, 2, 13, 10, 255, 34])

/** Every constructor, each with a count of how often its source was read. */
const constructors = (name: string, contentType: string | undefined) => {
  const pulls = { count: 0 }
  const source = Stream.suspend(() => {
    pulls.count++
    return Stream.make(bytes)
  })
  const uploads: ReadonlyArray<readonly [string, Upload.Upload]> = [
    ["fromBytes", Upload.fromBytes(name, bytes, { contentType })],
    ["fromBlob", Upload.fromBlob(new Blob([bytes]), name, { contentType })],
    ["fromStream", Upload.fromStream(name, source, { size: bytes.byteLength, contentType })],
    [
      "make",
      Upload.make({
        name,
        contentType,
        size: bytes.byteLength,
        replayable: true,
        open: Effect.succeed(source),
      }),
    ],
  ]
  return { pulls, uploads }
}

const unsafe: ReadonlyArray<readonly [string, string]> = [
  ["CRLF and a header line", "text/plain\r\nX-Injected: 1"],
  ["CRLF CRLF and bytes", "text/plain\r\n\r\nforged bytes"],
  ["a bare LF", "text/plain\nX-Injected: 1"],
  ["a bare CR", "text/plain\rX"],
  ["NUL", "text/plain\u0000"],
  ["a tab", "text/plain;\tcharset=utf-8"],
  ["DEL", "text/plain\u007f"],
  ["a Latin-1 letter", "text/pl\u00e4in"],
  ["a character above U+00FF", "text/\u2603"],
  ["a Unicode line separator", "text/plain\u2028X-Injected: 1"],
  ["nothing", ""],
  ["only spaces", "   "],
]

/** The one part of a multipart body: its head lines (after the boundary) and its bytes. */
const part = (request: Stub.Recorded) => {
  const boundary = request.contentType!.split("boundary=")[1]!
  const body = Buffer.from(request.body)
  const opening = Buffer.from(`--${boundary}\r\n`)
  const closing = Buffer.from(`\r\n--${boundary}--\r\n`)
  expect(body.subarray(0, opening.length).equals(opening)).toBe(true)
  expect(body.subarray(body.length - closing.length).equals(closing)).toBe(true)
  const inner = body.subarray(opening.length, body.length - closing.length)
  const end = inner.indexOf("\r\n\r\n")
  return {
    head: inner.subarray(0, end).toString("latin1").split("\r\n"),
    bytes: new Uint8Array(inner.subarray(end + 4)),
  }
}

describe("upload part heads", () => {
  for (const [what, contentType] of unsafe) {
    it.effect(`a content type with ${what} is refused by every constructor, nothing sent`, () =>
      Effect.gen(function* () {
        const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1")))
        const { pulls, uploads } = constructors("a.txt", contentType)
        for (const [made, upload] of uploads) {
          const error = yield* ContainerFiles.create("cntr_1", { file: upload }).pipe(
            Effect.provide(stub.layer),
            Effect.flip,
          )
          expect([made, error._tag]).toEqual([made, "InvalidRequestError"])
          expect(error.message).toContain('The content type of upload "a.txt"')
        }
        expect(stub.requests.length).toBe(0)
        expect(pulls.count).toBe(0)
      }),
    )
  }

  it.effect("a one-shot stream refused for its content type is never opened", () =>
    Effect.gen(function* () {
      const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1")))
      const upload = Upload.fromStream("a.txt", Stream.make(bytes), { contentType: "text/plain\r\nX: 1" })
      for (let i = 0; i < 2; i++) {
        const error = yield* ContainerFiles.create("cntr_1", { file: upload }).pipe(
          Effect.provide(stub.layer),
          Effect.flip,
        )
        // The same refusal each time, not "already sent": the check runs before `open`.
        expect(error.message).toBe(
          'The content type of upload "a.txt" contains CR, LF, a control character or one outside visible ASCII',
        )
      }
      expect(stub.requests.length).toBe(0)
    }),
  )

  it.effect(
    "a visible-ASCII content type is sent as given, in the same part head, by every constructor",
    () =>
      Effect.gen(function* () {
        const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1")))
        for (const [, upload] of constructors("table.csv", "text/csv; charset=utf-8").uploads) {
          yield* ContainerFiles.create("cntr_1", { file: upload }).pipe(Effect.provide(stub.layer))
        }
        expect(stub.requests.length).toBe(4)
        for (const request of stub.requests) {
          const { head, bytes: sent } = part(request)
          expect(head).toEqual([
            'Content-Disposition: form-data; name="file"; filename="table.csv"',
            "Content-Type: text/csv; charset=utf-8",
          ])
          expect(Buffer.compare(sent, bytes)).toBe(0)
        }
      }),
  )

  const names: ReadonlyArray<readonly [string, string, string]> = [
    [
      "CRLF and a header line",
      "evil.txt\r\nContent-Type: text/html",
      "evil.txt%0D%0AContent-Type: text/html",
    ],
    ["CRLF CRLF and bytes", "evil.txt\r\n\r\nforged", "evil.txt%0D%0A%0D%0Aforged"],
    ["a bare LF", "a\nb.txt", "a%0Ab.txt"],
    ["a bare CR", "a\rb.txt", "a%0Db.txt"],
    ["a quote closing the parameter", 'a.txt"; name="other', "a.txt%22; name=%22other"],
  ]
  for (const [what, name, escaped] of names) {
    it.effect(`a file name with ${what} stays on its line, by every constructor`, () =>
      Effect.gen(function* () {
        const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1")))
        for (const [, upload] of constructors(name, "text/plain").uploads) {
          yield* ContainerFiles.create("cntr_1", { file: upload }).pipe(Effect.provide(stub.layer))
        }
        expect(stub.requests.length).toBe(4)
        for (const request of stub.requests) {
          const { head, bytes: sent } = part(request)
          expect(head).toEqual([
            `Content-Disposition: form-data; name="file"; filename="${escaped}"`,
            "Content-Type: text/plain",
          ])
          expect(Buffer.compare(sent, bytes)).toBe(0)
        }
      }),
    )
  }
})
