/**
 * The in-process transport: an `HttpClient` that hands each request to the app as a web `Request`
 * and wraps the web `Response`, so bodies stream both ways and no socket is opened.
 */
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"

/** @internal */
export const make = (app: HttpApp.Default): HttpClient.HttpClient =>
  HttpClient.make((request, url, signal, fiber) => {
    // The app runs with the caller's fiber refs, so `TestClock` (and tracing) reach the handler.
    const runtime = Runtime.make({
      context: fiber.currentContext,
      fiberRefs: fiber.getFiberRefs(),
      runtimeFlags: Runtime.defaultRuntimeFlags,
    })
    const handler = HttpApp.toWebHandlerRuntime(runtime)(app)
    const { "content-length": _length, ...headers } = request.headers
    const send = (body: BodyInit | undefined) =>
      Effect.tryPromise({
        try: () =>
          handler(
            new Request(url, {
              method: request.method,
              headers,
              signal,
              ...(body === undefined ? {} : { body }),
              // Node's Request needs this to accept a stream body.
              ...(request.body._tag === "Stream" ? { duplex: "half" } : {}),
            }),
          ),
        catch: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause }),
      }).pipe(Effect.map((response) => HttpClientResponse.fromWeb(request, response)))
    const body = request.body
    switch (body._tag) {
      case "Uint8Array":
        return send(body.body as Uint8Array<ArrayBuffer>) // fetch's types want a plain ArrayBuffer; any view works.
      case "Raw":
        return send(body.body as BodyInit) // Raw bodies are whatever the caller built for fetch.
      case "FormData":
        return send(body.formData)
      case "Stream":
        return Effect.flatMap(Stream.toReadableStreamEffect(body.stream), send)
      case "Empty":
        return send(undefined)
    }
  })
