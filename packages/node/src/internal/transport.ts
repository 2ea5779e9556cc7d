/**
 * The Node transport: undici with the library `User-Agent`, compressed bodies decoded, and
 * `FormData` sent as a stream (undici's dispatcher does not take the global one).
 */
import { pipeline, Readable, type Transform } from "node:stream"
import type { ReadableStream as WebStream } from "node:stream/web"
import * as zlib from "node:zlib"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as Undici from "@effect/platform-node/Undici"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/** Kept in step with package.json's version (a test checks). */
export const version = "1.0.0"

/** `@openai-containers/node/1.0.0 node/20.19.0`. */
export const userAgent = `@openai-containers/node/${version} node/${process.versions.node}`

interface Decoder {
  readonly whole: (bytes: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer
  readonly stream: () => Transform
}

const gzip: Decoder = { whole: zlib.gunzipSync, stream: () => zlib.createGunzip() }
const decoders: Readonly<Record<string, Decoder>> = {
  gzip,
  "x-gzip": gzip,
  deflate: { whole: zlib.inflateSync, stream: () => zlib.createInflate() },
  br: { whole: zlib.brotliDecompressSync, stream: () => zlib.createBrotliDecompress() },
}

/** A decoded JSON body may not grow past this: a small compressed body can expand enormously. */
const maxJsonBytes = 64 * 1024 * 1024

/** A `FormData` body as a stream, encoded by Node's `Response`, which reads Blobs lazily. */
const formDataAsStream = (request: HttpClientRequest.HttpClientRequest) => {
  if (request.body._tag !== "FormData") return request
  const { body, headers } = new Response(request.body.formData)
  if (body === null) return request
  const stream = Stream.fromReadableStream({ evaluate: () => body, onError: (cause) => cause })
  const contentType = headers.get("content-type") ?? "multipart/form-data"
  return HttpClientRequest.setBody(request, HttpBody.stream(stream, contentType))
}

const prepare = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest => {
  let next = formDataAsStream(request)
  if (next.headers["user-agent"] === undefined)
    next = HttpClientRequest.setHeader(next, "user-agent", userAgent)
  if (next.headers["accept-encoding"] === undefined && next.headers.accept === "application/json") {
    next = HttpClientRequest.setHeader(next, "accept-encoding", "gzip, br")
  }
  return next
}

const withBody = (response: HttpClientResponse.HttpClientResponse, body: BodyInit) => {
  const headers = new Headers()
  for (const name in response.headers) {
    if (name !== "content-encoding" && name !== "content-length") headers.set(name, response.headers[name]!)
  }
  return HttpClientResponse.fromWeb(
    response.request,
    new Response(body, { status: response.status, headers }),
  )
}

/**
 * A gzip, deflate or br body decoded, its encoding and length headers dropped as fetch does. A
 * JSON body is decoded in one call (a zlib stream per page cost more than its request); others
 * as they stream.
 */
const decode = (
  response: HttpClientResponse.HttpClientResponse,
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.ResponseError> => {
  const encoding = response.headers["content-encoding"]?.trim().toLowerCase()
  const decoder = encoding === undefined ? undefined : decoders[encoding]
  if (decoder === undefined || response.status === 204 || response.status === 304)
    return Effect.succeed(response)
  if (response.request.headers.accept === "application/json") {
    return Effect.flatMap(response.arrayBuffer, (bytes) =>
      Effect.try({
        try: () =>
          withBody(
            response,
            decoder.whole(new Uint8Array(bytes), { maxOutputLength: maxJsonBytes }).toString(),
          ),
        catch: (cause) =>
          new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause }),
      }),
    )
  }
  // A broken body or bad bytes reach the consumer through the decoder, as a failed read.
  const body = Stream.toReadableStream(response.stream) as unknown as WebStream // same class, typed twice (DOM, Node)
  const decoded = pipeline(Readable.fromWeb(body), decoder.stream(), () => {})
  return Effect.succeed(withBody(response, Readable.toWeb(decoded) as unknown as ReadableStream)) // as above
}

/** The transport over `dispatcher`. */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  NodeHttpClient.makeUndici(dispatcher).pipe(
    HttpClient.mapRequest(prepare),
    HttpClient.transformResponse(Effect.flatMap(decode)),
  )
