/**
 * The in-process transport: an `HttpClient` that runs the app in the caller's fiber on a web
 * `Request` built from the client request, and hands back the app's response as a client
 * response whose body stream runs when the caller reads it, so bodies stream both ways and no
 * socket is opened.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { App } from "../FakeContainersApi.js"

/** @internal */
export const make = (app: App): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.gen(function* () {
      const { "content-length": _length, ...headers } = request.headers
      const body = request.body
      const webBody: BodyInit | undefined =
        body._tag === "Uint8Array"
          ? (body.body as Uint8Array<ArrayBuffer>) // fetch's types want a plain ArrayBuffer; any view works.
          : body._tag === "Raw"
            ? (body.body as BodyInit) // Raw bodies are whatever the caller built for fetch.
            : body._tag === "FormData"
              ? body.formData
              : body._tag === "Stream"
                ? yield* Stream.toReadableStreamEffect(body.stream)
                : undefined
      const webRequest = new Request(url, {
        method: request.method,
        headers,
        ...(webBody === undefined ? {} : { body: webBody }),
        // Node's Request needs this to accept a stream body.
        ...(body._tag === "Stream" ? { duplex: "half" } : {}),
      })
      // The request's scope, as a server gives one: closed when the response body has been read
      // (or at once, for a body that is not a stream), or when the app fails.
      const scope = yield* Scope.make()
      // Running in the caller's fiber: `TestClock` reaches the app, and interrupting the
      // caller (a timeout, say) interrupts the request being served.
      const response = yield* app.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(webRequest)),
        Effect.provideService(Scope.Scope, scope),
        Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))),
      )
      return HttpServerResponse.toClientResponse(yield* closingWithBody(response, scope), { request })
    }),
  )

const closingWithBody = (
  response: HttpServerResponse.HttpServerResponse,
  scope: Scope.Closeable,
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const body = response.body
  if (body._tag !== "Stream") return Effect.as(Scope.close(scope, Exit.void), response)
  // Rebuilt with the same headers: a fault may send a `content-length` its stream does not reach.
  return Effect.succeed(
    HttpServerResponse.stream(
      Stream.onExit(body.stream, (exit) => Scope.close(scope, exit)),
      { status: response.status, headers: response.headers, cookies: response.cookies },
    ),
  )
}
