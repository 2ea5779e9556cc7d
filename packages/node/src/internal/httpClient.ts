/**
 * The Node transport: undici (the fastest of the three platform clients, see the README),
 * with two fixes applied to every request on the way out.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

/** `openai-containers-effect/0.1.0 node/20.19.0`. */
export const userAgent = `openai-containers-effect/0.1.0 node/${process.versions.node}`

/**
 * undici's own `FormData` class is not the global one, and `layerUndici` fails on a global
 * `FormData` body ("action is not a function"). Node's built-in `Response` encodes it as a
 * multipart stream (reading Blobs lazily), which undici sends like any other stream.
 */
const formDataAsStream = (
  request: HttpClientRequest.HttpClientRequest,
): HttpClientRequest.HttpClientRequest => {
  if (request.body._tag !== "FormData") return request
  const encoded = new Response(request.body.formData)
  const contentType = encoded.headers.get("content-type") ?? undefined
  const body = Stream.fromReadableStream({
    evaluate: () => encoded.body!, // a Response built from FormData always has a body
    onError: (cause) => cause,
  })
  return HttpClientRequest.setBody(request, HttpBody.stream(body, contentType))
}

const withUserAgent = (request: HttpClientRequest.HttpClientRequest): HttpClientRequest.HttpClientRequest =>
  request.headers["user-agent"] === undefined
    ? HttpClientRequest.setHeader(request, "user-agent", userAgent)
    : request

/** undici, sending global `FormData` bodies and a library `User-Agent` unless one is set. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(
    HttpClient.HttpClient,
    HttpClient.mapRequest((request) => withUserAgent(formDataAsStream(request))),
  ),
).pipe(Layer.provide(NodeHttpClient.layerUndici))
