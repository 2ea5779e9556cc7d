/**
 * Reading request bodies: JSON, or multipart with the upload copied into a `Content` while it
 * streams in. Both count the bytes read so the request log can report the body size.
 */
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Multipart from "@effect/platform/Multipart"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type Content, ContentBuilder } from "./bytes.js"
import { type ApiFailure, invalidRequest } from "./errors.js"

/** What the log learns about a request as its body is read. @internal */
export interface BodyStats {
  bodySize: number
  fileSha256: string | undefined
}

/** @internal */
export interface UploadedFile {
  readonly filename: string
  readonly content: Content
}

/** @internal */
export interface MultipartBody {
  readonly file: UploadedFile | undefined
  readonly fields: ReadonlyMap<string, string>
  readonly fileFields: ReadonlyArray<string>
}

const counted = (request: HttpServerRequest.HttpServerRequest, stats: BodyStats) =>
  Stream.tap(request.stream, (chunk) =>
    Effect.sync(() => {
      stats.bodySize += chunk.length
    }),
  )

const unreadable = (cause: unknown): ApiFailure =>
  invalidRequest(`Could not read the request body: ${cause instanceof Error ? cause.message : String(cause)}`)

/** Reads the whole body (or nothing, when there is none). */
const readAll = (
  request: HttpServerRequest.HttpServerRequest,
  stats: BodyStats,
): Effect.Effect<Uint8Array, ApiFailure> =>
  Stream.runCollect(counted(request, stats)).pipe(
    Effect.map((chunks) => {
      const out = new Uint8Array(stats.bodySize)
      let offset = 0
      for (const chunk of chunks) {
        out.set(chunk, offset)
        offset += chunk.length
      }
      return out
    }),
    // A request without a body has no stream to read: that is an empty body, not an error.
    Effect.catchAll((cause) =>
      stats.bodySize === 0 && cause.reason === "Decode" && cause.description !== undefined
        ? Effect.succeed(new Uint8Array(0))
        : Effect.fail(unreadable(cause)),
    ),
  )

/** Parses the body as JSON; an empty body is `undefined`. @internal */
export const readJson = (
  request: HttpServerRequest.HttpServerRequest,
  stats: BodyStats,
): Effect.Effect<unknown, ApiFailure> =>
  Effect.flatMap(readAll(request, stats), (bytes) => {
    const text = new TextDecoder().decode(bytes)
    if (text.trim() === "") return Effect.succeed(undefined)
    return Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: () =>
        invalidRequest(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        ),
    })
  })

/** Reads a multipart body: the `file` part into memory, the other fields as text. @internal */
export const readMultipart = (
  request: HttpServerRequest.HttpServerRequest,
  stats: BodyStats,
): Effect.Effect<MultipartBody, ApiFailure> =>
  Effect.scoped(
    Effect.gen(function* () {
      let file: UploadedFile | undefined
      const fields = new Map<string, string>()
      const fileFields: Array<string> = []
      // The parser stops at the closing boundary. Whatever follows (an epilogue, or only the end
      // of the stream) must still be read: on Node, a request stream cut short destroys the socket,
      // and the reply with it. So the body is pulled by hand and drained after the parse.
      const pull = yield* Stream.toPull(
        Stream.mapError(
          counted(request, stats),
          (cause) => new Multipart.MultipartError({ reason: "InternalError", cause }),
        ),
      )
      const body = Stream.repeatEffectOption(pull).pipe(Stream.flattenChunks)
      const parts = Stream.pipeThroughChannel(body, Multipart.makeChannel(request.headers))
      yield* Stream.runForEach(parts, (part) => {
        if (part._tag === "Field") {
          return Effect.sync(() => void fields.set(part.key, part.value))
        }
        fileFields.push(part.key)
        const builder = new ContentBuilder()
        // Every part's content must be drained for the parser to reach the next one.
        return Stream.runForEach(part.content, (chunk) => Effect.sync(() => builder.append(chunk))).pipe(
          Effect.andThen(
            Effect.sync(() => {
              if (part.key === "file" && file === undefined) {
                file = { filename: part.name, content: builder.finish() }
                stats.fileSha256 = file.content.sha256
              }
            }),
          ),
        )
      }).pipe(
        Effect.zipRight(Stream.runDrain(body)),
        Effect.provideService(HttpIncomingMessage.MaxBodySize, Option.none()),
        Effect.provideService(Multipart.MaxFileSize, Option.none()),
        // A part with a file name is a file whatever its type: by default a JSON part is read
        // as a text field, so a `.json` upload was refused as "got a text field".
        Effect.provideService(Multipart.FieldMimeTypes, Chunk.empty()),
        Effect.mapError(unreadable),
      )
      return { file, fields, fileFields }
    }),
  )
