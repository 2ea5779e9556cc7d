/**
 * gzip for the real server (Node only), as the API sends it: JSON bodies are compressed when the
 * request's `Accept-Encoding` allows gzip; file content only when asked. A whole body is
 * compressed at once (with its `content-length`); a streamed one (a body fault's, a download's)
 * chunk by chunk, each chunk flushed before the next is read, so a fault that cuts or pauses the
 * body after N bytes still does so after N decoded bytes.
 */
import * as zlib from "node:zlib"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Stream from "effect/Stream"
import type { App } from "../FakeContainersApi.js"

/** Whether an `Accept-Encoding` value allows gzip (`gzip`, `x-gzip` or `*`, with q above 0). @internal */
export const acceptsGzip = (header: string | undefined): boolean => {
  let gzip: boolean | undefined
  let any = false
  for (const part of (header ?? "").split(",")) {
    const [coding = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase())
    const q = params.find((p) => p.startsWith("q="))
    const allowed = q === undefined || Number(q.slice(2)) > 0
    if (coding === "gzip" || coding === "x-gzip") gzip = allowed
    else if (coding === "*") any = allowed
  }
  return gzip ?? any
}

const compressible = (response: HttpServerResponse.HttpServerResponse, content: boolean): boolean => {
  if (response.headers["content-encoding"] !== undefined) return false
  if (response.body._tag !== "Uint8Array" && response.body._tag !== "Stream") return false
  const type = (response.headers["content-type"] ?? "").toLowerCase()
  return type.startsWith("application/json") || (content && type.startsWith("application/octet-stream"))
}

/**
 * Serves `app`, compressing what the client accepts: JSON always, file content (`octet-stream`)
 * when `content` is set.
 *
 * @internal
 */
export const compress = (app: App, options: { readonly content: boolean }): App =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const response = yield* app
    if (!acceptsGzip(request.headers["accept-encoding"]) || !compressible(response, options.content)) {
      return response
    }
    const { "content-length": _length, ...headers } = response.headers
    const init = {
      status: response.status,
      headers: { ...headers, "content-encoding": "gzip", vary: "accept-encoding" },
      contentType: response.headers["content-type"],
    }
    const body = response.body
    return body._tag === "Uint8Array"
      ? HttpServerResponse.uint8Array(zlib.gzipSync(body.body), init)
      : body._tag === "Stream"
        ? HttpServerResponse.stream(gzipStream(body.stream), init)
        : response
  })

// A gzip member: this header (no name, no time, unknown OS), deflate blocks, CRC-32 and size.
const header = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff)

/**
 * Each chunk deflated on its own and sync-flushed (non-final blocks ending on a byte), then one
 * final empty block: a valid deflate stream whose every prefix decodes to whole chunks.
 */
const gzipStream = <E>(body: Stream.Stream<Uint8Array, E>): Stream.Stream<Uint8Array, E> =>
  Stream.suspend(() => {
    let crc = 0
    let size = 0
    const blocks = Stream.map(body, (chunk): Uint8Array => {
      crc = zlib.crc32(chunk, crc)
      size = (size + chunk.length) >>> 0
      return zlib.deflateRawSync(chunk, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
    })
    const trailer = Stream.sync(() => {
      const last = zlib.deflateRawSync(new Uint8Array(0))
      const out = new Uint8Array(last.length + 8)
      out.set(last)
      const view = new DataView(out.buffer)
      view.setUint32(last.length, crc, true)
      view.setUint32(last.length + 4, size, true)
      return out
    })
    return Stream.succeed(header).pipe(Stream.concat(blocks), Stream.concat(trailer))
  })
