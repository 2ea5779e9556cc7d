/**
 * The Node transport: an `HttpClient` of our own over an undici `Agent` (keep-alive pools,
 * one agent per layer), adding the library `User-Agent` unless the request has one.
 */
/// <reference path="./undici.d.ts" />
import { Readable } from "node:stream"
import type { ReadableStream as NodeReadableStream } from "node:stream/web"
import * as Headers from "@effect/platform/Headers"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
// Deep paths on purpose: undici's package entry also loads fetch, WebSocket, the cache and the
// mock agents, 8 to 12 MiB of RSS this client never uses; these two modules are all a request
// needs. They are undici 7.30's layout: package.json pins the range to patch releases (~7.30.2).
import request, { type RequestOptions } from "undici/lib/api/api-request.js"
import Agent from "undici/lib/dispatcher/agent.js"
import { UndiciResponse } from "./response.js"
import { toReadable } from "./streams.js"

/** `openai-containers-effect/0.1.0 node/20.19.0`. */
export const userAgent = `openai-containers-effect/0.1.0 node/${process.versions.node}`

/** What undici sends for a request body, and the headers to send with it. */
interface Outgoing {
  readonly body: RequestOptions["body"]
  readonly headers: Headers.Headers
}

const outgoing = (body: HttpBody.HttpBody, headers: Headers.Headers): Outgoing | Effect.Effect<Outgoing> => {
  switch (body._tag) {
    case "Empty":
      return { body: null, headers }
    case "Uint8Array":
      return { body: body.body, headers }
    case "Raw":
      // Passed on as given (string, bytes, a Readable...); undici refuses what it cannot send.
      return { body: body.body as RequestOptions["body"], headers }
    case "FormData": {
      // undici 7 has its own FormData class and does not take the global one. Node's
      // `Response` encodes it as a multipart stream, reading Blobs lazily.
      const encoded = new Response(body.formData)
      const contentType = encoded.headers.get("content-type")
      return {
        // A Response built from FormData always has a body. The DOM and Node typings of
        // ReadableStream differ; at run time they are the same class.
        body: Readable.fromWeb(encoded.body as NodeReadableStream<Uint8Array>),
        headers: contentType === null ? headers : Headers.set(headers, "content-type", contentType),
      }
    }
    case "Stream":
      return Effect.map(Effect.runtime<never>(), (runtime) => ({
        body: toReadable(body.stream, runtime),
        headers,
      }))
  }
}

const send = (
  agent: Agent,
  httpRequest: HttpClientRequest.HttpClientRequest,
  url: URL,
  { body, headers }: Outgoing,
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.RequestError> =>
  // Interrupting the wait for headers aborts the request through `signal`.
  Effect.async((resume, signal) => {
    const options: RequestOptions = {
      origin: url.origin,
      path: url.pathname + url.search,
      method: httpRequest.method,
      headers: headers["user-agent"] === undefined ? { ...headers, "user-agent": userAgent } : headers,
      body,
      signal,
    }
    request.call(agent, options, (error, data) => {
      resume(
        error === null
          ? Effect.succeed(new UndiciResponse(httpRequest, data))
          : Effect.fail(
              new HttpClientError.RequestError({ request: httpRequest, reason: "Transport", cause: error }),
            ),
      )
    })
  })

/**
 * The client over `agent`. Built with `makeWith`, not `make`: `make` wraps every request in
 * an abort controller, a finalization-registry entry and a response wrapper, and checks for
 * its `http.client` span, 40-50 µs a call in-memory. Here an interrupted wait for headers
 * aborts through `Effect.async`'s signal; `UndiciResponse` destroys a body whose read is
 * interrupted, or that is dropped unread.
 */
const make = (agent: Agent): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    Effect.flatMap((httpRequest) => {
      const url = UrlParams.makeUrl(httpRequest.url, httpRequest.urlParams, httpRequest.hash)
      if (Either.isLeft(url)) {
        return Effect.fail(
          new HttpClientError.RequestError({ request: httpRequest, reason: "InvalidUrl", cause: url.left }),
        )
      }
      const next = outgoing(httpRequest.body, httpRequest.headers)
      return Effect.isEffect(next)
        ? Effect.flatMap(next, (body) => send(agent, httpRequest, url.right, body))
        : send(agent, httpRequest, url.right, next)
    }),
    Effect.succeed,
  )

/**
 * Timeouts are Effect's (the client's per-attempt and idle timeouts), so undici's own are off.
 * `destroy` on release aborts whatever is still in flight and closes every connection.
 */
const agent = Effect.acquireRelease(
  Effect.sync(() => new Agent({ headersTimeout: 0, bodyTimeout: 0 })),
  (agent) => Effect.promise(() => agent.destroy()),
)

/** One keep-alive agent for the layer's lifetime; the library `User-Agent` unless one is set. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(agent, make),
)
