/**
 * The Node transport: the platform's undici client (`NodeHttpClient.makeUndici`) with what the
 * API needs on top, through the platform's own combinators: the library `User-Agent`,
 * `Accept-Encoding` on JSON requests, and decoded bodies. 4.1's undici client takes the global
 * `FormData` itself (it copies the entries into undici's own `FormData`, Blobs read lazily), so
 * multipart bodies go through untouched.
 */
import * as zlib from "node:zlib"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeStream from "@effect/platform-node/NodeStream"
import type * as Undici from "@effect/platform-node/Undici"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Stream from "effect/Stream"

/** Kept in step with package.json's version (a test checks). */
export const version = "2.0.0"

/** `@openai-containers/node/2.0.0 node/24.21.0`. */
export const userAgent = `@openai-containers/node/${version} node/${process.versions.node}`

interface Decoder {
  readonly whole: (bytes: Uint8Array, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer
  readonly stream: () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress
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

const prepare = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest => {
  let next = request
  if (next.headers["user-agent"] === undefined) {
    next = HttpClientRequest.setHeader(next, "user-agent", userAgent)
  }
  if (next.headers["accept-encoding"] === undefined && next.headers.accept === "application/json") {
    next = HttpClientRequest.setHeader(next, "accept-encoding", "gzip, br")
  }
  return next
}

/** The response with `body` in place of its own, without the encoding and length headers. */
const withBody = (
  response: HttpClientResponse.HttpClientResponse,
  body: BodyInit,
): HttpClientResponse.HttpClientResponse => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(response.headers)) {
    if (name !== "content-encoding" && name !== "content-length") headers.set(name, value)
  }
  return HttpClientResponse.fromWeb(
    response.request,
    new Response(body, { status: response.status, headers }),
  )
}

const decodeError = (response: HttpClientResponse.HttpClientResponse, cause: unknown) =>
  new HttpClientError.HttpClientError({
    reason: new HttpClientError.DecodeError({ request: response.request, response, cause }),
  })

/**
 * A response whose `Content-Encoding` is gzip, deflate or br, with its body decoded (and the
 * encoding and length headers dropped, as fetch does); any other response as it came. A JSON
 * body (small, and read whole anyway) is decoded in one call; a zlib stream per page cost
 * more than the page's own request (1.x figure). Other bodies are decoded as they stream.
 */
const decode = (
  response: HttpClientResponse.HttpClientResponse,
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const encoding = response.headers["content-encoding"]?.trim().toLowerCase()
  const decoder = encoding === undefined ? undefined : decoders[encoding]
  if (decoder === undefined || response.status === 204 || response.status === 304) {
    return Effect.succeed(response)
  }
  if (response.request.headers.accept === "application/json") {
    return Effect.flatMap(response.arrayBuffer, (bytes) =>
      Effect.try({
        try: () =>
          withBody(
            response,
            decoder.whole(new Uint8Array(bytes), { maxOutputLength: maxJsonBytes }).toString(),
          ),
        catch: (cause) => decodeError(response, cause),
      }),
    )
  }
  // A failure on either side (a broken body, bytes that are not what they claim) reaches the
  // consumer as a failed read whose cause is the underlying error, as for a plain body.
  const decoded = NodeStream.pipeThroughDuplex(
    Stream.mapError(response.stream, (error): unknown => error.reason.cause ?? error),
    { evaluate: decoder.stream, onError: (cause): unknown => cause },
  )
  return Effect.succeed(withBody(response, Stream.toReadableStream(decoded)))
}

/** The transport over `dispatcher`. */
export const make = (dispatcher: Undici.Dispatcher): Effect.Effect<HttpClient.HttpClient> =>
  NodeHttpClient.makeUndici.pipe(
    Effect.provideService(NodeHttpClient.Dispatcher, dispatcher),
    Effect.map((client) =>
      client.pipe(HttpClient.mapRequest(prepare), HttpClient.transformResponse(Effect.flatMap(decode))),
    ),
  )
