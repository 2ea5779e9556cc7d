/**
 * A scriptable `HttpClient` for pinning exact requests: it records each one (method, URL,
 * headers, body bytes) and answers from a handler.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { TestClock } from "effect/testing"
import { ContainersClient } from "../src/index.js"

export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly contentType: string | undefined
  readonly body: Uint8Array<ArrayBuffer>
}

export type Reply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly raw: BodyInit | null; readonly status?: number; readonly headers?: Record<string, string> }
  | { readonly transportError: string }

/** The body as sent on the wire, with its content type (FormData picks its own boundary). */
const encodeBody = (
  request: HttpClientRequest.HttpClientRequest,
): Effect.Effect<{ bytes: Uint8Array<ArrayBuffer>; contentType: string | undefined }, unknown> => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return Effect.succeed({ bytes: new Uint8Array(body.body), contentType: body.contentType })
    case "FormData": {
      const response = new Response(body.formData)
      return Effect.promise(() => response.arrayBuffer()).pipe(
        Effect.map((b) => ({
          bytes: new Uint8Array(b),
          contentType: response.headers.get("content-type") ?? undefined,
        })),
      )
    }
    case "Stream":
      return Effect.map(Stream.mkUint8Array(body.stream), (bytes) => ({
        bytes,
        contentType: body.contentType,
      }))
    default:
      return Effect.succeed({ bytes: new Uint8Array(0), contentType: undefined })
  }
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers,
})

/** A client that records requests and answers each with `handler(recorded, index)`. */
export const make = (handler: (request: Recorded, index: number) => Reply | Effect.Effect<Reply>) => {
  const requests: Array<Recorded> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const { bytes, contentType } = yield* Effect.orDie(encodeBody(request))
      const recorded: Recorded = {
        method: request.method,
        url,
        headers: request.headers,
        contentType,
        body: bytes,
      }
      requests.push(recorded)
      const result = handler(recorded, requests.length - 1)
      const reply = Effect.isEffect(result) ? yield* result : result
      if ("transportError" in reply) {
        return yield* new HttpClientError.HttpClientError({
          reason: new HttpClientError.TransportError({ request, cause: new Error(reply.transportError) }),
        })
      }
      const headers = new Headers({ "x-request-id": `req_${requests.length}`, ...reply.headers })
      if ("raw" in reply) {
        return HttpClientResponse.fromWeb(
          request,
          new Response(reply.raw, { status: reply.status ?? 200, headers }),
        )
      }
      if (reply.body !== undefined) headers.set("content-type", "application/json")
      const text = reply.body === undefined ? null : JSON.stringify(reply.body)
      return HttpClientResponse.fromWeb(request, new Response(text, { status: reply.status, headers }))
    }),
  )
  return { requests, client }
}

export const apiKey = "sk-test-SECRET-0123456789abcdef"

/** `ContainersClient` over a stub, with a recognisable key and a fixed base URL. */
export const layer = (
  handler: (request: Recorded, index: number) => Reply | Effect.Effect<Reply>,
  options: ContainersClient.Options = {},
) => {
  const stub = make(handler)
  return {
    requests: stub.requests,
    layer: ContainersClient.layer({
      apiKey: Redacted.make(apiKey),
      baseUrl: "https://api.test/v1",
      ...options,
    }).pipe(Layer.provide(Layer.succeed(HttpClient.HttpClient, stub.client))),
  }
}

export const file = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1747848842,
  bytes: 880,
  path: `/mnt/data/${id}.txt`,
  source: "user",
  ...extra,
})

export const container = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  object: "container",
  name: "My Container",
  created_at: 1747844794,
  status: "running",
  ...extra,
})

export const decodeText = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/**
 * A tracer over the current one that keeps every span it makes, for assertions on names and
 * attributes: `Effect.withTracer(recorder.tracer)` around the calls, then read `spans`.
 */
export const spanRecorder = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = native.span(options)
      spans.push(span)
      return span
    },
  })
  return { spans, tracer }
})

/**
 * Lets real I/O catch up with the test clock: a stub reads FormData bodies and Web streams
 * through promises, which `TestClock.adjust` does not wait for.
 */
export const settle = Effect.promise(() => new Promise((resolve) => setImmediate(resolve))).pipe(
  Effect.repeat({ times: 5 }),
)

/** `TestClock.adjust`, once pending real I/O has settled. */
export const adjust = (duration: Duration.Input) => Effect.andThen(settle, TestClock.adjust(duration))
