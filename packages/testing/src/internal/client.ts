/**
 * The in-process transport: an `HttpClient` that runs the app in the caller's fiber on a web
 * `Request` built from the client request, and hands back a web `Response` whose body is pulled
 * from the app's stream, so bodies stream both ways and no socket is opened.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** @internal */
export const make = (app: HttpApp.Default): HttpClient.HttpClient =>
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
      // Running in the caller's fiber: `TestClock` reaches the app, and interrupting the
      // caller (a timeout, say) interrupts the request being served.
      const response = yield* Effect.provideService(
        app,
        HttpServerRequest.HttpServerRequest,
        HttpServerRequest.fromWeb(webRequest),
      )
      const runtime = yield* Effect.runtime<never>()
      return HttpClientResponse.fromWeb(request, toWeb(response, runtime))
    }),
  )

const toWeb = (
  response: HttpServerResponse.HttpServerResponse,
  runtime: Runtime.Runtime<never>,
): Response => {
  const init = { status: response.status, headers: new Headers(response.headers) }
  const body = response.body
  switch (body._tag) {
    case "Empty":
      return new Response(null, init)
    case "Uint8Array":
      return new Response(body.body as Uint8Array<ArrayBuffer>, init) // see above: any view works.
    case "Raw":
      return new Response(body.body as BodyInit, init) // the app only builds fetch-compatible raw bodies.
    case "FormData":
      return new Response(body.formData, init)
    case "Stream":
      return new Response(pulled(body.stream, runtime), init)
  }
}

/**
 * A `ReadableStream` that pulls the app's stream one chunk per read. Unlike a pushing adapter, a
 * failure (a `ResetMidBody`) surfaces only after the bytes before it were read, as on a socket.
 */
const pulled = <E>(
  stream: Stream.Stream<Uint8Array, E>,
  runtime: Runtime.Runtime<never>,
): ReadableStream<Uint8Array> => {
  const scope = Effect.runSync(Scope.make())
  const run = Runtime.runPromiseExit(runtime)
  let pull: Effect.Effect<ReadonlyArray<Uint8Array>, Option.Option<E>> | undefined
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pull ??= await Runtime.runPromise(runtime)(Scope.extend(Stream.toPull(stream), scope)).then((p) =>
        Effect.map(p, (chunk) => Array.from(chunk)),
      )
      const exit = await run(pull!)
      if (Exit.isSuccess(exit)) {
        for (const bytes of exit.value) controller.enqueue(bytes)
        return
      }
      await close()
      const failure = Cause.failureOption(exit.cause)
      if (Option.isSome(failure) && Option.isNone(failure.value)) {
        controller.close()
      } else {
        controller.error(Cause.squash(exit.cause))
      }
    },
    cancel: close,
  })
}
